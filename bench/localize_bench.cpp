// Frames per second of the whole classic pipeline (ADU → detection → LM or Ceres MLE → table)
// on sparse movies simulated in memory (256×256 at 0.5 emitters/µm², 2048×2048 at 0.1; 2000
// photons, 20 bg photons/px), of the detection step alone, and on the GPU (detection and fits)
// when one exists.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/bench_main.h"
#include "bench/workloads.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "localization/detect.h"
#include "localization/detect_batch.h"
#include "localization/localizer.h"

namespace {

using smlm::localization::Fitter;

std::vector<smlm::ImageF> simulate(int size, int frames) {
  return smlm::bench::simulate_movie(size, frames, smlm::bench::movie_density(size));
}

// range(0): frame size; range(1): CPU threads; range(2): 0 = LM, 1 = Ceres.
void run_localize(benchmark::State& state, smlm::kernels::Device device) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto movie = simulate(size, size > 512 ? 4 : 32);
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(threads);
  smlm::localization::LocalizeSettings ls;
  ls.fit.fitter = state.range(2) != 0 ? Fitter::ceres : Fitter::lm;
  ls.fit.device = device;
  smlm::localization::Localizer localizer(smlm::CameraModel{}, ls);
  int64_t frames = 0, locs = 0;
  for (auto _ : state) {
    const auto table = localizer.localize(movie, 0);
    locs += static_cast<int64_t>(table.size());
    frames += static_cast<int64_t>(movie.size());
  }
  state.SetItemsProcessed(frames);
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["locs/frame"] = static_cast<double>(locs) / frames;
  smlm::kernels::set_cpu_threads(before);
}

void BM_Localize(benchmark::State& state) { run_localize(state, smlm::kernels::Device::cpu()); }
void BM_LocalizeGpu(benchmark::State& state) {
  run_localize(state, smlm::kernels::Device::cuda(0));
}

// Frames/s, megapixels/s and candidates per frame of a detection benchmark.
void report_detection(benchmark::State& state, int64_t frames, int64_t candidates, int size) {
  state.SetItemsProcessed(frames);
  state.counters["frames/s"] =
      benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["Mpx/s"] = benchmark::Counter(static_cast<double>(frames) * size * size / 1e6,
                                               benchmark::Counter::kIsRate);
  state.counters["cand/frame"] = static_cast<double>(candidates) / frames;
}

// Camera conversion is left out: detect() on frames of photoelectrons, one frame per call.
void BM_Detect(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  auto movie = simulate(size, size > 512 ? 2 : 16);
  const smlm::CameraModel camera;
  for (auto& f : movie)
    for (size_t i = 0; i < f.size(); ++i)
      f.data()[i] = static_cast<float>(camera.adu_to_electrons(f.data()[i]));
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(threads);
  const smlm::localization::DetectionSettings ds;
  int64_t frames = 0, candidates = 0;
  for (auto _ : state) {
    std::vector<int64_t> found(movie.size());
    smlm::kernels::parallel_for(static_cast<int64_t>(movie.size()), [&](int64_t f) {
      found[f] = static_cast<int64_t>(smlm::localization::detect(movie[f], ds).size());
    });
    for (int64_t n : found) candidates += n;
    frames += static_cast<int64_t>(movie.size());
  }
  report_detection(state, frames, candidates, size);
  smlm::kernels::set_cpu_threads(before);
}

// The same on the GPU (BatchDetector): from raw ADU frames, upload and conversion included, to
// candidates and ROIs in device memory; the candidates come back.
void BM_DetectGpu(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const auto movie = simulate(size, size > 512 ? 2 : 16);
  smlm::localization::BatchDetector detector(smlm::CameraModel{}, {}, 3,
                                             smlm::kernels::Device::cuda(0));
  int64_t frames = 0, candidates = 0;
  for (auto _ : state) {
    detector.run(movie);
    candidates += static_cast<int64_t>(detector.candidates().size());
    frames += static_cast<int64_t>(movie.size());
  }
  report_detection(state, frames, candidates, size);
}

BENCHMARK(BM_Localize)
    ->ArgNames({"size", "threads", "ceres"})
    ->Args({256, 1, 0})
    ->Args({256, 2, 0})
    ->Args({256, 1, 1})
    ->Args({256, 2, 1})
    ->Args({2048, 1, 0})
    ->Args({2048, 2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_Detect)
    ->ArgNames({"size", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Args({2048, 1})
    ->Args({2048, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    // Conversion, detection, ROI extraction and the fits run on the GPU; frames go up once.
    benchmark::RegisterBenchmark("BM_LocalizeGpu", BM_LocalizeGpu)
        ->ArgNames({"size", "threads", "ceres"})
        ->Args({256, 0, 0})
        ->Args({2048, 0, 0})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_DetectGpu", BM_DetectGpu)
        ->ArgNames({"size"})
        ->Arg(256)
        ->Arg(2048)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
