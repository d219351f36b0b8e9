// BatchFitter: checks a batch's sizes, then runs BatchFitKernel over its ROIs on the CPU's threads
// or hands it to the GPU side (localization/cuda/batch_fit_gpu.*).
#include "localization/batch_fit.h"

#include <cmath>
#include <type_traits>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/batch_fit_kernel.h"
#include "localization/cuda/batch_fit_gpu.h"
#include "localization/gof.h"
#include "localization/lm_models.h"

namespace smlm::localization {

namespace {

template <class Model>
void run_cpu(const Model& model, const LmSettings& settings, const float* pixels,
             const float* variance, const double* starts, int64_t n, int w, int h,
             LmResult* results) {
  kernels::parallel_for(
      n, BatchFitKernel<Model>{model, settings, pixels, variance, starts, w, h, results});
}

template <class Model>
void run_cpu(const Model& model, const LmSettings& settings, const RoiBatch& batch,
             LmResult* results) {
  run_cpu(model, settings, batch.pixels.data(),
          batch.variance.empty() ? nullptr : batch.variance.data(),
          batch.starts.empty() ? nullptr : batch.starts.data(), batch.count(), batch.w, batch.h,
          results);
}

// f(model): the LM adapter of a BatchModel (σ start initial_sigma for the integrated Gaussian).
template <class F>
void with_lm_model(const BatchModel& m, double initial_sigma, F&& f) {
  switch (m.kind) {
    case BatchModel::Kind::astigmatic:
      f(LmAstigmaticGaussian(m.astigmatic));
      return;
    case BatchModel::Kind::spline:
      f(LmCubicSpline(m.spline));
      return;
    default: {
      LmIntegratedGaussian model;
      model.initial_sigma = initial_sigma;
      f(model);
      return;
    }
  }
}

// f(psf): the multi-emitter PSF of a BatchModel (σ start initial_sigma for the 2D Gaussian).
template <class F>
void with_emitter_psf(const BatchModel& m, double initial_sigma, F&& f) {
  switch (m.kind) {
    case BatchModel::Kind::astigmatic:
      f(AstigmaticEmitterPsf{m.astigmatic});
      return;
    case BatchModel::Kind::spline:
      f(SplineEmitterPsf{m.spline});
      return;
    default: {
      GaussianEmitterPsf psf;
      psf.initial_sigma = initial_sigma;
      f(psf);
      return;
    }
  }
}

void check_roi_size(int w, int h) {
  constexpr int kMaxSide = LmIntegratedGaussian::kMaxSide;
  SMLM_CHECK(w >= 1 && h >= 1 && w <= kMaxSide && h <= kMaxSide && w * h <= kLmMaxPixels,
             "batch fit: ROIs must be 1.." << kMaxSide << " px on a side (at most " << kLmMaxPixels
                                           << " pixels), got " << w << "x" << h);
}

void check_initial_sigma(double sigma) {
  SMLM_CHECK(std::isfinite(sigma) && sigma > 0,
             "batch fit: initial sigma must be positive, got " << sigma);
}

}  // namespace

LmSettings BatchModel::default_settings(bool fixed_sigma, int max_iterations) const {
  switch (kind) {
    case Kind::astigmatic:
      return LmAstigmaticGaussian::settings(astigmatic, max_iterations);
    case Kind::spline:
      return LmCubicSpline::settings(spline, max_iterations);
    default:
      return LmIntegratedGaussian::settings(fixed_sigma, max_iterations);
  }
}

struct BatchFitter::Gpu {
  explicit Gpu(int device) : fit(device) {}
  GpuBatchFit fit;
};

void validate(const LmSettings& s) {
  SMLM_CHECK(s.max_iterations >= 0, "LM: max iterations must be >= 0, got " << s.max_iterations);
  SMLM_CHECK(std::isfinite(s.tolerance) && s.tolerance > 0,
             "LM: tolerance must be positive, got " << s.tolerance);
  SMLM_CHECK(std::isfinite(s.initial_lambda) && s.initial_lambda > 0,
             "LM: initial lambda must be positive, got " << s.initial_lambda);
  SMLM_CHECK(s.lambda_up > 1 && s.lambda_down > 0 && s.lambda_down < 1,
             "LM: lambda must grow (x" << s.lambda_up << ") on rejection and shrink (x"
                                       << s.lambda_down << ") on acceptance");
  SMLM_CHECK(
      s.x_param >= 0 && s.x_param < kLmMaxParams && s.y_param >= 0 && s.y_param < kLmMaxParams,
      "LM: position parameters out of range");
  SMLM_CHECK(std::isfinite(s.roi_margin) && s.roi_margin >= 0,
             "LM: ROI margin must be >= 0 px, got " << s.roi_margin);
  for (int p = 0; p < kLmMaxParams; ++p) {
    SMLM_CHECK(s.lower[p] <= s.upper[p], "LM: parameter " << p << " has lower bound " << s.lower[p]
                                                          << " > upper bound " << s.upper[p]);
    SMLM_CHECK(s.max_step[p] > 0, "LM: parameter " << p << " max step must be positive");
  }
}

MultiFitSettings multi_fit_settings(int max_emitters, double p_value, int params_per_emitter) {
  SMLM_CHECK(
      params_per_emitter == 3 || params_per_emitter == 4,
      "multi-emitter fit: 3 (2D) or 4 (3D) parameters per emitter, got " << params_per_emitter);
  const int most = lm_max_emitters(params_per_emitter);
  SMLM_CHECK(max_emitters >= 1 && max_emitters <= most,
             "multi-emitter fit: max emitters must be 1.."
                 << most << (params_per_emitter == 4 ? " in 3D (4 parameters each)" : "")
                 << ", got " << max_emitters);
  SMLM_CHECK(p_value > 0 && p_value < 1,
             "multi-emitter fit: p-value must be in (0, 1), got " << p_value);
  // The χ²_ν quantile at 1 − p, by bisection.
  auto quantile = [](int nu, double p) {
    double lo = 0, hi = 1000;
    for (int it = 0; it < 100; ++it) {
      const double mid = 0.5 * (lo + hi);
      (chi2_upper_p(mid, nu) > p ? lo : hi) = mid;
    }
    return hi;
  };
  MultiFitSettings s;
  s.max_emitters = max_emitters;
  s.params_per_emitter = params_per_emitter;
  for (int m = 1; m < kLmMaxEmitters; ++m)
    s.lrt_threshold[m] = quantile(params_per_emitter * m, p_value);
  if (params_per_emitter != 3) s.lookahead_threshold = quantile(params_per_emitter, 0.01);
  return s;
}

BatchFitter::BatchFitter(const LmSettings& settings, kernels::Device device)
    : BatchFitter(settings, BatchModel{}, device) {}

BatchFitter::BatchFitter(const LmSettings& settings, const BatchModel& model,
                         kernels::Device device)
    : settings_(settings), model_(model), device_(device) {
  validate(settings_);
  if (model_.kind == BatchModel::Kind::spline) {
    const psf::CubicSplinePsf& m = model_.spline;
    SMLM_CHECK(m.coeff != nullptr && m.nx > 0 && m.ny > 0 && m.nz > 0,
               "batch fit: the spline model has no coefficients");
  }
  if (device_.is_cuda()) gpu_ = std::make_unique<Gpu>(device_.index);
}

BatchFitter::~BatchFitter() = default;
BatchFitter::BatchFitter(BatchFitter&&) noexcept = default;
BatchFitter& BatchFitter::operator=(BatchFitter&&) noexcept = default;

std::vector<LmResult> BatchFitter::fit(const RoiBatch& batch) {
  std::vector<LmResult> results;
  fit(batch, results);
  return results;
}

void BatchFitter::fit(const RoiBatch& batch, std::vector<LmResult>& results) {
  check_roi_size(batch.w, batch.h);
  const size_t npix = static_cast<size_t>(batch.w) * batch.h;
  SMLM_CHECK(batch.pixels.size() % npix == 0,
             "batch fit: " << batch.pixels.size() << " pixels are not a whole number of " << batch.w
                           << "x" << batch.h << " ROIs");
  const int64_t n = batch.count();
  SMLM_CHECK(batch.starts.empty() || batch.starts.size() == static_cast<size_t>(n) * 5,
             "batch fit: " << batch.starts.size() << " start values for " << n
                           << " ROIs (expected 5 per ROI, or none)");
  SMLM_CHECK(batch.variance.empty() || batch.variance.size() == batch.pixels.size(),
             "batch fit: " << batch.variance.size() << " variance values for "
                           << batch.pixels.size() << " pixels (expected one per pixel, or none)");
  check_initial_sigma(batch.initial_sigma_px);
  results.resize(static_cast<size_t>(n));
  if (n == 0) return;
  with_lm_model(model_, batch.initial_sigma_px, [&](const auto& model) {
    if (gpu_)
      gpu_->fit.fit(model, settings_, batch, results.data());
    else
      run_cpu(model, settings_, batch, results.data());
  });
}

void BatchFitter::fit_multi(const RoiBatch& batch, const MultiFitSettings& multi,
                            std::vector<MultiFitResult>& results, const LmResult* singles) {
  check_roi_size(batch.w, batch.h);
  const size_t npix = static_cast<size_t>(batch.w) * batch.h;
  SMLM_CHECK(batch.pixels.size() % npix == 0,
             "batch fit: " << batch.pixels.size() << " pixels are not a whole number of " << batch.w
                           << "x" << batch.h << " ROIs");
  const int64_t n = batch.count();
  constexpr int kSeeds = 2 * MultiFitKernel<GaussianEmitterPsf>::kMaxSeeds;
  SMLM_CHECK(batch.seeds.empty() || batch.seeds.size() == static_cast<size_t>(n) * kSeeds,
             "batch fit: " << batch.seeds.size() << " seed values for " << n << " ROIs (expected "
                           << kSeeds << " per ROI, or none)");
  SMLM_CHECK(batch.variance.empty() || batch.variance.size() == batch.pixels.size(),
             "batch fit: " << batch.variance.size() << " variance values for "
                           << batch.pixels.size() << " pixels (expected one per pixel, or none)");
  SMLM_CHECK(multi.params_per_emitter == model_.params_per_emitter(),
             "multi-emitter fit: settings for " << multi.params_per_emitter
                                                << " parameters per emitter, the model has "
                                                << model_.params_per_emitter());
  SMLM_CHECK(multi.max_emitters >= 1 && multi.max_emitters <= model_.max_emitters(),
             "multi-emitter fit: max emitters must be 1.." << model_.max_emitters());
  check_initial_sigma(batch.initial_sigma_px);
  results.resize(static_cast<size_t>(n));
  if (n == 0) return;
  with_emitter_psf(model_, batch.initial_sigma_px, [&](const auto& psf) {
    if (gpu_) {
      gpu_->fit.fit_multi(psf, settings_, multi, batch, results.data());
      return;
    }
    using Psf = std::decay_t<decltype(psf)>;
    kernels::parallel_for(
        n, MultiFitKernel<Psf>{psf, settings_, multi, batch.pixels.data(),
                               batch.variance.empty() ? nullptr : batch.variance.data(),
                               batch.seeds.empty() ? nullptr : batch.seeds.data(), batch.w, batch.h,
                               results.data(), singles});
  });
}

void BatchFitter::fit_resident(const float* pixels, int64_t count, int w, int h,
                               double initial_sigma_px, LmResult* results, const float* variance) {
  check_roi_size(w, h);
  SMLM_CHECK(count >= 0, "batch fit: " << count << " ROIs");
  check_initial_sigma(initial_sigma_px);
  if (count == 0) return;
  SMLM_CHECK(pixels != nullptr && results != nullptr, "batch fit: no pixels or no results");
  with_lm_model(model_, initial_sigma_px, [&](const auto& model) {
    if (gpu_)
      gpu_->fit.fit_device(model, settings_, pixels, count, w, h, results, variance);
    else
      run_cpu(model, settings_, pixels, variance, nullptr, count, w, h, results);
  });
}

std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                kernels::Device device) {
  return BatchFitter(settings, device).fit(batch);
}

std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                const BatchModel& model, kernels::Device device) {
  return BatchFitter(settings, model, device).fit(batch);
}

}  // namespace smlm::localization
