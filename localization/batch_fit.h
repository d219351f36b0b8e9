// Batched Poisson MLE fits of the integrated Gaussian to many ROIs at once, with the
// Levenberg–Marquardt fitter of localization/lm_fit.h: CPU threads or a CUDA kernel, one code.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/device.h"
#include "localization/lm_fit.h"

namespace smlm::localization {

// ROIs of one size, in host memory. θ order and units: psf::IntegratedGaussian's (x, y [px, ROI
// coordinates, pixel (i, j) centred at (i, j)], N [e⁻], bg [e⁻/px], σ [px]).
struct RoiBatch {
  int w = 0, h = 0;  // ROI size [px]; w, h ≤ 16 and w·h ≤ kLmMaxPixels
  // count × w·h photoelectrons, ROI after ROI, each row-major (x fastest).
  std::vector<float> pixels;
  // Empty: start values from each ROI's data (localization/roi.h initial_theta, σ =
  // initial_sigma_px); or count × 5 starts (with σ fixed, starts[5i + 4] is the σ kept).
  std::vector<double> starts;
  // Empty, or sCMOS: count × w·h read-noise variances over gain², v/g² [e⁻²], laid out as pixels.
  std::vector<float> variance;
  double initial_sigma_px = 1.3;

  int64_t count() const {
    const int64_t n = static_cast<int64_t>(w) * h;
    return n > 0 ? static_cast<int64_t>(pixels.size()) / n : 0;
  }
};

// Throws smlm::Error naming the first impossible value of the settings.
void validate(const LmSettings& s);

// Fits every ROI of a batch on one device. Keeps its device buffers between calls (they only
// grow), so a stream of batches allocates once. Not thread-safe: one fit() at a time.
class BatchFitter {
 public:
  // settings: e.g. LmIntegratedGaussian::settings(fixed_sigma). device: CPU (OpenMP threads,
  // kernels::cpu_threads()) or a CUDA device; throws smlm::Error for a CUDA device when smlm was
  // built without CUDA or the device does not exist, and for impossible settings.
  explicit BatchFitter(const LmSettings& settings, kernels::Device device = kernels::Device::cpu());
  ~BatchFitter();
  BatchFitter(BatchFitter&&) noexcept;
  BatchFitter& operator=(BatchFitter&&) noexcept;

  // One result per ROI, in batch order; the same for any CPU thread count. Throws smlm::Error
  // when the batch's sizes do not match (pixels, starts, variance, ROI size).
  std::vector<LmResult> fit(const RoiBatch& batch);
  void fit(const RoiBatch& batch, std::vector<LmResult>& results);

  const LmSettings& settings() const { return settings_; }
  kernels::Device device() const { return device_; }

 private:
  struct Gpu;
  LmSettings settings_;
  kernels::Device device_;
  std::unique_ptr<Gpu> gpu_;
};

// One-off convenience: BatchFitter(settings, device).fit(batch).
std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                kernels::Device device = kernels::Device::cpu());

}  // namespace smlm::localization
