// Frames per second of the whole classic pipeline (ADU → detection → Ceres MLE → table) on a
// sparse 256×256 movie simulated in memory (0.5 emitters/µm², 2000 photons, 20 bg photons/px).
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/parallel_for.h"
#include "localization/localizer.h"
#include "simulation/movie_simulator.h"

namespace {

std::vector<smlm::ImageF> simulate(int size, int frames, double density) {
  smlm::simulation::SimulationSettings s;
  s.width = s.height = size;
  s.frames = frames;
  s.density = density;
  s.seed = 3;
  smlm::simulation::MovieSimulator sim(s);
  std::vector<smlm::ImageF> movie(frames);
  smlm::LocalizationTable truth;
  for (auto& f : movie) sim.next(f, truth);
  return movie;
}

void BM_Localize(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto movie = simulate(size, 32, 0.5);
  smlm::kernels::set_cpu_threads(threads);
  smlm::localization::Localizer localizer(smlm::CameraModel{}, {});
  int64_t frames = 0, locs = 0;
  for (auto _ : state) {
    const auto table = localizer.localize(movie, 0);
    locs += static_cast<int64_t>(table.size());
    frames += static_cast<int64_t>(movie.size());
  }
  state.SetItemsProcessed(frames);
  state.counters["locs/frame"] = static_cast<double>(locs) / frames;
  smlm::kernels::set_cpu_threads(0);
}

BENCHMARK(BM_Localize)
    ->ArgNames({"size", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
