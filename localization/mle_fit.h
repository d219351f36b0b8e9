// Poisson maximum-likelihood fit of the integrated Gaussian PSF to one ROI through Ceres, with
// the analytic Jacobian of the deviance residuals and the CRLB from the Fisher information; and
// the fit settings the Localizer shares between Ceres and the batched LM fitter.
#pragma once

#include <cmath>
#include <string_view>

#include "kernels/device.h"
#include "localization/lm_fit.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

// The Localizer's fitters, both Poisson MLE of the integrated Gaussian with the same bounds:
//  - lm: the batched Levenberg–Marquardt fitter (localization/batch_fit.h), CPU threads or CUDA,
//    ROIs up to 15 × 15 px;
//  - ceres: MleFitter below, CPU only, ROIs up to 63 × 63 px.
enum class Fitter { lm, ceres };

// "lm" or "ceres"; throws smlm::Error for anything else.
Fitter parse_fitter(std::string_view text);
const char* to_string(Fitter f);

struct FitSettings {
  int roi_radius = 3;             // ROI side 2·r + 1 px; 1 ≤ r ≤ 31 (Ceres), ≤ 7 (LM)
  double initial_sigma_px = 1.3;  // σ start [px] (and the fixed value with fixed_sigma)
  bool fixed_sigma = false;       // fit (x, y, N, bg) only
  int max_iterations = 50;        // iterations (trial steps) per ROI, ≥ 1
  Fitter fitter = Fitter::lm;
  kernels::Device device;  // where LM fits run; Ceres runs on the CPU only

  // Throws smlm::Error naming the first impossible value (or device for the fitter).
  void validate() const;
};

// One fit, in ROI coordinates: pixel (i, j) of the ROI has its centre at (i, j).
struct FitResult {
  double theta[5];  // (x [px], y [px], N [e⁻], bg [e⁻/px], σ [px]), psf::IntegratedGaussian order
  double crlb[5];  // CRLB variances of θ [px², e⁻², px²]; Poisson (+ sCMOS); crlb[σ] = 0 if fixed
  double log_likelihood;  // Poisson log-likelihood ratio −Σ[μ − k − k·ln(μ/k)] ≤ 0 (sCMOS-shifted)
  double bkgstd;   // std of (data − model) over the ROI [e⁻]
  int iterations;  // Ceres iterations (successful + unsuccessful steps)
  bool converged;  // Ceres reported convergence and the CRLB exists
  // Goodness of fit: P(χ² ≥ −2·log_likelihood) with pixels − free parameters degrees of freedom
  // (localization/gof.h); near 0 for overlapping spots fitted as one. NaN when unknown.
  double p_value = NAN;
};

// A 2D LM result (localization/lm_fit.h) in MleFitter's terms, so that one rule
// (MleFitter::usable) judges both fitters.
FitResult to_fit_result(const LmResult& r);
// The 3D rule (astigmatic or spline model, θ = x, y, N, bg, z), of a fit or of one emitter of a
// multi-emitter fit in a w × h ROI: converged, θ and CRLB finite, N > 0, the position on the ROI
// and z strictly inside s's bounds (a fit stuck at a bound has no z). The Localizer's and
// MleRefiner's.
bool usable_3d(const FitResult& r, const LmSettings& s, int w, int h);
// Emitter e of a multi-emitter result (localization/multi_fit.h, θ in LmMultiEmitter's order,
// params_per_emitter P = 3 in 2D, 4 in 3D) as a single-emitter FitResult: its x, y, N (and, in
// 3D, z as θ[4]) and their CRLBs (from the joint Fisher information), the shared bg (and σ), and
// the joint fit's likelihood, p-value and status.
FitResult emitter_fit_result(const LmResult& r, int e, int params_per_emitter = 3);

class MleFitter {
 public:
  // Bounds the fit keeps θ in: σ ∈ [kMinSigma, kMaxSigma] px, N ≥ kMinPhotons, bg ≥
  // kMinBackground, x ∈ [−1, w] and y ∈ [−1, h] (1 px beyond the outer pixel centres).
  static constexpr double kMinSigma = 0.3;
  static constexpr double kMaxSigma = 5.0;
  static constexpr double kMinPhotons = 1e-3;
  static constexpr double kMinBackground = 1e-6;

  // Throws smlm::Error when the settings are impossible for Ceres; s.fitter and s.device are
  // ignored (settings() reports ceres and the CPU).
  explicit MleFitter(FitSettings s);

  // Fits a w × h ROI (host memory, row-major, x fastest, read during the call only;
  // 1 ≤ w, h ≤ IntegratedGaussian::kMaxRoi) of photoelectrons; negative values count as 0.
  // initial_theta: 5 start values in the order of FitResult::theta, or nullptr (or any NaN in it)
  // to take them from the data (localization/roi.h initial_theta, σ = initial_sigma_px). With
  // fixed_sigma the fit keeps σ = initial_theta[4] (or initial_sigma_px). Start values outside the
  // bounds are moved inside. variance: null, or sCMOS (Huang et al. 2013) read-noise variances
  // v_k [e⁻²] of the ROI's pixels (row-major like roi; v/g² of the camera maps): the likelihood
  // then treats k + v as Poisson with mean μ + v, and the CRLB's Fisher information divides by
  // μ + v. Thread-safe: each calling thread keeps its own Ceres problem, reused between calls of
  // the same ROI shape (one Solve at a time per thread, num_threads = 1).
  FitResult fit(const float* roi, int w, int h, const double* initial_theta,
                const float* variance = nullptr) const;

  // Multi-emitter fit (ThunderSTORM's MFA, localization/multi_fit.h) of a w × h ROI (w, h ≤ 16)
  // through Ceres: the LM fitter's model (LmMultiGaussian: K integrated Gaussians on one bg with
  // one σ, its for_each_pixel giving the deviance residuals' values and Jacobian), search and
  // likelihood-ratio test (multi_emitter_fit), each K solved by Ceres. Start values from the data
  // (σ = initial_sigma_px, kept with fixed_sigma); seeds: null, or the (x, y) [ROI px] of n_seeds
  // other candidates in the ROI, nearest first; multi: multi_fit_settings(max, p) (3 parameters
  // per emitter); roi and variance as fit(). The result is the LM fitter's: θ and the CRLB (joint
  // Fisher information) in LmMultiGaussian's order, status converged (Ceres converged and the
  // information is invertible), max_iterations, singular, outside_roi or non_finite; per emitter
  // through emitter_fit_result, judged by usable(). Thread-safe.
  MultiFitResult fit_multi(const float* roi, int w, int h, const double* seeds, int n_seeds,
                           const MultiFitSettings& multi, const float* variance = nullptr) const;

  // Whether a fit of a w × h ROI is worth reporting: converged, θ and CRLB finite, N > 0, σ off
  // its bounds (when fitted), and the position on the ROI (x ∈ [−½, w − ½], y ∈ [−½, h − ½]).
  bool usable(const FitResult& r, int w, int h) const;

  const FitSettings& settings() const { return s_; }

 private:
  FitSettings s_;
};

// The residuals the fitter's Ceres cost evaluates, exposed for tests and other solvers: for each
// ROI pixel k, r_k = deviance_residual(μ_k(θ), roi_k) and, if jacobian is not null,
// jacobian[k·5 + p] = dr_k/dθ_p (w·h × 5, row-major). θ in the order of FitResult::theta.
void deviance_residuals(const double* theta, const float* roi, int w, int h, double* residuals,
                        double* jacobian);

}  // namespace smlm::localization
