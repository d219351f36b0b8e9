// Fits per second of the Poisson-MLE fitters on simulated integrated-Gaussian ROIs (2000 photons,
// 20 background photons/px, sigma 1.3 px; bench/workloads.h), by ROI size and thread count: Ceres
// (MleFitter), the batched Levenberg–Marquardt fitter on CPU threads and, when a GPU exists, on
// CUDA; LM fits/s by batch size (10³ … 10⁷); and 3D LM fits (astigmatic Gaussian, cubic spline of
// its stack) with their z-scan starts, one thread.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "bench/bench_main.h"
#include "bench/workloads.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "localization/batch_fit.h"
#include "localization/lm_models.h"
#include "localization/mle_fit.h"

namespace {

using smlm::localization::LmIntegratedGaussian;
using smlm::localization::LmStatus;

void report(benchmark::State& state, int64_t fits, int threads, double converged, double steps) {
  state.SetItemsProcessed(fits);
  state.counters["fits/s/thread"] =
      benchmark::Counter(static_cast<double>(fits) / threads, benchmark::Counter::kIsRate);
  state.counters["converged"] = converged;
  state.counters["steps"] = steps;  // mean iterations per fit
}

// Fraction converged and mean steps of a batch's LM results.
void report_lm(benchmark::State& state, int64_t fits, int threads,
               const std::vector<smlm::localization::LmResult>& results) {
  double converged = 0, steps = 0;
  for (const auto& r : results) {
    converged += r.status == LmStatus::converged;
    steps += r.iterations;
  }
  const double n = static_cast<double>(results.size());
  report(state, fits, threads, converged / n, steps / n);
}

void BM_CeresFit(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const bool fixed_sigma = state.range(2) != 0;
  const auto set = smlm::bench::gaussian_rois(size, size > 11 ? 1024 : 4096);
  smlm::localization::FitSettings fs;
  fs.roi_radius = size / 2;
  fs.fixed_sigma = fixed_sigma;
  const smlm::localization::MleFitter fitter(fs);
  const int np = size * size;
  const int n = static_cast<int>(set.count());
  int64_t fits = 0;
  int converged = 0, steps = 0;
  for (auto _ : state) {
    converged = steps = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 32) reduction(+ : converged, steps)
    for (int i = 0; i < n; ++i) {
      const auto r = fitter.fit(set.pixels.data() + static_cast<size_t>(i) * np, size, size,
                                set.starts.data() + 5 * i);
      converged += r.converged;
      steps += r.iterations;
    }
    benchmark::DoNotOptimize(converged);
    fits += n;
  }
  report(state, fits, threads, static_cast<double>(converged) / n, static_cast<double>(steps) / n);
}

// The batched LM fitter on the CPU; starts = 0: the bench's start values (as Ceres gets), 1: from
// each ROI's data (localization/roi.h initial_theta, as the Localizer does), timed with the fits.
void BM_LmFit(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const bool fixed_sigma = state.range(2) != 0;
  auto set = smlm::bench::gaussian_rois(size, 16384);
  if (state.range(3) != 0) set.starts.clear();
  smlm::localization::BatchFitter fitter(LmIntegratedGaussian::settings(fixed_sigma));
  std::vector<smlm::localization::LmResult> results;
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(threads);
  int64_t fits = 0;
  for (auto _ : state) {
    fitter.fit(set, results);
    benchmark::DoNotOptimize(results.data());
    fits += set.count();
  }
  smlm::kernels::set_cpu_threads(before);
  report_lm(state, fits, threads, results);
}

// The same on the GPU, including the host↔device copies of each batch.
void BM_LmFitGpu(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const bool fixed_sigma = state.range(1) != 0;
  const auto set = smlm::bench::gaussian_rois(size, 1 << 18);
  smlm::localization::BatchFitter fitter(LmIntegratedGaussian::settings(fixed_sigma),
                                         smlm::kernels::Device::cuda(0));
  std::vector<smlm::localization::LmResult> results;
  fitter.fit(set, results);  // allocates the device buffers
  int64_t fits = 0;
  for (auto _ : state) {
    fitter.fit(set, results);
    fits += set.count();
  }
  report_lm(state, fits, 1, results);
}

// n ROIs of size² made of make_rois' first 16384 repeated (simulating 10⁷ ROIs would take longer
// than fitting them).
smlm::localization::RoiBatch make_rois_tiled(int size, int64_t n) {
  const smlm::localization::RoiBatch pool =
      smlm::bench::gaussian_rois(size, static_cast<int>(std::min<int64_t>(n, 16384)));
  smlm::localization::RoiBatch set;
  set.w = set.h = size;
  const size_t np = static_cast<size_t>(size) * size, m = static_cast<size_t>(pool.count());
  set.pixels.resize(static_cast<size_t>(n) * np);
  set.starts.resize(static_cast<size_t>(n) * 5);
  for (int64_t i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(i) % m;
    std::copy_n(pool.pixels.begin() + k * np, np, set.pixels.begin() + i * np);
    std::copy_n(pool.starts.begin() + k * 5, 5, set.starts.begin() + i * 5);
  }
  return set;
}

// Fits/s of 7×7 ROIs by batch size, 10³ … 10⁷: on every CPU thread (device 0) or the GPU
// (device 1, host↔device copies included). Small batches show the per-call overhead.
void BM_LmFitBatch(benchmark::State& state) {
  const int64_t n = state.range(0);
  const bool gpu = state.range(1) != 0;
  const auto set = make_rois_tiled(7, n);
  smlm::localization::BatchFitter fitter(
      LmIntegratedGaussian::settings(false),
      gpu ? smlm::kernels::Device::cuda(0) : smlm::kernels::Device::cpu());
  std::vector<smlm::localization::LmResult> results;
  fitter.fit(set, results);  // buffers allocated before timing
  int64_t fits = 0;
  for (auto _ : state) {
    fitter.fit(set, results);
    fits += n;
  }
  report_lm(state, fits, gpu ? 1 : smlm::kernels::cpu_threads(), results);
}

// 3D: astigmatic ROIs (bench/workloads.h astigmatic_rois: 2000 photons, bg 15, z uniform over
// ±600 nm) fitted with the astigmatic Gaussian (model 0) or a 2×-oversampled spline of its stack
// (model 1), starts from the z scan.
void BM_LmFit3d(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const bool spline = state.range(1) != 0;
  const smlm::psf::AstigmaticGaussian astig(smlm::bench::astigmatic_curves(), 100.0);
  const auto sp = smlm::bench::astigmatic_spline(astig);
  const auto set = smlm::bench::astigmatic_rois(astig, size, 4096);
  const auto model = spline ? smlm::localization::BatchModel::of(sp->model())
                            : smlm::localization::BatchModel::of(astig);
  smlm::localization::BatchFitter fitter(model.default_settings(), model);
  std::vector<smlm::localization::LmResult> results;
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(1);
  int64_t fits = 0;
  for (auto _ : state) {
    fitter.fit(set, results);
    benchmark::DoNotOptimize(results.data());
    fits += set.count();
  }
  smlm::kernels::set_cpu_threads(before);
  report_lm(state, fits, 1, results);
}

BENCHMARK(BM_LmFit3d)
    ->ArgNames({"roi", "spline"})
    ->ArgsProduct({{11, 13}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_CeresFit)
    ->ArgNames({"roi", "threads", "fixed_sigma"})
    ->ArgsProduct({{5, 7, 9, 11, 15}, {1}, {0, 1}})
    ->Args({7, 2, 0})
    ->Args({9, 2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_LmFit)
    ->ArgNames({"roi", "threads", "fixed_sigma", "data_starts"})
    ->ArgsProduct({{5, 7, 9, 11, 15}, {1, 2}, {0, 1}, {0}})
    ->ArgsProduct({{7, 9}, {1}, {0, 1}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_LmFitBatch)
    ->ArgNames({"batch", "gpu"})
    ->ArgsProduct({{1000, 10000, 100000, 1000000, 10000000}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    benchmark::RegisterBenchmark("BM_LmFitGpu", BM_LmFitGpu)
        ->ArgNames({"roi", "fixed_sigma"})
        ->ArgsProduct({{5, 7, 9, 11, 15}, {0, 1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_LmFitBatch", BM_LmFitBatch)
        ->ArgNames({"batch", "gpu"})
        ->ArgsProduct({{1000, 10000, 100000, 1000000, 10000000}, {1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
