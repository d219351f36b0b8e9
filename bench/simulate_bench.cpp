// Frames per second of the movie simulator (blinking emitters, integrated Gaussian PSF, camera
// noise) at 256×256, 0.5 emitters/µm², on CPU threads and, when one exists, on the GPU.
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "simulation/movie_simulator.h"

namespace {

void run_simulate(benchmark::State& state, smlm::kernels::Device device, int threads) {
  smlm::simulation::SimulationSettings s;
  s.width = s.height = static_cast<int>(state.range(0));
  s.frames = 100000;  // more than a benchmark's run renders
  s.density = 0.5;
  s.seed = 5;
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(threads);
  smlm::simulation::MovieSimulator sim(s);
  sim.set_device(device);
  smlm::ImageF frame;
  smlm::LocalizationTable truth;
  int64_t frames = 0;
  for (auto _ : state) {
    if (!sim.next(frame, truth)) {
      state.SkipWithError("the simulated movie ran out of frames");
      break;
    }
    if (truth.size() > 100000) truth.resize(0);  // memory stays bounded
    ++frames;
  }
  state.SetItemsProcessed(frames);
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  smlm::kernels::set_cpu_threads(before);
}

void BM_Simulate(benchmark::State& state) {
  run_simulate(state, smlm::kernels::Device::cpu(), static_cast<int>(state.range(1)));
}
void BM_SimulateGpu(benchmark::State& state) {
  run_simulate(state, smlm::kernels::Device::cuda(0), 0);
}

BENCHMARK(BM_Simulate)
    ->ArgNames({"size", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::simulation::gpu_available()) {
    benchmark::RegisterBenchmark("BM_SimulateGpu", BM_SimulateGpu)
        ->ArgNames({"size"})
        ->Arg(256)
        ->Arg(2048)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
