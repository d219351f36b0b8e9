// Multi-emitter fitting (ThunderSTORM's MFA): 1…kLmMaxEmitters integrated Gaussians sharing one
// background and one σ in one ROI, fitted by lm_fit, the number of emitters chosen by the Poisson
// likelihood-ratio test. SMLM_HD, for CPU threads and CUDA kernels (BatchFitter::fit_multi).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "localization/lm_fit.h"
#include "localization/lm_models.h"
#include "psf/integrated_gaussian.h"

// Each K's lm_fit in a frame of its own on the GPU: inlined, the five would add up their stacks.
#if defined(__CUDACC__)
#define SMLM_MULTI_FIT_NOINLINE __noinline__
#else
#define SMLM_MULTI_FIT_NOINLINE
#endif

namespace smlm::localization {

// K integrated Gaussians of one σ on one background. θ = (x₀, y₀, N₀, bg, σ, x₁, y₁, N₁, …,
// x_{K−1}, y_{K−1}, N_{K−1}) [px, e⁻, e⁻/px, px]: its first five are the single-emitter θ of
// psf::IntegratedGaussian, so K = 1 is that model and the K-emitter model nests the (K−1)-emitter
// one (N_{K−1} = 0). 3K + 2 parameters. Each emitter's pixel integrals are
// psf::IntegratedGaussian's (integrals_1d); a pixel's μ and gradient are their products, summed, as
// for one emitter.
template <int K>
struct LmMultiGaussian {
  static_assert(K >= 1 && K <= kLmMaxEmitters);
  static constexpr int kNumParams = 3 * K + 2;
  static constexpr int kMaxSide = LmIntegratedGaussian::kMaxSide;
  using G = psf::IntegratedGaussian;

  // Index of emitter e's x (y and N follow it).
  SMLM_HD static constexpr int x_index(int e) { return e == 0 ? 0 : 5 + 3 * (e - 1); }

  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    double ex[K][kMaxSide], dex[K][kMaxSide], dsx[K][kMaxSide];
    double ey[K][kMaxSide], dey[K][kMaxSide], dsy[K][kMaxSide];
    const double bg = theta[G::kBg], s = theta[G::kSigma];
    for (int e = 0; e < K; ++e) {
      G::integrals_1d(w, theta[x_index(e)], s, ex[e], dex[e], dsx[e]);
      G::integrals_1d(h, theta[x_index(e) + 1], s, ey[e], dey[e], dsy[e]);
    }
    for (int j = 0; j < h; ++j)
      for (int i = 0; i < w; ++i) {
        double g[kNumParams];
        double mu = bg, gs = 0;
        for (int e = 0; e < K; ++e) {
          const int x = x_index(e);
          const double n = theta[x + 2], nyj = n * ey[e][j];
          mu += nyj * ex[e][i];
          g[x] = nyj * dex[e][i];
          g[x + 1] = n * dey[e][j] * ex[e][i];
          g[x + 2] = ex[e][i] * ey[e][j];
          gs += nyj * dsx[e][i] + n * dsy[e][j] * ex[e][i];
        }
        g[G::kBg] = 1.0;
        g[G::kSigma] = gs;
        f(j * w + i, mu, static_cast<const double*>(g));
      }
  }
};

namespace multi_detail {

// The K-emitter settings from the single-emitter ones s1: emitter e ≥ 1 gets the bounds and step
// limits of emitter 0's x, y (inside the w × h ROI's margin) and N.
template <int K>
SMLM_HD LmSettings settings_for(const LmSettings& s1, int w, int h) {
  LmSettings s = s1;
  for (int e = 1; e < K; ++e) {
    const int x = LmMultiGaussian<K>::x_index(e);
    s.lower[x] = -s1.roi_margin;
    s.upper[x] = w - 1 + s1.roi_margin;
    s.lower[x + 1] = -s1.roi_margin;
    s.upper[x + 1] = h - 1 + s1.roi_margin;
    s.max_step[x] = s1.max_step[s1.x_param];
    s.max_step[x + 1] = s1.max_step[s1.y_param];
    s.lower[x + 2] = s1.lower[psf::IntegratedGaussian::kN];
    s.upper[x + 2] = s1.upper[psf::IntegratedGaussian::kN];
    s.max_step[x + 2] = s1.max_step[psf::IntegratedGaussian::kN];
  }
  return s;
}

// Whether a K-emitter fit is one to keep: converged, finite, every N positive, every emitter on
// the ROI's pixels and σ off its bounds when free (MleFitter::usable's rule, per emitter).
SMLM_HD_INLINE bool acceptable(const LmResult& r, int k, int w, int h, const LmSettings& s1) {
  using G = psf::IntegratedGaussian;
  if (r.status != LmStatus::converged) return false;
  const int n = 3 * k + 2;
  for (int p = 0; p < n; ++p)
    if (!std::isfinite(r.theta[p]) || !std::isfinite(r.crlb[p]) || r.crlb[p] < 0) return false;
  constexpr double kAtBound = 1e-4;
  if (!s1.is_fixed(G::kSigma) && (r.theta[G::kSigma] < s1.lower[G::kSigma] + kAtBound ||
                                  r.theta[G::kSigma] > s1.upper[G::kSigma] - kAtBound))
    return false;
  for (int e = 0; e < k; ++e) {
    const int x = e == 0 ? 0 : 5 + 3 * (e - 1);
    const double px = r.theta[x], py = r.theta[x + 1];
    if (!(r.theta[x + 2] > 0) || !(px >= -0.5 && px <= w - 0.5 && py >= -0.5 && py <= h - 0.5))
      return false;
  }
  return true;
}

template <int K>
SMLM_HD SMLM_MULTI_FIT_NOINLINE LmResult fit_k(const float* roi, const float* variance, int w,
                                               int h, double* theta, const LmSettings& s1) {
  if constexpr (K == 1) {
    return lm_fit(LmIntegratedGaussian{}, roi, variance, w, h, theta, s1);
  } else {
    return lm_fit(LmMultiGaussian<K>{}, roi, variance, w, h, theta, settings_for<K>(s1, w, h));
  }
}

// lm_fit of the k-emitter model (k chosen at run time).
SMLM_HD_INLINE LmResult fit_emitters(int k, const float* roi, const float* variance, int w, int h,
                                     double* theta, const LmSettings& s1) {
  switch (k) {
    case 1:
      return fit_k<1>(roi, variance, w, h, theta, s1);
    case 2:
      return fit_k<2>(roi, variance, w, h, theta, s1);
    case 3:
      return fit_k<3>(roi, variance, w, h, theta, s1);
    case 4:
      return fit_k<4>(roi, variance, w, h, theta, s1);
    default:
      return fit_k<5>(roi, variance, w, h, theta, s1);
  }
}

// The pixel of the largest residual data − μ of the k-emitter θ, and that residual.
SMLM_HD_INLINE void largest_residual(const float* roi, int w, int h, const double* theta, int k,
                                     int& best, double& res) {
  using G = psf::IntegratedGaussian;
  constexpr int kMaxSide = LmIntegratedGaussian::kMaxSide;
  double ex[kLmMaxEmitters][kMaxSide], ny[kLmMaxEmitters];  // x integrals; N · y integral
  best = 0;
  res = -1e300;
  for (int e = 0; e < k; ++e) {
    const int x = e == 0 ? 0 : 5 + 3 * (e - 1);
    G::pixel_integrals(w, theta[x], theta[G::kSigma], ex[e]);
  }
  for (int j = 0; j < h; ++j) {
    for (int e = 0; e < k; ++e) {
      const int x = e == 0 ? 0 : 5 + 3 * (e - 1);
      ny[e] = theta[x + 2] * G::integral_1d(j, theta[x + 1], theta[G::kSigma]);
    }
    for (int i = 0; i < w; ++i) {
      double mu = theta[G::kBg];
      for (int e = 0; e < k; ++e) mu += ny[e] * ex[e][i];
      const double r = (roi[j * w + i] > 0 ? roi[j * w + i] : 0.0) - mu;
      if (r > res) {
        res = r;
        best = j * w + i;
      }
    }
  }
}

// The χ²_ν quantile at standard-normal z (Wilson–Hilferty); 0 for ν < 1.
SMLM_HD_INLINE double chi2_quantile(int nu, double z) {
  if (nu < 1) return 0.0;
  const double c = 2.0 / (9.0 * nu), t = 1 - c + z * std::sqrt(c);
  return t > 0 ? nu * t * t * t : 0.0;
}

// Whether a fit with one or two more emitters than `r` could pass the likelihood-ratio test: its
// deviance would have to fall below a quantile (MultiFitSettings::gate_z) of its χ².
SMLM_HD_INLINE bool may_grow(const LmResult& r, const MultiFitSettings& s) {
  const double dev = -2 * r.log_likelihood;
  return dev > s.lrt_threshold[1] + chi2_quantile(r.dof - 3, s.gate_z) ||
         dev > s.lrt_threshold[2] + chi2_quantile(r.dof - 6, s.gate_z);
}

}  // namespace multi_detail

// Fits 1…s.max_emitters integrated Gaussians (one bg, one σ) to a w × h ROI of photoelectrons
// (w, h ≤ 16), as ThunderSTORM's MFA does: the single-emitter fit from `start` (θ of
// psf::IntegratedGaussian), then, when `seeds` holds the positions (x, y) [ROI px] of n_seeds
// other candidates in the ROI, one fit with an emitter at each (kept if the likelihood-ratio test
// accepts it against one emitter), then one emitter at a time at the largest residual, each
// started from the accepted fit, while the test accepts it and the fit is usable (every emitter
// on the ROI with N > 0); two at once when one alone falls just short (lookahead_threshold); no
// more when the accepted fit's deviance leaves no room for a pass (gate_z). s1: the single-emitter
// settings (LmIntegratedGaussian::settings); variance as lm_fit. No heap; the stack holds lm_fit's
// systems for up to 17 parameters.
SMLM_HD_INLINE MultiFitResult multi_emitter_fit(const float* roi, const float* variance, int w,
                                                int h, const double* start, const double* seeds,
                                                int n_seeds, const LmSettings& s1,
                                                const MultiFitSettings& s) {
  using G = psf::IntegratedGaussian;
  MultiFitResult out;
  double theta[kLmMaxParams], trial[kLmMaxParams];
  for (int p = 0; p < kLmMaxParams; ++p) theta[p] = p < G::kNumParams ? start[p] : 0.0;
  out.fit = multi_detail::fit_emitters(1, roi, variance, w, h, theta, s1);
  out.emitters = multi_detail::acceptable(out.fit, 1, w, h, s1) ? 1 : 0;
  if (out.emitters == 0) return out;
  int k = 1;
  const int kmax = s.max_emitters < kLmMaxEmitters ? s.max_emitters : kLmMaxEmitters;
  const double sigma = out.fit.theta[G::kSigma];
  const double peak_to_total = 2 * 3.14159265358979323846 * sigma * sigma;
  // Seeds: one emitter at each other candidate, photons shared out.
  if (n_seeds > 0 && kmax > 1) {
    const int m = n_seeds < kmax - 1 ? n_seeds : kmax - 1;
    for (int p = 0; p < kLmMaxParams; ++p) trial[p] = out.fit.theta[p];
    trial[G::kN] = out.fit.theta[G::kN] / (m + 1);
    for (int e = 1; e <= m; ++e) {
      const int x = 5 + 3 * (e - 1);
      trial[x] = seeds[2 * (e - 1)];
      trial[x + 1] = seeds[2 * (e - 1) + 1];
      trial[x + 2] = trial[G::kN];
    }
    const LmResult r = multi_detail::fit_emitters(1 + m, roi, variance, w, h, trial, s1);
    if (multi_detail::acceptable(r, 1 + m, w, h, s1) &&
        2 * (r.log_likelihood - out.fit.log_likelihood) > s.lrt_threshold[m]) {
      out.fit = r;
      k = 1 + m;
    }
  }
  // One emitter more at the largest residual of `from` (k_from emitters), fitted.
  auto grow = [&](const LmResult& from, int k_from, LmResult& r) {
    int px;
    double res;
    multi_detail::largest_residual(roi, w, h, from.theta, k_from, px, res);
    if (!(res > 0)) return false;
    for (int p = 0; p < kLmMaxParams; ++p) trial[p] = from.theta[p];
    const int x = 5 + 3 * (k_from - 1);
    trial[x] = px % w;
    trial[x + 1] = px / w;
    trial[x + 2] = res * peak_to_total;
    r = multi_detail::fit_emitters(k_from + 1, roi, variance, w, h, trial, s1);
    return multi_detail::acceptable(r, k_from + 1, w, h, s1);
  };
  while (k < kmax && multi_detail::may_grow(out.fit, s)) {
    LmResult r;
    if (!grow(out.fit, k, r)) break;
    const double gain = 2 * (r.log_likelihood - out.fit.log_likelihood);
    if (gain > s.lrt_threshold[1]) {
      out.fit = r;
      ++k;
      continue;
    }
    // A compact group of three fitted as one (σ widened) gains little from a second emitter
    // alone: when that gain is suggestive (> lookahead_threshold), test two more against k.
    LmResult r2;
    if (!(gain > s.lookahead_threshold) || k + 2 > kmax || !grow(r, k + 1, r2) ||
        !(2 * (r2.log_likelihood - out.fit.log_likelihood) > s.lrt_threshold[2]))
      break;
    out.fit = r2;
    k += 2;
  }
  out.emitters = k;
  return out;
}

}  // namespace smlm::localization
