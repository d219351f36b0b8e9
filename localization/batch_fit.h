// Batched Poisson MLE fits of a PSF model (2D integrated Gaussian; 3D astigmatic Gaussian or cubic
// spline) to many ROIs at once, with the Levenberg–Marquardt fitter of localization/lm_fit.h: CPU
// threads or a CUDA kernel, one code.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/device.h"
#include "localization/lm_fit.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"

namespace smlm::localization {

// The PSF model a BatchFitter fits; all have 5 parameters.
//  - integrated_gaussian: θ = (x, y [px], N [e⁻], bg [e⁻/px], σ [px]) (psf/integrated_gaussian.h);
//  - astigmatic: θ = (x, y, N, bg, z [px]) (psf/astigmatic_gaussian.h: z in camera pixels, z = 0
//    where σx = σy, positive = increasing bead-stack slice);
//  - spline: the same θ (psf/cubic_spline.h); `spline` is a view of host coefficients that must
//    outlive the BatchFitter (a GPU fitter uploads them once and keeps its copy).
// 3D start values come from a z scan (localization/lm_models.h scan_z_start).
struct BatchModel {
  enum class Kind { integrated_gaussian, astigmatic, spline };
  Kind kind = Kind::integrated_gaussian;
  psf::AstigmaticGaussian astigmatic;
  psf::CubicSplinePsf spline;

  static BatchModel integrated_gaussian() { return {}; }
  static BatchModel of(const psf::AstigmaticGaussian& m) {
    BatchModel b;
    b.kind = Kind::astigmatic;
    b.astigmatic = m;
    return b;
  }
  static BatchModel of(const psf::CubicSplinePsf& m) {
    BatchModel b;
    b.kind = Kind::spline;
    b.spline = m;
    return b;
  }
  // The LM settings that suit the model (LmIntegratedGaussian / LmAstigmaticGaussian /
  // LmCubicSpline ::settings); fixed_sigma applies to the integrated Gaussian only.
  LmSettings default_settings(bool fixed_sigma = false, int max_iterations = 50) const;
  // Parameters each emitter of a multi-emitter fit adds (localization/multi_fit.h): 3 (x, y, N;
  // σ shared) for the integrated Gaussian, 4 (x, y, N, z) for the 3D models; and the most
  // emitters that fit in kLmMaxParams: 5 and 4.
  int params_per_emitter() const { return kind == Kind::integrated_gaussian ? 3 : 4; }
  int max_emitters() const { return lm_max_emitters(params_per_emitter()); }
};

// ROIs of one size, in host memory. θ order and units: the model's (BatchModel); for the default
// integrated Gaussian, x, y [px, ROI coordinates, pixel (i, j) centred at (i, j)], N [e⁻],
// bg [e⁻/px], σ [px].
struct RoiBatch {
  int w = 0, h = 0;  // ROI size [px]; w, h ≤ 16 and w·h ≤ kLmMaxPixels
  // count × w·h photoelectrons, ROI after ROI, each row-major (x fastest).
  std::vector<float> pixels;
  // Empty: start values from each ROI's data (integrated Gaussian: localization/roi.h
  // initial_theta, σ = initial_sigma_px; 3D models: their z scan); or count × 5 starts (with σ
  // fixed, starts[5i + 4] is the σ kept).
  std::vector<double> starts;
  // Empty, or sCMOS: count × w·h read-noise variances over gain², v/g² [e⁻²], laid out as pixels.
  std::vector<float> variance;
  // Multi-emitter fits only (BatchFitter::fit_multi): empty, or count × 2·(kLmMaxEmitters − 1)
  // positions (x, y) [ROI px] of other candidates inside each ROI, NaN after the last, nearest
  // first: each starts an emitter of the first multi-emitter fit.
  std::vector<double> seeds;
  double initial_sigma_px = 1.3;

  int64_t count() const {
    const int64_t n = static_cast<int64_t>(w) * h;
    return n > 0 ? static_cast<int64_t>(pixels.size()) / n : 0;
  }
};

// Throws smlm::Error naming the first impossible value of the settings.
void validate(const LmSettings& s);

// Multi-emitter settings for at most max_emitters (1…lm_max_emitters(params_per_emitter))
// emitters of params_per_emitter (P) parameters each (BatchModel::params_per_emitter: 3 in 2D, 4
// in 3D) and the likelihood-ratio test's p-value (ThunderSTORM's MFA: 1e-6): each threshold is
// the χ²_{Pm} quantile at 1 − p_value, the lookahead's the χ²_P quantile at 0.99. Throws
// smlm::Error for values out of range.
MultiFitSettings multi_fit_settings(int max_emitters, double p_value = 1e-6,
                                    int params_per_emitter = 3);

// Fits every ROI of a batch on one device. Keeps its device buffers between calls (they only
// grow), so a stream of batches allocates once. Not thread-safe: one fit() at a time.
class BatchFitter {
 public:
  // settings: e.g. LmIntegratedGaussian::settings(fixed_sigma). device: CPU (OpenMP threads,
  // kernels::cpu_threads()) or a CUDA device; throws smlm::Error for a CUDA device when smlm was
  // built without CUDA or the device does not exist, and for impossible settings.
  explicit BatchFitter(const LmSettings& settings, kernels::Device device = kernels::Device::cpu());
  // The same for any model (settings: e.g. model.default_settings()).
  BatchFitter(const LmSettings& settings, const BatchModel& model,
              kernels::Device device = kernels::Device::cpu());
  ~BatchFitter();
  BatchFitter(BatchFitter&&) noexcept;
  BatchFitter& operator=(BatchFitter&&) noexcept;

  // One result per ROI, in batch order; the same for any CPU thread count. Throws smlm::Error
  // when the batch's sizes do not match (pixels, starts, variance, ROI size).
  std::vector<LmResult> fit(const RoiBatch& batch);
  void fit(const RoiBatch& batch, std::vector<LmResult>& results);

  // Multi-emitter fits (localization/multi_fit.h) of the fitter's model, one per ROI in batch
  // order: 1…multi.max_emitters emitters on one bg (2D: one σ; 3D: a z each), chosen by the
  // likelihood-ratio test, started from the data (σ = initial_sigma_px, or the 3D z scan) and
  // batch.seeds; θ in LmMultiEmitter's order. The fitter's settings are the single-emitter ones
  // (default_settings), which also bound every emitter's z. Throws smlm::Error when the batch's
  // sizes do not match, or when `multi` was made for another number of parameters per emitter
  // than the model's (multi_fit_settings(…, model().params_per_emitter())) or more emitters.
  // singles: null, or batch.count() single-emitter fits of these ROIs by fit() from its default
  // starts; on the CPU the search then starts from them rather than fitting K = 1 again (a GPU
  // fits again: same model, same start).
  void fit_multi(const RoiBatch& batch, const MultiFitSettings& multi,
                 std::vector<MultiFitResult>& results, const LmResult* singles = nullptr);

  // Fits `count` w × h ROIs of photoelectrons that already lie in the memory of the fitter's
  // device, laid out as RoiBatch::pixels: host memory for the CPU, device memory for CUDA (e.g.
  // BatchDetector::roi_pixels(), which then never leave the GPU). Start values from the data
  // (σ = initial_sigma_px for the integrated Gaussian). variance: null, or the ROIs' sCMOS
  // read-noise variances [e⁻²], laid out as pixels and in the same memory (e.g.
  // BatchDetector::roi_variance()). results: host memory, count entries, in ROI order. Throws
  // smlm::Error for an impossible ROI size, count or σ.
  void fit_resident(const float* pixels, int64_t count, int w, int h, double initial_sigma_px,
                    LmResult* results, const float* variance = nullptr);

  const LmSettings& settings() const { return settings_; }
  const BatchModel& model() const { return model_; }
  kernels::Device device() const { return device_; }

 private:
  struct Gpu;
  LmSettings settings_;
  BatchModel model_;
  kernels::Device device_;
  std::unique_ptr<Gpu> gpu_;
};

// One-off convenience: BatchFitter(settings, device).fit(batch).
std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                kernels::Device device = kernels::Device::cpu());
// One-off convenience: BatchFitter(settings, model, device).fit(batch).
std::vector<LmResult> fit_batch(const RoiBatch& batch, const LmSettings& settings,
                                const BatchModel& model,
                                kernels::Device device = kernels::Device::cpu());

}  // namespace smlm::localization
