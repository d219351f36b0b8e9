// BatchFitter: checks a batch's sizes, then runs BatchFitKernel over its ROIs on the CPU's threads
// or hands it to the GPU side (localization/cuda/batch_fit_gpu.*).
#include "localization/batch_fit.h"

#include <cmath>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/batch_fit_kernel.h"
#include "localization/cuda/batch_fit_gpu.h"
#include "localization/lm_models.h"

namespace smlm::localization {

using Model = LmIntegratedGaussian;

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

BatchFitter::BatchFitter(const LmSettings& settings, kernels::Device device)
    : settings_(settings), device_(device) {
  validate(settings_);
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
  SMLM_CHECK(batch.w >= 1 && batch.h >= 1 && batch.w <= Model::kMaxSide &&
                 batch.h <= Model::kMaxSide && batch.w * batch.h <= kLmMaxPixels,
             "batch fit: ROIs must be 1.." << Model::kMaxSide << " px on a side (at most "
                                           << kLmMaxPixels << " pixels), got " << batch.w << "x"
                                           << batch.h);
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
  SMLM_CHECK(std::isfinite(batch.initial_sigma_px) && batch.initial_sigma_px > 0,
             "batch fit: initial sigma must be positive, got " << batch.initial_sigma_px);
  results.resize(static_cast<size_t>(n));
  Model model;
  model.initial_sigma = batch.initial_sigma_px;
  if (n == 0) return;
  if (gpu_) {
    gpu_->fit.fit(model, settings_, batch, results.data());
    return;
  }
  BatchFitKernel<Model> kernel;
  kernel.model = model;
  kernel.settings = settings_;
  kernel.pixels = batch.pixels.data();
  kernel.variance = batch.variance.empty() ? nullptr : batch.variance.data();
  kernel.starts = batch.starts.empty() ? nullptr : batch.starts.data();
  kernel.w = batch.w;
  kernel.h = batch.h;
  kernel.results = results.data();
  kernels::parallel_for(n, kernel);
}

std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                kernels::Device device) {
  return BatchFitter(settings, device).fit(batch);
}

}  // namespace smlm::localization
