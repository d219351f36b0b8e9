// Fits per second of the Poisson-MLE fitters on simulated integrated-Gaussian ROIs (2000 photons,
// 20 background photons/px, sigma 1.3 px), by ROI size and thread count: Ceres (MleFitter), the
// batched Levenberg–Marquardt fitter on CPU threads and, when a GPU exists, on CUDA.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <vector>

#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "localization/batch_fit.h"
#include "localization/lm_models.h"
#include "localization/mle_fit.h"
#include "psf/integrated_gaussian.h"

namespace {

using smlm::localization::LmIntegratedGaussian;
using smlm::localization::LmStatus;
using smlm::psf::IntegratedGaussian;

// n ROIs of size², with start values (c, c, 1500, 15, 1.3), c the ROI centre (the spot is within
// ½ px of it).
smlm::localization::RoiBatch make_rois(int size, int n) {
  smlm::localization::RoiBatch set;
  set.w = set.h = size;
  const int np = size * size;
  set.pixels.resize(static_cast<size_t>(n) * np);
  std::vector<double> mu(np);
  for (int i = 0; i < n; ++i) {
    smlm::kernels::Rng rng(7, i);
    const double c = 0.5 * (size - 1);
    const double theta[5] = {c + rng.uniform() - 0.5, c + rng.uniform() - 0.5, 2000, 20, 1.3};
    IntegratedGaussian::evaluate_roi(theta, size, size, mu.data(), nullptr);
    for (int k = 0; k < np; ++k) set.pixels[static_cast<size_t>(i) * np + k] = rng.poisson(mu[k]);
    set.starts.insert(set.starts.end(), {c, c, 1500, 15, 1.3});
  }
  return set;
}

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
  const auto set = make_rois(size, size > 11 ? 1024 : 4096);
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
  auto set = make_rois(size, 16384);
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
  const auto set = make_rois(size, 1 << 18);
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

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    benchmark::RegisterBenchmark("BM_LmFitGpu", BM_LmFitGpu)
        ->ArgNames({"roi", "fixed_sigma"})
        ->ArgsProduct({{5, 7, 9, 11, 15}, {0, 1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
