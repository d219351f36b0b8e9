// Multi-emitter fitting (ThunderSTORM's MFA) for every PSF model: 1…K emitters of one PSF sharing
// one background in one ROI (the 2D Gaussian's also share σ), the number of emitters chosen by the
// Poisson likelihood-ratio test. The model (LmMultiEmitter) and the search (multi_emitter_fit) are
// SMLM_HD, for CPU threads and CUDA kernels (BatchFitter::fit_multi); the search takes any fitter
// of the K-emitter model (lm_fit here, Ceres in mle_fit.cpp).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "localization/lm_fit.h"
#include "localization/lm_models.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"

// Each K's lm_fit in a frame of its own on the GPU: inlined, the five would add up their stacks.
#if defined(__CUDACC__)
#define SMLM_MULTI_FIT_NOINLINE __noinline__
#else
#define SMLM_MULTI_FIT_NOINLINE
#endif

namespace smlm::localization {

// One emitter's PSF as LmMultiEmitter takes it. Each of these holds its single-emitter model's θ
// = (x, y, N, bg, s) (s: σ or z) and says:
//  - kSharedShape: whether s is one for all emitters (the 2D Gaussian's σ) or each emitter's own
//    (the 3D models' z); kPerEmitter = 3 (x, y, N) or 4 (x, y, N, z) parameters per emitter;
//  - Emitter, prepare(t, w, h, em): what one emitter's pixels need, from its t = (x, y, N, ·, s);
//  - pixel(em, i, j, mu, g): its expected count at pixel (i, j) without background, and
//    g = ∂μ/∂(x, y, N, s);
//  - peak_to_total(t): its photons per photon in its brightest pixel (a new emitter's N from
//    the residual there);
//  - single(): the single-emitter model (localization/lm_models.h), what K = 1 fits.
// Values are those of the single model's for_each_pixel, term for term, so K = 1 is that model.

// The 2D integrated Gaussian (psf::IntegratedGaussian), σ shared.
struct GaussianEmitterPsf {
  static constexpr bool kSharedShape = true;
  static constexpr int kPerEmitter = 3;
  static constexpr int kMaxSide = LmIntegratedGaussian::kMaxSide;
  using G = psf::IntegratedGaussian;
  double initial_sigma = 1.3;  // σ of single()'s start values [px]

  struct Emitter {
    double n;
    double ex[kMaxSide], dex[kMaxSide], dsx[kMaxSide];
    double ey[kMaxSide], dey[kMaxSide], dsy[kMaxSide];
  };
  SMLM_HD void prepare(const double* t, int w, int h, Emitter& em) const {
    em.n = t[G::kN];
    G::integrals_1d(w, t[G::kX], t[G::kSigma], em.ex, em.dex, em.dsx);
    G::integrals_1d(h, t[G::kY], t[G::kSigma], em.ey, em.dey, em.dsy);
  }
  SMLM_HD void pixel(const Emitter& em, int i, int j, double& mu, double* g) const {
    const double nyj = em.n * em.ey[j];
    mu = nyj * em.ex[i];
    g[0] = nyj * em.dex[i];
    g[1] = em.n * em.dey[j] * em.ex[i];
    g[2] = em.ex[i] * em.ey[j];
    g[3] = nyj * em.dsx[i] + em.n * em.dsy[j] * em.ex[i];
  }
  SMLM_HD double peak_to_total(const double* t) const {
    return 2 * 3.14159265358979323846 * t[G::kSigma] * t[G::kSigma];
  }
  SMLM_HD LmIntegratedGaussian single() const {
    LmIntegratedGaussian m;
    m.initial_sigma = initial_sigma;
    return m;
  }
};

// The astigmatic Gaussian (psf::AstigmaticGaussian), z per emitter.
struct AstigmaticEmitterPsf {
  static constexpr bool kSharedShape = false;
  static constexpr int kPerEmitter = 4;
  static constexpr int kMaxSide = LmAstigmaticGaussian::kMaxSide;
  using A = psf::AstigmaticGaussian;
  A psf;

  struct Emitter {
    double n, dsdz[2];
    double ex[kMaxSide], dex[kMaxSide], dsx[kMaxSide];
    double ey[kMaxSide], dey[kMaxSide], dsy[kMaxSide];
  };
  SMLM_HD void prepare(const double* t, int w, int h, Emitter& em) const {
    double sx, sy;
    psf.sigmas(t[A::kZ], sx, sy, em.dsdz[0], em.dsdz[1]);
    em.n = t[A::kN];
    psf::IntegratedGaussian::integrals_1d(w, t[A::kX], sx, em.ex, em.dex, em.dsx);
    psf::IntegratedGaussian::integrals_1d(h, t[A::kY], sy, em.ey, em.dey, em.dsy);
  }
  SMLM_HD void pixel(const Emitter& em, int i, int j, double& mu, double* g) const {
    const double n = em.n;
    g[0] = n * em.dex[i] * em.ey[j];
    g[1] = n * em.ex[i] * em.dey[j];
    g[2] = em.ex[i] * em.ey[j];
    const double gsx = n * em.dsx[i] * em.ey[j], gsy = n * em.ex[i] * em.dsy[j];
    g[3] = gsx * em.dsdz[0] + gsy * em.dsdz[1];
    mu = n * em.ex[i] * em.ey[j];
  }
  SMLM_HD double peak_to_total(const double* t) const {
    double sx, sy, dsx, dsy;
    psf.sigmas(t[A::kZ], sx, sy, dsx, dsy);
    return 2 * 3.14159265358979323846 * sx * sy;
  }
  SMLM_HD LmAstigmaticGaussian single() const {
    LmAstigmaticGaussian m;  // (its converting constructor is host-only)
    m.psf = psf;
    return m;
  }
};

// The cubic spline (psf::CubicSplinePsf), z per emitter: no tables, one spline value per emitter
// and pixel. psf.coeff in the memory of the device that runs the fit.
struct SplineEmitterPsf {
  static constexpr bool kSharedShape = false;
  static constexpr int kPerEmitter = 4;
  using S = psf::CubicSplinePsf;
  S psf;

  struct Emitter {
    double x, y, n, gz;
  };
  SMLM_HD void prepare(const double* t, int, int, Emitter& em) const {
    em.x = t[S::kX];
    em.y = t[S::kY];
    em.n = t[S::kN];
    em.gz = psf.cz + t[S::kZ] * psf.slices_per_px();
  }
  SMLM_HD void pixel(const Emitter& em, int i, int j, double& mu, double* g) const {
    const double s = psf.oversampling, n = em.n;
    double fx, fy, fz;
    const double v =
        psf.value(psf.cx + s * (i - em.x), psf.cy + s * (j - em.y), em.gz, &fx, &fy, &fz);
    g[0] = -n * s * fx;
    g[1] = -n * s * fy;
    g[2] = v;
    g[3] = n * psf.slices_per_px() * fz;
    mu = n * v;
  }
  SMLM_HD double peak_to_total(const double* t) const {
    const double v = psf.value(psf.cx, psf.cy, psf.cz + t[S::kZ] * psf.slices_per_px(), nullptr,
                               nullptr, nullptr);
    return v > 1e-6 ? 1.0 / v : 1e6;
  }
  SMLM_HD LmCubicSpline single() const {
    LmCubicSpline m;
    m.psf = psf;
    return m;
  }
};

// K emitters of one PSF on one background. θ = (x₀, y₀, N₀, bg, s₀, x₁, y₁, N₁, [z₁,] …): its
// first five are the single-emitter θ (s₀ = σ or z₀), so K = 1 is the single model and the
// K-emitter model nests the (K−1)-emitter one (N_{K−1} = 0). Emitter e ≥ 1 adds kPerEmitter
// parameters: (x, y, N) for a shared σ, (x, y, N, z) for the 3D models. 5 + P·(K − 1) parameters.
// A pixel's μ is bg plus the emitters' counts, its gradient theirs, as for one emitter.
template <class Psf, int K>
struct LmMultiEmitter {
  static constexpr int kPerEmitter = Psf::kPerEmitter;
  static_assert(K >= 1 && K <= lm_max_emitters(kPerEmitter));
  static constexpr int kNumParams = 5 + kPerEmitter * (K - 1);
  static constexpr int kBg = 3;
  Psf psf;

  // Index of emitter e's x (y and N follow it), and of its σ or z.
  SMLM_HD static constexpr int x_index(int e) { return e == 0 ? 0 : 5 + kPerEmitter * (e - 1); }
  SMLM_HD static constexpr int shape_index(int e) {
    return e == 0 || Psf::kSharedShape ? 4 : x_index(e) + 3;
  }
  // Emitter e's single-emitter θ (x, y, N, bg, s).
  SMLM_HD static void emitter_theta(const double* theta, int e, double* t) {
    const int x = x_index(e);
    t[0] = theta[x];
    t[1] = theta[x + 1];
    t[2] = theta[x + 2];
    t[3] = theta[kBg];
    t[4] = theta[shape_index(e)];
  }

  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    typename Psf::Emitter em[K];
    for (int e = 0; e < K; ++e) {
      double t[5];
      emitter_theta(theta, e, t);
      psf.prepare(t, w, h, em[e]);
    }
    const double bg = theta[kBg];
    for (int j = 0; j < h; ++j)
      for (int i = 0; i < w; ++i) {
        double g[kNumParams];
        double mu = bg, gs = 0;
        for (int e = 0; e < K; ++e) {
          const int x = x_index(e);
          double me, ge[4];
          psf.pixel(em[e], i, j, me, ge);
          mu += me;
          g[x] = ge[0];
          g[x + 1] = ge[1];
          g[x + 2] = ge[2];
          if constexpr (Psf::kSharedShape)
            gs += ge[3];
          else
            g[shape_index(e)] = ge[3];
        }
        g[kBg] = 1.0;
        if constexpr (Psf::kSharedShape) g[4] = gs;
        f(j * w + i, mu, static_cast<const double*>(g));
      }
  }
};

template <int K>
using LmMultiGaussian = LmMultiEmitter<GaussianEmitterPsf, K>;

namespace multi_detail {

// The most emitters of a Psf's multi-emitter model.
template <class Psf>
inline constexpr int kMaxEmitters = lm_max_emitters(Psf::kPerEmitter);

// The K-emitter settings from the single-emitter ones s1: emitter e ≥ 1 gets the bounds and step
// limits of emitter 0's x, y (inside the w × h ROI's margin), N and (per emitter) z.
template <class Psf, int K>
SMLM_HD LmSettings settings_for(const LmSettings& s1, int w, int h) {
  LmSettings s = s1;
  for (int e = 1; e < K; ++e) {
    const int x = LmMultiEmitter<Psf, K>::x_index(e);
    s.lower[x] = -s1.roi_margin;
    s.upper[x] = w - 1 + s1.roi_margin;
    s.lower[x + 1] = -s1.roi_margin;
    s.upper[x + 1] = h - 1 + s1.roi_margin;
    s.max_step[x] = s1.max_step[s1.x_param];
    s.max_step[x + 1] = s1.max_step[s1.y_param];
    for (int p = 2; p < Psf::kPerEmitter; ++p) {
      const int q = p == 2 ? 2 : 4;  // N, then z
      s.lower[x + p] = s1.lower[q];
      s.upper[x + p] = s1.upper[q];
      s.max_step[x + p] = s1.max_step[q];
    }
  }
  return s;
}

// Whether a k-emitter fit is one to keep: converged, finite, every N positive, every emitter on
// the ROI's pixels and σ off its bounds when free (MleFitter::usable's rule). A z at its bound is
// kept: such an emitter (often a neighbour's light spilling in) still explains the ROI, and the
// caller judges each emitter (the Localizer's 3D rule drops it).
template <class Psf>
SMLM_HD bool acceptable(const LmResult& r, int k, int w, int h, const LmSettings& s1) {
  constexpr int P = Psf::kPerEmitter;
  if (r.status != LmStatus::converged) return false;
  const int n = 5 + P * (k - 1);
  for (int p = 0; p < n; ++p)
    if (!std::isfinite(r.theta[p]) || !std::isfinite(r.crlb[p]) || r.crlb[p] < 0) return false;
  constexpr double kAtBound = 1e-4;
  if (Psf::kSharedShape && !s1.is_fixed(4) &&
      (r.theta[4] < s1.lower[4] + kAtBound || r.theta[4] > s1.upper[4] - kAtBound))
    return false;
  for (int e = 0; e < k; ++e) {
    const int x = e == 0 ? 0 : 5 + P * (e - 1);
    const double px = r.theta[x], py = r.theta[x + 1];
    if (!(r.theta[x + 2] > 0) || !(px >= -0.5 && px <= w - 0.5 && py >= -0.5 && py <= h - 0.5))
      return false;
  }
  return true;
}

template <class Psf, int K>
SMLM_HD SMLM_MULTI_FIT_NOINLINE LmResult fit_k(const Psf& psf, const float* roi,
                                               const float* variance, int w, int h, double* theta,
                                               const LmSettings& s1) {
  if constexpr (K == 1) {
    return lm_fit(psf.single(), roi, variance, w, h, theta, s1);
  } else {
    return lm_fit(LmMultiEmitter<Psf, K>{psf}, roi, variance, w, h, theta,
                  settings_for<Psf, K>(s1, w, h));
  }
}

// lm_fit of the k-emitter model (k ≤ kMaxEmitters<Psf>, chosen at run time).
template <class Psf, int K = 1>
SMLM_HD_INLINE LmResult fit_emitters(const Psf& psf, int k, const float* roi, const float* variance,
                                     int w, int h, double* theta, const LmSettings& s1) {
  if constexpr (K < kMaxEmitters<Psf>) {
    if (k > K) return fit_emitters<Psf, K + 1>(psf, k, roi, variance, w, h, theta, s1);
  }
  return fit_k<Psf, K>(psf, roi, variance, w, h, theta, s1);
}

// The pixel of the largest residual data − μ of the k-emitter θ, and that residual.
template <class Psf>
SMLM_HD SMLM_MULTI_FIT_NOINLINE void largest_residual(const Psf& psf, const float* roi, int w,
                                                      int h, const double* theta, int k, int& best,
                                                      double& res) {
  constexpr int P = Psf::kPerEmitter;
  typename Psf::Emitter em[kMaxEmitters<Psf>];
  for (int e = 0; e < k; ++e) {
    const int x = e == 0 ? 0 : 5 + P * (e - 1);
    const double t[5] = {theta[x], theta[x + 1], theta[x + 2], theta[3],
                         theta[e == 0 || Psf::kSharedShape ? 4 : x + 3]};
    psf.prepare(t, w, h, em[e]);
  }
  best = 0;
  res = -1e300;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      double mu = theta[3];
      for (int e = 0; e < k; ++e) {
        double me, g[4];
        psf.pixel(em[e], i, j, me, g);
        mu += me;
      }
      const double r = (roi[j * w + i] > 0 ? roi[j * w + i] : 0.0) - mu;
      if (r > res) {
        res = r;
        best = j * w + i;
      }
    }
}

// The χ²_ν quantile at standard-normal z (Wilson–Hilferty); 0 for ν < 1.
SMLM_HD_INLINE double chi2_quantile(int nu, double z) {
  if (nu < 1) return 0.0;
  const double c = 2.0 / (9.0 * nu), t = 1 - c + z * std::sqrt(c);
  return t > 0 ? nu * t * t * t : 0.0;
}

// Whether a fit with one or two more emitters (P parameters each) than `r` could pass the
// likelihood-ratio test: its deviance would have to fall below a quantile
// (MultiFitSettings::gate_z) of its χ².
SMLM_HD_INLINE bool may_grow(const LmResult& r, int P, const MultiFitSettings& s) {
  const double dev = -2 * r.log_likelihood;
  return dev > s.lrt_threshold[1] + chi2_quantile(r.dof - P, s.gate_z) ||
         dev > s.lrt_threshold[2] + chi2_quantile(r.dof - 2 * P, s.gate_z);
}

}  // namespace multi_detail

// The search's fitter by default: lm_fit of the k-emitter model. A fitter is called as
// fit(psf, k, roi, variance, w, h, theta, s1) and returns the k-emitter model's LmResult, θ in
// LmMultiEmitter's order (theta: in, the start; may be overwritten).
struct LmEmitterFit {
  template <class Psf>
  SMLM_HD LmResult operator()(const Psf& psf, int k, const float* roi, const float* variance, int w,
                              int h, double* theta, const LmSettings& s1) const {
    return multi_detail::fit_emitters(psf, k, roi, variance, w, h, theta, s1);
  }
};

// LmEmitterFit that returns a single-emitter fit already made (by BatchFitter::fit, from the same
// start) instead of fitting K = 1 again: the search's first fit.
struct KnownSingleFit {
  const LmResult* single;
  template <class Psf>
  SMLM_HD LmResult operator()(const Psf& psf, int k, const float* roi, const float* variance, int w,
                              int h, double* theta, const LmSettings& s1) const {
    if (k == 1) return *single;
    return multi_detail::fit_emitters(psf, k, roi, variance, w, h, theta, s1);
  }
};

// Fits 1…s.max_emitters emitters of `psf` (one bg; one σ in 2D, a z each in 3D) to a w × h ROI of
// photoelectrons (w, h ≤ 16), as ThunderSTORM's MFA does: the single-emitter fit from `start` (θ
// of the single model), then, when `seeds` holds the positions (x, y) [ROI px] of n_seeds other
// candidates in the ROI, one fit with an emitter at each (kept if the likelihood-ratio test
// accepts it against one emitter), then one emitter at a time at the largest residual, each
// started from the accepted fit, while the test accepts it and the fit is usable (acceptable:
// every emitter on the ROI with N > 0); two at once when one alone falls just short
// (lookahead_threshold); no more when the accepted fit's deviance leaves no room for a pass
// (gate_z). A converged single fit that is not usable still starts the search (0 emitters unless
// a larger fit passes). A new emitter starts with N from its residual (Psf::peak_to_total) and,
// in 3D, in focus. s1: the single-emitter settings (e.g. LmAstigmaticGaussian::settings); s: its
// thresholds for Psf::kPerEmitter parameters per emitter (multi_fit_settings); variance as
// lm_fit. fit: LmEmitterFit, or another fitter of the same models. No heap; the stack holds
// lm_fit's systems for up to 17 parameters.
template <class Psf, class Fit = LmEmitterFit>
SMLM_HD MultiFitResult multi_emitter_fit(const Psf& psf, const float* roi, const float* variance,
                                         int w, int h, const double* start, const double* seeds,
                                         int n_seeds, const LmSettings& s1,
                                         const MultiFitSettings& s, const Fit& fit = Fit{}) {
  constexpr int P = Psf::kPerEmitter;
  MultiFitResult out;
  double theta[kLmMaxParams], trial[kLmMaxParams];
  for (int p = 0; p < kLmMaxParams; ++p) theta[p] = p < 5 ? start[p] : 0.0;
  out.fit = fit(psf, 1, roi, variance, w, h, theta, s1);
  // A converged single fit that is not usable (a blend fitted as one wide spot: σ or z at a bound)
  // still starts the search; it is reported only if a larger fit passes the test against it.
  const bool single_ok = multi_detail::acceptable<Psf>(out.fit, 1, w, h, s1);
  out.emitters = single_ok ? 1 : 0;
  if (!single_ok && out.fit.status != LmStatus::converged) return out;
  int k = 1;
  constexpr int kCap = multi_detail::kMaxEmitters<Psf>;
  const int kmax = s.max_emitters < kCap ? s.max_emitters : kCap;
  const double peak_to_total = psf.peak_to_total(out.fit.theta);
  // A new emitter's z (3D): in focus (z = 0; moved inside the bounds by the fitter). The single
  // fit's z would often be a blend's, at a bound.
  constexpr double kNewZ = 0.0;
  // Seeds: one emitter at each other candidate, photons shared out.
  if (n_seeds > 0 && kmax > 1) {
    const int m = n_seeds < kmax - 1 ? n_seeds : kmax - 1;
    for (int p = 0; p < kLmMaxParams; ++p) trial[p] = out.fit.theta[p];
    trial[2] = out.fit.theta[2] / (m + 1);
    for (int e = 1; e <= m; ++e) {
      const int x = 5 + P * (e - 1);
      trial[x] = seeds[2 * (e - 1)];
      trial[x + 1] = seeds[2 * (e - 1) + 1];
      trial[x + 2] = trial[2];
      if constexpr (!Psf::kSharedShape) trial[x + 3] = kNewZ;
    }
    const LmResult r = fit(psf, 1 + m, roi, variance, w, h, trial, s1);
    if (multi_detail::acceptable<Psf>(r, 1 + m, w, h, s1) &&
        2 * (r.log_likelihood - out.fit.log_likelihood) > s.lrt_threshold[m]) {
      out.fit = r;
      k = 1 + m;
    }
  }
  // One emitter more at the largest residual of `from` (k_from emitters), fitted.
  auto grow = [&](const LmResult& from, int k_from, LmResult& r) {
    int px;
    double res;
    multi_detail::largest_residual(psf, roi, w, h, from.theta, k_from, px, res);
    if (!(res > 0)) return false;
    for (int p = 0; p < kLmMaxParams; ++p) trial[p] = from.theta[p];
    const int x = 5 + P * (k_from - 1);
    trial[x] = px % w;
    trial[x + 1] = px / w;
    trial[x + 2] = res * peak_to_total;
    if constexpr (!Psf::kSharedShape) trial[x + 3] = kNewZ;
    r = fit(psf, k_from + 1, roi, variance, w, h, trial, s1);
    return multi_detail::acceptable<Psf>(r, k_from + 1, w, h, s1);
  };
  while (k < kmax && multi_detail::may_grow(out.fit, P, s)) {
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
  out.emitters = k > 1 || single_ok ? k : 0;
  return out;
}

// The 2D integrated Gaussian's search with lm_fit (start: θ of psf::IntegratedGaussian; s1:
// LmIntegratedGaussian::settings).
SMLM_HD_INLINE MultiFitResult multi_emitter_fit(const float* roi, const float* variance, int w,
                                                int h, const double* start, const double* seeds,
                                                int n_seeds, const LmSettings& s1,
                                                const MultiFitSettings& s) {
  return multi_emitter_fit(GaussianEmitterPsf{}, roi, variance, w, h, start, seeds, n_seeds, s1, s);
}

}  // namespace smlm::localization
