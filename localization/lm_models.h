// Models for lm_fit (localization/lm_fit.h): each PSF of psf/ with the evaluate_roi interface, its
// start values and the bounds and step limits that suit it. SMLM_HD, for CPU and GPU fitters.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "localization/lm_fit.h"
#include "localization/roi.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

// psf::IntegratedGaussian (θ = x, y [px], N [e⁻], bg [e⁻/px], σ [px]) with its fitting bounds,
// start values, and stack arrays sized for ROIs up to kMaxSide (GPU stack).
struct LmIntegratedGaussian {
  static constexpr int kNumParams = psf::IntegratedGaussian::kNumParams;
  using Param = psf::IntegratedGaussian::Param;
  // Bounds, the same as MleFitter's: σ ∈ [0.3, 5] px, N ≥ 1e-3 e⁻, bg ≥ 1e-6 e⁻/px, and the
  // position within 1 px of the ROI's outer pixel centres (LmSettings::roi_margin).
  static constexpr double kMinSigma = 0.3, kMaxSigma = 5.0;
  static constexpr double kMinPhotons = 1e-3, kMinBackground = 1e-6;
  static constexpr int kMaxSide = 16;  // largest ROI side (kLmMaxPixels = 16²)

  double initial_sigma = 1.3;  // σ of initial_theta's start values [px]

  // The settings lm_fit needs for this model: its bounds, steps of at most 1 px in x and y and
  // 0.5 px in σ, and σ fixed when fixed_sigma.
  static LmSettings settings(bool fixed_sigma, int max_iterations = 50) {
    LmSettings s;
    s.max_iterations = max_iterations;
    s.x_param = Param::kX;
    s.y_param = Param::kY;
    s.max_step[Param::kX] = s.max_step[Param::kY] = 1.0;
    s.lower[Param::kN] = kMinPhotons;
    s.lower[Param::kBg] = kMinBackground;
    s.lower[Param::kSigma] = kMinSigma;
    s.upper[Param::kSigma] = kMaxSigma;
    s.max_step[Param::kSigma] = 0.5;
    if (fixed_sigma) s.fixed = 1u << Param::kSigma;
    return s;
  }

  // Start values from the data (localization/roi.h initial_theta with σ = initial_sigma).
  SMLM_HD void initial_theta(const float* roi, int w, int h, double* theta) const {
    localization::initial_theta(roi, w, h, initial_sigma, theta);
  }

  // mu[k] and jac[k·5 + p] for the w × h ROI (w, h ≤ kMaxSide), k = y·w + x; jac may be null.
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    psf::IntegratedGaussian::evaluate_roi<kMaxSide>(theta, w, h, mu, jac);
  }
};

}  // namespace smlm::localization
