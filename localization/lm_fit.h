// Levenberg–Marquardt Poisson maximum-likelihood fit of one ROI, written once for the CPU's threads
// and for CUDA kernels (SMLM_HD, no heap): Fisher-information Hessian, Marquardt damping, bounds,
// per-parameter step limits, fixed parameters, sCMOS variance maps, CRLB and per-fit status.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "localization/crlb.h"
#include "localization/poisson_deviance.h"

namespace smlm::localization {

// Largest ROI lm_fit holds, in pixels (w·h ≤ 256: up to 16 × 16). Models with only evaluate_roi
// need stack arrays of this size (256·(kParams + 1) doubles, ~12 KB for 5 parameters); models
// with for_each_pixel need none.
inline constexpr int kLmMaxPixels = 256;
// Largest parameter count of a model: a multi-emitter fit of up to 5 integrated Gaussians
// (localization/multi_fit.h: x, y, N per emitter, a shared bg and σ) or 4 emitters of a 3D model
// (x, y, N, z each, a shared bg). Only LmSettings and LmResult are this wide; lm_fit's own arrays
// are sized by the model's count.
inline constexpr int kLmMaxEmitters = 5;
inline constexpr int kLmMaxParams = 3 * kLmMaxEmitters + 2;
// The most emitters a multi-emitter model holds within kLmMaxParams when each has per_emitter
// parameters beyond the single-emitter model's 5: 5 for the 2D Gaussian (3), 4 in 3D (4).
SMLM_HD_INLINE constexpr int lm_max_emitters(int per_emitter) {
  return (kLmMaxParams - 5) / per_emitter + 1;
}
// "Unbounded" in LmSettings' bounds and steps.
inline constexpr double kLmUnbounded = 1e300;

// How a fit ended. Only `converged` fits are worth reporting; the rest say why not.
enum class LmStatus : int32_t {
  converged = 0,       // χ² or θ stopped changing (LmSettings::tolerance) and the CRLB exists
  max_iterations = 1,  // LmSettings::max_iterations steps without converging
  // The damped normal equations or the Fisher information are singular, or the position is
  // undetermined (√CRLB of x or y larger than the ROI: no spot in it).
  singular = 2,
  outside_roi = 3,  // converged, but (x, y) lies off the ROI's pixels
  non_finite = 4,   // the data, the start or the model gave NaN/∞ (or the ROI is too large)
};

// Controls of lm_fit. The defaults are generic (no bounds, no step limits, nothing fixed); each
// model's adapter (localization/lm_models.h) supplies the bounds that suit it.
struct LmSettings {
  int max_iterations = 50;  // trial steps (accepted or rejected) at most
  // Converged, with χ² = 2·Σ deviance, when an undamped step would decrease χ² by less than
  // tolerance·max(χ², 1) (by the quadratic model; the step is then not taken), when a step taken
  // changed χ² by less than that, or when it moved every free parameter by ≤ tolerance·(|θ_p| +
  // tolerance). 1e-8 puts θ within ~1e-4 of a standard deviation of the optimum.
  double tolerance = 1e-8;
  // Marquardt damping λ·diag(F) added to the normal equations; λ starts here, is multiplied by
  // lambda_down after an accepted step and, from at least initial_lambda, by lambda_up after a
  // rejected one.
  double initial_lambda = 1e-3;
  double lambda_up = 10.0;
  double lambda_down = 0.1;
  // Add NL2SOL's secant estimate of the Hessian's second-order term to the Fisher information:
  // with it, fits whose likelihood is flat (few photons, σ free) need several times fewer steps.
  bool secant = true;
  uint32_t fixed = 0;  // bit p set: θ_p stays at its start value (e.g. σ known)
  // Parameters holding the ROI position [px]: their bounds are also intersected with
  // [−roi_margin, w − 1 + roi_margin] (x) and [−roi_margin, h − 1 + roi_margin] (y), and a fit
  // whose position ends off the ROI's pixels ([−½, w − ½] × [−½, h − ½]) is outside_roi.
  int x_param = 0, y_param = 1;
  double roi_margin = 1.0;
  // Bounds [lower, upper] of each parameter (a step that would cross one goes half way to it)
  // and the largest |Δθ_p| of one step; ±kLmUnbounded for none.
  double lower[kLmMaxParams];
  double upper[kLmMaxParams];
  double max_step[kLmMaxParams];

  SMLM_HD LmSettings() {
    for (int p = 0; p < kLmMaxParams; ++p) {
      lower[p] = -kLmUnbounded;
      upper[p] = kLmUnbounded;
      max_step[p] = kLmUnbounded;
    }
  }
  SMLM_HD bool is_fixed(int p) const { return ((fixed >> p) & 1u) != 0; }
};

// One fit. θ in the model's parameter order and units (the integrated Gaussian: x, y [px, ROI
// coordinates, pixel (i, j) centred at (i, j)], N [e⁻], bg [e⁻/px], σ [px]). Trivially copyable:
// the same bytes on host and device.
struct LmResult {
  double theta[kLmMaxParams];  // fitted θ (fixed parameters as given); unused entries 0
  // CRLB variances diag(I⁻¹) of the free parameters, the Fisher information I taken at θ with the
  // sCMOS variance added to μ; 0 for fixed parameters; NaN when I is singular. Poisson noise:
  // multiply by the excess-noise factor for an EMCCD.
  double crlb[kLmMaxParams];
  double log_likelihood;  // Poisson log-likelihood ratio −Σ[μ − k − k·ln(μ/k)] ≤ 0 (sCMOS-shifted)
  double bkgstd;       // std of (data − μ) over the ROI [e⁻]
  int32_t iterations;  // trial steps taken
  LmStatus status;
  // Degrees of freedom of the deviance −2·log_likelihood: pixels less free parameters. Under the
  // model the deviance is ≈ χ² with dof degrees (goodness_of_fit_p, localization/gof.h).
  int32_t dof;
  int32_t reserved;  // 0: no padding bytes, so equal results compare equal byte for byte
};

// Controls of multi_emitter_fit.
struct MultiFitSettings {
  int max_emitters = kLmMaxEmitters;  // 1…lm_max_emitters(params_per_emitter)
  // Parameters each emitter adds, P: 3 (x, y, N) for the 2D Gaussian, 4 (x, y, N, z) in 3D. The
  // thresholds below are for this P; a fit checks that its model has the same.
  int params_per_emitter = 3;
  // Likelihood-ratio test: m more emitters (P·m parameters) are accepted when the χ² = −2·log L
  // falls by more than lrt_threshold[m], the χ²_{Pm} quantile at 1 − p (multi_fit_settings).
  double lrt_threshold[kLmMaxEmitters] = {};
  // When one more emitter falls short of lrt_threshold[1] but beats this (χ²_P at p = 0.01), two
  // more are tried against lrt_threshold[2].
  double lookahead_threshold = 11.345;
  // Growth is skipped when no fit with more emitters could pass the test: when the deviance
  // −2·log L of the accepted fit, less the threshold, is below the quantile at this z-score of
  // the χ² its larger model's deviance follows. Most isolated spots stop there after one fit.
  // 1 (the 84 % quantile): on a sparse movie (0.1 /µm²) 5.4 % of the ROIs are searched, against
  // 11.5 % at −1.28 (the 10 % quantile), for a lateral efficiency 0.2 lower on the demo's crowded
  // filament movie (70.2 against 70.4; 62.4 with no growth at all).
  double gate_z = 1.0;
};

// One multi-emitter fit: the accepted model's LmResult (θ and CRLB in LmMultiEmitter's order,
// the CRLB from the joint Fisher information) and its number of emitters (0: nothing usable).
struct MultiFitResult {
  LmResult fit;
  int32_t emitters;
};

namespace lm_detail {

// χ²/2 up to a constant, its gradient and the Fisher information at one θ, plus residual sums.
template <int n>
struct State {
  double nll;  // Σ μ' − k'·ln μ'
  double grad[n];
  double hess[n * n];
  double sum_res, sum_res2;  // Σ (k − μ), Σ (k − μ)²
};

// Adds pixel k's terms — data d (negative read as 0), expected count μ, sCMOS variance v and
// ∂μ/∂θ = g — to the sums of State (nll, gradient, lower triangle of the Fisher information,
// residuals).
template <int n>
SMLM_HD_INLINE void add_pixel(float d, double mu, double v, const double* g, double& nll,
                              double& sr, double& sr2, double* grad, double* hs) {
  // sCMOS (Huang et al. 2013): data and model are shifted by the pixel's variance [e⁻²].
  const double dk = d + v > 0 ? d + v : 0.0;
  double m = mu + v;
  m = m > kMinExpectedCount ? m : kMinExpectedCount;
  nll += dk > 0 ? m - dk * std::log(m) : m;
  const double res = (d > 0 ? d : 0.0) - mu;
  sr += res;
  sr2 += res * res;
  const double inv = 1.0 / m;
  const double t = 1.0 - dk * inv;  // ∂(μ − k ln μ)/∂μ
  for (int a = 0; a < n; ++a) {
    grad[a] += t * g[a];
    const double ga = g[a] * inv;
    for (int b = 0; b <= a; ++b) hs[a * n + b] += ga * g[b];
  }
}

// A do-nothing per-pixel callback: what PerPixelModel probes for_each_pixel with.
struct PixelProbe {
  SMLM_HD void operator()(int, double, const double*) const {}
};
// Models that hand over each pixel's μ and ∂μ/∂θ (for_each_pixel), rather than arrays.
template <class M>
concept PerPixelModel = requires(const M& m, const double* theta, int w, PixelProbe f) {
  m.for_each_pixel(theta, w, w, f);
};

// State at θ. Models with for_each_pixel hand over each pixel's μ and ∂μ/∂θ as they compute
// them, so nothing per pixel is stored (a GPU thread keeps them in registers); models with only
// evaluate_roi go through stack arrays of kLmMaxPixels·(n + 1) doubles.
template <class Model, int n>
SMLM_HD_INLINE bool evaluate(const Model& model, const float* roi, const float* variance, int w,
                             int h, const double* theta, State<n>& st) {
  double nll = 0, sr = 0, sr2 = 0;
  double g[n], hs[n * n];
  for (int a = 0; a < n; ++a) g[a] = 0;
  for (int a = 0; a < n * n; ++a) hs[a] = 0;
  if constexpr (PerPixelModel<Model>) {
    model.for_each_pixel(theta, w, h, [&](int k, double mu, const double* J) {
      add_pixel<n>(roi[k], mu, variance != nullptr ? variance[k] : 0.0, J, nll, sr, sr2, g, hs);
    });
  } else {
    double mu[kLmMaxPixels], jac[kLmMaxPixels * n];
    model.evaluate_roi(theta, w, h, mu, jac);
    for (int k = 0; k < w * h; ++k)
      add_pixel<n>(roi[k], mu[k], variance != nullptr ? variance[k] : 0.0, jac + k * n, nll, sr,
                   sr2, g, hs);
  }
  st.nll = nll;
  st.sum_res = sr;
  st.sum_res2 = sr2;
  for (int a = 0; a < n; ++a) {
    st.grad[a] = g[a];
    for (int b = 0; b <= a; ++b) st.hess[a * n + b] = st.hess[b * n + a] = hs[a * n + b];
  }
  return std::isfinite(nll);
}

// Solves a·x = b in place (b becomes x) for a symmetric positive-definite m × m matrix (row-major,
// overwritten by its Cholesky factor). False when a pivot is not positive to working precision.
template <int m>
SMLM_HD_INLINE bool cholesky_solve(double* a, double* b) {
  double rd[m];  // 1 / L_ii: one division per pivot
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j <= i; ++j) {
      double s = a[i * m + j];
      for (int k = 0; k < j; ++k) s -= a[i * m + k] * a[j * m + k];
      if (i == j) {
        if (!(s > 1e-300 && s > 1e-14 * std::fabs(a[i * m + i]))) return false;
        a[i * m + i] = std::sqrt(s);
        rd[i] = 1.0 / a[i * m + i];
      } else {
        a[i * m + j] = s * rd[j];
      }
    }
  }
  for (int i = 0; i < m; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= a[i * m + k] * b[k];
    b[i] = s * rd[i];
  }
  for (int i = m - 1; i >= 0; --i) {
    double s = b[i];
    for (int k = i + 1; k < m; ++k) s -= a[k * m + i] * b[k];
    b[i] = s * rd[i];
  }
  return true;
}

// NL2SOL's structured secant update (Dennis, Gay & Welsch 1981) of sec, an m × m estimate of the
// second-order term Σ(1 − k/μ)·∇²μ that the Fisher information leaves out: after a step sv with
// gradient change y, sec is sized down by τ = min(1, |svᵀy#| / |svᵀ·sec·sv|) and then made to
// satisfy (F_new + sec)·sv = y, y# = y − F_new·sv (the Dennis–Gay–Welsch symmetric rank-2 form).
// f_sv = F_new·sv; entries of fixed parameters are 0 in sv, y and f_sv. Skipped when yᵀsv ≤ 0.
template <int m>
SMLM_HD_INLINE void secant_update(double* sec, const double* sv, const double* y,
                                  const double* f_sv) {
  double yts = 0, ys_ts = 0, ssts = 0, ss[m];
  for (int i = 0; i < m; ++i) {
    double v = 0;
    for (int j = 0; j < m; ++j) v += sec[i * m + j] * sv[j];
    ss[i] = v;
    ssts += v * sv[i];
    yts += y[i] * sv[i];
    ys_ts += (y[i] - f_sv[i]) * sv[i];
  }
  if (!(yts > 0)) return;
  double tau = ssts != 0 ? std::fabs(ys_ts / ssts) : 1.0;
  tau = tau < 1.0 ? tau : 1.0;
  double wv[m], wts = 0;
  for (int i = 0; i < m; ++i) {
    wv[i] = y[i] - f_sv[i] - tau * ss[i];
    wts += wv[i] * sv[i];
  }
  const double r = 1.0 / yts, r2 = wts * r * r;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j)
      sec[i * m + j] = tau * sec[i * m + j] + (wv[i] * y[j] + y[i] * wv[j]) * r - r2 * y[i] * y[j];
}

}  // namespace lm_detail

// Fits `model` to a w × h ROI (row-major, x fastest, w·h ≤ kLmMaxPixels) of photoelectrons by
// Poisson maximum likelihood; negative counts read as 0.
//  - model: a copyable object with `static constexpr int kNumParams` (≤ kLmMaxParams) and either
//    `template <class F> SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f)
//    const` calling f(k, μ_k, g) for every pixel k = y·w + x with g[p] = ∂μ_k/∂θ_p (the models
//    of localization/lm_models.h: nothing stored per pixel), or
//    `SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const`
//    writing the expected counts mu[k] and jac[k·kNumParams + p] = ∂mu[k]/∂θ_p.
//    psf::IntegratedGaussian's static functions work through an instance.
//  - variance: nullptr, or per-pixel sCMOS read-noise variance over gain², v_k/g_k² [e⁻²]; the
//    likelihood treats k + v as Poisson with mean μ + v.
//  - theta: in, the start (fixed parameters keep it; free ones are moved inside their bounds);
//    out, the fit (also in the result).
// Each step solves (F + S + λ·diag F)·δ = −∇(−ln L) over the free parameters, F the Fisher
// information Σ ∂μ∂μᵀ/μ and S a secant estimate of the rest of the Hessian (LmSettings::secant),
// limits each |δ_p| to max_step[p], keeps θ within its bounds, and is accepted when χ² does not
// grow. Same memory space as the caller (host or device); no heap.
template <class Model, int kParams = Model::kNumParams>
SMLM_HD LmResult lm_fit(const Model& model, const float* roi, const float* variance, int w, int h,
                        double* theta, const LmSettings& s) {
  static_assert(kParams >= 1 && kParams <= kLmMaxParams, "too many model parameters");
  using State = lm_detail::State<kParams>;
  LmResult r;
  for (int p = 0; p < kLmMaxParams; ++p) r.theta[p] = r.crlb[p] = 0;
  r.log_likelihood = r.bkgstd = NAN;
  r.iterations = 0;
  r.status = LmStatus::non_finite;
  r.dof = r.reserved = 0;
  const int npix = w * h;
  if (w < 1 || h < 1 || npix > kLmMaxPixels) return r;

  // Bounds, the start inside them, and the free parameters.
  const bool has_xy =
      s.x_param >= 0 && s.x_param < kParams && s.y_param >= 0 && s.y_param < kParams;
  double lo[kParams], hi[kParams];
  int fi[kParams], nf = 0;
  bool free[kParams];
  for (int p = 0; p < kParams; ++p) {
    lo[p] = s.lower[p];
    hi[p] = s.upper[p];
    const int side = !has_xy ? 0 : (p == s.x_param ? w : (p == s.y_param ? h : 0));
    if (side > 0) {
      lo[p] = lo[p] > -s.roi_margin ? lo[p] : -s.roi_margin;
      hi[p] = hi[p] < side - 1 + s.roi_margin ? hi[p] : side - 1 + s.roi_margin;
    }
    free[p] = !s.is_fixed(p);
    if (free[p]) {
      fi[nf++] = p;
      theta[p] = theta[p] < lo[p] ? lo[p] : (theta[p] > hi[p] ? hi[p] : theta[p]);
    }
    r.theta[p] = theta[p];
  }
  for (int p = 0; p < kParams; ++p)
    if (!std::isfinite(theta[p])) return r;

  // c = Σ k'·ln k' − k', which turns Σ μ' − k'·ln μ' into the deviance Σ[μ' − k' − k'·ln(μ'/k')].
  double c = 0;
  bool finite_data = true;
  for (int k = 0; k < npix; ++k) {
    const double dk = static_cast<double>(roi[k]) + (variance != nullptr ? variance[k] : 0.0);
    finite_data = finite_data && std::isfinite(dk);
    if (dk > 0) c += dk * std::log(dk) - dk;
  }
  if (!finite_data || !std::isfinite(c)) return r;

  State cur, trial;
  if (!lm_detail::evaluate(model, roi, variance, w, h, theta, cur)) return r;

  LmStatus status = LmStatus::max_iterations;
  double lambda = s.initial_lambda;
  // Full kParams-sized systems (fixed parameters as identity rows) so that the loops unroll.
  double sec[kParams * kParams] = {};  // secant term S; rows and columns of fixed ones unused
  bool use_sec = false;
  while (nf > 0) {
    // The damped step, with S while it keeps the system positive definite, over the free
    // parameters less those on a bound that the step would push outwards (held for this step).
    double d[kParams];
    bool hold[kParams];
    for (int p = 0; p < kParams; ++p) hold[p] = !free[p];
    bool solved = false;
    for (int round = 0; round < 2; ++round) {
      solved = false;
      for (int pass = use_sec ? 0 : 1; pass < 2 && !solved; ++pass) {
        double a[kParams * kParams];
        for (int i = 0; i < kParams; ++i) {
          for (int j = 0; j < kParams; ++j)
            a[i * kParams + j] = hold[i] || hold[j] ? 0.0
                                                    : cur.hess[i * kParams + j] +
                                                          (pass == 0 ? sec[i * kParams + j] : 0.0);
          a[i * kParams + i] =
              hold[i] ? 1.0 : a[i * kParams + i] + lambda * cur.hess[i * kParams + i];
          d[i] = hold[i] ? 0.0 : -cur.grad[i];
        }
        solved = lm_detail::cholesky_solve<kParams>(a, d);
        if (!solved) use_sec = false;
      }
      if (!solved) break;
      bool more = false;
      for (int p = 0; p < kParams; ++p) {
        if (!hold[p] && ((theta[p] <= lo[p] && d[p] < 0) || (theta[p] >= hi[p] && d[p] > 0))) {
          hold[p] = more = true;
        }
      }
      if (!more) break;
    }
    if (!solved) {
      status = LmStatus::singular;
      break;
    }
    double t[kParams];
    bool small_step = true;
    double pred = 0;  // χ² decrease the quadratic model predicts for d: −gᵀd + λ·dᵀ·diag(F)·d
    for (int p = 0; p < kParams; ++p) {
      const double ms = s.max_step[p];
      double v = theta[p] + (d[p] > ms ? ms : (d[p] < -ms ? -ms : d[p]));
      v = v < lo[p] ? lo[p] : (v > hi[p] ? hi[p] : v);  // projected onto the bounds
      t[p] = hold[p] ? theta[p] : v;
      small_step = small_step &&
                   std::fabs(t[p] - theta[p]) <= s.tolerance * (std::fabs(theta[p]) + s.tolerance);
      pred += hold[p] ? 0.0 : (lambda * cur.hess[p * kParams + p] * d[p] - cur.grad[p]) * d[p];
    }
    // When an undamped step would gain less than the tolerance, θ is the optimum: stop untried.
    const double chi2 = 2.0 * (cur.nll + c);
    const double tol = s.tolerance * (chi2 > 1.0 ? chi2 : 1.0);
    if (lambda <= s.initial_lambda && (pred <= tol || small_step)) {
      status = LmStatus::converged;
      break;
    }
    if (r.iterations >= s.max_iterations) break;

    ++r.iterations;
    const bool finite = lm_detail::evaluate(model, roi, variance, w, h, t, trial);
    const double gain = 2.0 * (cur.nll - trial.nll);  // χ² decrease
    if (finite && gain >= 0) {
      if (s.secant) {
        double sv[kParams], y[kParams], f_sv[kParams];
        for (int i = 0; i < kParams; ++i) {
          sv[i] = t[i] - theta[i];
          y[i] = free[i] ? trial.grad[i] - cur.grad[i] : 0.0;
        }
        for (int i = 0; i < kParams; ++i) {
          f_sv[i] = 0;
          for (int j = 0; j < kParams; ++j) f_sv[i] += trial.hess[i * kParams + j] * sv[j];
          f_sv[i] = free[i] ? f_sv[i] : 0.0;
        }
        if (!use_sec)
          for (int i = 0; i < kParams * kParams; ++i) sec[i] = 0;
        lm_detail::secant_update<kParams>(sec, sv, y, f_sv);
        use_sec = true;
      }
      for (int p = 0; p < kParams; ++p) theta[p] = t[p];
      cur = trial;
      lambda *= s.lambda_down;
      if (gain <= tol || small_step) {
        status = LmStatus::converged;
        break;
      }
    } else {
      // No better point within rounding of this one: θ is the optimum.
      if (finite && (-gain <= tol || small_step)) {
        status = LmStatus::converged;
        break;
      }
      // Back to the Fisher model, damped at least as much as at the start.
      use_sec = false;
      lambda = (lambda > s.initial_lambda ? lambda : s.initial_lambda) * s.lambda_up;
    }
  }
  if (nf == 0) status = LmStatus::converged;

  for (int p = 0; p < kParams; ++p) r.theta[p] = theta[p];
  r.dof = npix - nf;
  const double deviance = cur.nll + c;  // ≥ 0 up to rounding
  r.log_likelihood = deviance > 0 ? -deviance : 0.0;
  const double mean = cur.sum_res / npix, var = cur.sum_res2 / npix - mean * mean;
  r.bkgstd = std::sqrt(var > 0 ? var : 0.0);

  // CRLB from the Fisher information of the free parameters at the accepted θ.
  if (nf > 0) {
    double f[kParams * kParams], inv[kParams * kParams];
    for (int i = 0; i < nf; ++i)
      for (int j = 0; j < nf; ++j) f[i * nf + j] = cur.hess[fi[i] * kParams + fi[j]];
    if (invert_spd<kParams>(f, nf, inv)) {
      for (int i = 0; i < nf; ++i) r.crlb[fi[i]] = inv[i * nf + i];
      // A position whose standard deviation exceeds the ROI is not determined by the data (no
      // spot: N at its bound, a flat ROI): the information is singular at the ROI's scale.
      if (status == LmStatus::converged && has_xy &&
          (r.crlb[s.x_param] > double(w) * w || r.crlb[s.y_param] > double(h) * h))
        status = LmStatus::singular;
    } else {
      for (int i = 0; i < nf; ++i) r.crlb[fi[i]] = NAN;
      if (status == LmStatus::converged) status = LmStatus::singular;
    }
  }
  bool finite = std::isfinite(r.log_likelihood);
  for (int p = 0; p < kParams; ++p) finite = finite && std::isfinite(theta[p]);
  if (!finite) {
    status = LmStatus::non_finite;
  } else if (status == LmStatus::converged && has_xy) {
    const double x = theta[s.x_param], y = theta[s.y_param];
    if (!(x >= -0.5 && x <= w - 0.5 && y >= -0.5 && y <= h - 0.5)) status = LmStatus::outside_roi;
  }
  r.status = status;
  return r;
}

}  // namespace smlm::localization
