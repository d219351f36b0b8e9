// Fits per second of the Ceres Poisson-MLE fitter on simulated integrated-Gaussian ROIs
// (2000 photons, 20 background photons/px, sigma 1.3 px), by ROI size and thread count.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <vector>

#include "kernels/random.h"
#include "localization/mle_fit.h"
#include "psf/integrated_gaussian.h"

namespace {

using smlm::psf::IntegratedGaussian;

struct RoiSet {
  int size = 0;
  std::vector<float> pixels;   // n × size², photoelectrons
  std::vector<double> starts;  // n × 5
  int count() const { return static_cast<int>(starts.size() / 5); }
};

RoiSet make_rois(int size, int n) {
  RoiSet set;
  set.size = size;
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

void BM_CeresFit(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const bool fixed_sigma = state.range(2) != 0;
  const RoiSet set = make_rois(size, 4096);
  smlm::localization::FitSettings fs;
  fs.roi_radius = size / 2;
  fs.fixed_sigma = fixed_sigma;
  const smlm::localization::MleFitter fitter(fs);
  const int np = size * size;
  int64_t fits = 0;
  for (auto _ : state) {
    int converged = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 32) reduction(+ : converged)
    for (int i = 0; i < set.count(); ++i) {
      const auto r = fitter.fit(set.pixels.data() + static_cast<size_t>(i) * np, size, size,
                                set.starts.data() + 5 * i);
      converged += r.converged;
    }
    benchmark::DoNotOptimize(converged);
    fits += set.count();
  }
  state.SetItemsProcessed(fits);
  state.counters["fits/s/thread"] =
      benchmark::Counter(static_cast<double>(fits) / threads, benchmark::Counter::kIsRate);
}

BENCHMARK(BM_CeresFit)
    ->ArgNames({"roi", "threads", "fixed_sigma"})
    ->Args({7, 1, 0})
    ->Args({7, 2, 0})
    ->Args({9, 1, 0})
    ->Args({9, 2, 0})
    ->Args({7, 1, 1})
    ->Args({9, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
