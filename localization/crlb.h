// Cramér–Rao lower bounds of Poisson-noise fits: the Fisher information
// I_ab = Σ_k (∂μ_k/∂θ_a)(∂μ_k/∂θ_b)/μ_k at the fitted θ, a small symmetric positive-definite
// inverse, and CRLB = diag(I⁻¹) of the integrated Gaussian and of any model with evaluate_roi (the
// 3D astigmatic Gaussian and cubic spline); SMLM_HD, for CPU and GPU fitters. sCMOS (Huang et al.
// 2013): with per-pixel read-noise variances v_k [e⁻²] the denominator is μ_k + v_k.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "localization/poisson_deviance.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

// Largest parameter count the helpers below accept.
inline constexpr int kMaxFisherParams = 8;

// fisher[a·n + b] += dmu[a]·dmu[b]/mu for one pixel (n × n, row-major, both triangles).
SMLM_HD_INLINE void add_fisher_information(const double* dmu, double mu, int n, double* fisher) {
  const double inv = 1.0 / (mu > kMinExpectedCount ? mu : kMinExpectedCount);
  for (int a = 0; a < n; ++a) {
    const double da = dmu[a] * inv;
    for (int b = 0; b < n; ++b) fisher[a * n + b] += da * dmu[b];
  }
}

// inv = a⁻¹ for a symmetric positive-definite n × n matrix (row-major, n ≤ kMax), through the
// Cholesky factorization. Returns false (inv untouched) when a is not positive definite to
// working precision, or is not finite. kMax sizes the stack scratch (2·kMax² doubles): a
// multi-emitter fit's joint Fisher information needs up to 17, a single fit's 8.
template <int kMax = kMaxFisherParams>
SMLM_HD_INLINE bool invert_spd(const double* a, int n, double* inv) {
  if (n < 1 || n > kMax) return false;
  double l[kMax * kMax];  // lower factor, a = L·Lᵀ
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (int k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 1e-300 && s > 1e-14 * std::fabs(a[i * n + i]))) return false;
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  // L⁻¹ (lower triangular), then a⁻¹ = L⁻ᵀ·L⁻¹.
  double li[kMax * kMax];
  for (int i = 0; i < n; ++i) {
    li[i * n + i] = 1.0 / l[i * n + i];
    for (int j = 0; j < i; ++j) {
      double s = 0;
      for (int k = j; k < i; ++k) s -= l[i * n + k] * li[k * n + j];
      li[i * n + j] = s / l[i * n + i];
    }
    for (int j = i + 1; j < n; ++j) li[i * n + j] = 0;
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = i; k < n; ++k) s += li[k * n + i] * li[k * n + j];
      if (!std::isfinite(s)) return false;
      inv[i * n + j] = inv[j * n + i] = s;
    }
  return true;
}

// Fisher information of the integrated Gaussian (psf/integrated_gaussian.h) on a w × h ROI
// (w, h ≤ IntegratedGaussian::kMaxRoi), for its first n parameters: n = 5 with σ free, n = 4 with
// σ known. fisher is n × n row-major, in the units of θ (pixels, photoelectrons). variance: null,
// or the ROI's sCMOS read-noise variances [e⁻²] (row-major like the ROI).
SMLM_HD_INLINE void integrated_gaussian_fisher(const double* theta, int w, int h, int n,
                                               double* fisher, const float* variance = nullptr) {
  using G = psf::IntegratedGaussian;
  double ex[G::kMaxRoi], dex[G::kMaxRoi], dsx[G::kMaxRoi];
  double ey[G::kMaxRoi], dey[G::kMaxRoi], dsy[G::kMaxRoi];
  const double nph = theta[G::kN], bg = theta[G::kBg], s = theta[G::kSigma];
  G::integrals_1d(w, theta[G::kX], s, ex, dex, dsx);
  G::integrals_1d(h, theta[G::kY], s, ey, dey, dsy);
  for (int i = 0; i < n * n; ++i) fisher[i] = 0;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double g[G::kNumParams] = {nph * dex[i] * ey[j], nph * ex[i] * dey[j], ex[i] * ey[j],
                                       1.0, nph * (dsx[i] * ey[j] + ex[i] * dsy[j])};
      const double v = variance != nullptr ? variance[j * w + i] : 0.0;
      add_fisher_information(g, nph * ex[i] * ey[j] + bg + v, n, fisher);
    }
}

// CRLB (variances, diag of the inverse Fisher information) of the integrated Gaussian's first
// n ∈ {4, 5} parameters at θ on a w × h ROI [px², photoelectrons²]. Poisson noise only: multiply
// by the camera's excess-noise factor for an EMCCD; sCMOS read noise through `variance`
// (integrated_gaussian_fisher). Returns false (crlb untouched) when the information is singular.
SMLM_HD_INLINE bool integrated_gaussian_crlb(const double* theta, int w, int h, int n, double* crlb,
                                             const float* variance = nullptr) {
  double fisher[kMaxFisherParams * kMaxFisherParams], inv[kMaxFisherParams * kMaxFisherParams];
  integrated_gaussian_fisher(theta, w, h, n, fisher, variance);
  if (!invert_spd(fisher, n, inv)) return false;
  for (int a = 0; a < n; ++a) crlb[a] = inv[a * n + a];
  return true;
}

// Largest ROI (pixels) model_crlb evaluates.
inline constexpr int kMaxCrlbPixels = 256;

// CRLB variances diag(I⁻¹) of all Model::kNumParams parameters at θ on a w × h ROI (w·h ≤
// kMaxCrlbPixels), in the units of θ squared: for the 3D models (x, y, N, bg, z) px², e⁻², e⁻²/px²,
// px² (z in camera pixels like x and y). Model: `kNumParams` and `evaluate_roi(theta, w, h, mu,
// jac)` as lm_fit takes. Poisson noise, plus sCMOS read noise when `variance` (the ROI's
// variances [e⁻²]) is not null. Returns false (crlb untouched) when the information is singular
// or the ROI too large.
template <class Model>
SMLM_HD bool model_crlb(const Model& model, const double* theta, int w, int h, double* crlb,
                        const float* variance = nullptr) {
  constexpr int n = Model::kNumParams;
  static_assert(n <= kMaxFisherParams, "too many parameters");
  if (w < 1 || h < 1 || w * h > kMaxCrlbPixels) return false;
  double mu[kMaxCrlbPixels], jac[kMaxCrlbPixels * n];
  model.evaluate_roi(theta, w, h, mu, jac);
  double fisher[n * n], inv[n * n];
  for (int i = 0; i < n * n; ++i) fisher[i] = 0;
  for (int k = 0; k < w * h; ++k)
    add_fisher_information(jac + k * n, mu[k] + (variance != nullptr ? variance[k] : 0.0), n,
                           fisher);
  if (!invert_spd(fisher, n, inv)) return false;
  for (int a = 0; a < n; ++a) crlb[a] = inv[a * n + a];
  return true;
}

}  // namespace smlm::localization
