// The Ceres side of MleFitter: one analytic-derivative cost over the whole ROI, and a Problem kept
// per thread and reused between ROIs of the same size, so that a fit allocates almost nothing.
#include "localization/mle_fit.h"

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "localization/crlb.h"
#include "localization/gof.h"
#include "localization/lm_models.h"
#include "localization/multi_fit.h"
#include "localization/poisson_deviance.h"
#include "localization/roi.h"

namespace smlm::localization {

using G = psf::IntegratedGaussian;

// The two fitters keep θ within the same bounds.
static_assert(LmIntegratedGaussian::kMinSigma == MleFitter::kMinSigma &&
              LmIntegratedGaussian::kMaxSigma == MleFitter::kMaxSigma &&
              LmIntegratedGaussian::kMinPhotons == MleFitter::kMinPhotons &&
              LmIntegratedGaussian::kMinBackground == MleFitter::kMinBackground);

Fitter parse_fitter(std::string_view text) {
  if (text == "lm") return Fitter::lm;
  if (text == "ceres") return Fitter::ceres;
  throw Error("fitter '" + std::string(text) + "': expected lm or ceres");
}

const char* to_string(Fitter f) { return f == Fitter::lm ? "lm" : "ceres"; }

void FitSettings::validate() const {
  const int max_radius =
      fitter == Fitter::lm ? (LmIntegratedGaussian::kMaxSide - 1) / 2 : (G::kMaxRoi - 1) / 2;
  SMLM_CHECK(roi_radius >= 1 && roi_radius <= max_radius,
             "fit radius must be 1.."
                 << max_radius << " px with the " << to_string(fitter) << " fitter, got "
                 << roi_radius
                 << (fitter == Fitter::lm ? " (the ceres fitter takes up to 31)" : ""));
  SMLM_CHECK(fitter == Fitter::lm || !device.is_cuda(),
             "the ceres fitter runs on the CPU only; use the lm fitter on " << device.name());
  SMLM_CHECK(std::isfinite(initial_sigma_px) && initial_sigma_px >= MleFitter::kMinSigma &&
                 initial_sigma_px <= MleFitter::kMaxSigma,
             "initial sigma must be " << MleFitter::kMinSigma << ".." << MleFitter::kMaxSigma
                                      << " px, got " << initial_sigma_px);
  SMLM_CHECK(max_iterations >= 1, "max iterations must be >= 1, got " << max_iterations);
}

namespace {

// Residuals r_k = deviance_residual(μ_k + v_k, data_k + v_k) over a w × h ROI, v_k the sCMOS
// variance (0 without); one parameter block holding (x, y, N, bg, σ), or (x, y, N, bg) with σ a
// constant of the cost.
class DevianceCost final : public ceres::CostFunction {
 public:
  DevianceCost(int w, int h, bool fixed_sigma)
      : w_(w), h_(h), np_(fixed_sigma ? 4 : 5), mu_(w * h), dmu_(w * h * G::kNumParams) {
    set_num_residuals(w * h);
    mutable_parameter_block_sizes()->push_back(np_);
  }

  void set_data(const float* roi, double sigma, const float* variance) {
    roi_ = roi;
    sigma_ = sigma;
    variance_ = variance;
  }

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    double theta[G::kNumParams];
    for (int p = 0; p < np_; ++p) theta[p] = parameters[0][p];
    if (np_ == 4) theta[G::kSigma] = sigma_;
    for (double t : theta)
      if (!std::isfinite(t)) return false;
    double* jac = jacobians != nullptr ? jacobians[0] : nullptr;
    G::evaluate_roi(theta, w_, h_, mu_.data(), jac != nullptr ? dmu_.data() : nullptr);
    const int n = w_ * h_;
    for (int k = 0; k < n; ++k) {
      double dr;
      const double v = variance_ != nullptr ? variance_[k] : 0.0;
      deviance_residual(mu_[k] + v, roi_[k] + v, residuals[k], dr);
      if (jac != nullptr) {
        const double* g = &dmu_[k * G::kNumParams];
        double* out = jac + k * np_;
        for (int p = 0; p < np_; ++p) out[p] = dr * g[p];
      }
    }
    return true;
  }

 private:
  int w_, h_, np_;
  const float* roi_ = nullptr;
  const float* variance_ = nullptr;
  double sigma_ = 1.0;
  // Scratch, owned by the one thread that owns this cost.
  mutable std::vector<double> mu_, dmu_;
};

ceres::Solver::Options solver_options() {
  ceres::Solver::Options o;
  o.minimizer_type = ceres::TRUST_REGION;
  o.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  // 5×5 normal equations: measured ~8% faster than DENSE_QR on 7×7 and 9×9 ROIs.
  o.linear_solver_type = ceres::DENSE_NORMAL_CHOLESKY;
  o.minimizer_progress_to_stdout = false;
  o.logging_type = ceres::SILENT;
  o.num_threads = 1;
  o.function_tolerance = 1e-8;
  o.parameter_tolerance = 1e-8;
  return o;
}

// A thread's Ceres problem for one ROI shape, rebuilt only when the shape changes.
struct Workspace {
  int w = -1, h = -1, np = -1;
  double params[G::kNumParams] = {};
  DevianceCost* cost = nullptr;  // owned by problem
  std::unique_ptr<ceres::Problem> problem;
  std::vector<double> mu;
  ceres::Solver::Options options = solver_options();

  void prepare(int width, int height, bool fixed_sigma) {
    const int n = fixed_sigma ? 4 : 5;
    if (problem && width == w && height == h && n == np) return;
    w = width;
    h = height;
    np = n;
    problem = std::make_unique<ceres::Problem>();
    cost = new DevianceCost(w, h, fixed_sigma);
    problem->AddResidualBlock(cost, nullptr, params);
    problem->SetParameterLowerBound(params, G::kX, -1.0);
    problem->SetParameterUpperBound(params, G::kX, static_cast<double>(w));
    problem->SetParameterLowerBound(params, G::kY, -1.0);
    problem->SetParameterUpperBound(params, G::kY, static_cast<double>(h));
    problem->SetParameterLowerBound(params, G::kN, MleFitter::kMinPhotons);
    problem->SetParameterLowerBound(params, G::kBg, MleFitter::kMinBackground);
    if (!fixed_sigma) {
      problem->SetParameterLowerBound(params, G::kSigma, MleFitter::kMinSigma);
      problem->SetParameterUpperBound(params, G::kSigma, MleFitter::kMaxSigma);
    }
    mu.assign(static_cast<size_t>(w) * h, 0.0);
  }
};

thread_local Workspace tl_workspace;

// f(LmMultiGaussian<k>{}) for k = 1…kLmMaxEmitters chosen at run time.
template <int K = 1, class F>
void with_emitters(int k, F&& f) {
  if constexpr (K < kLmMaxEmitters) {
    if (k > K) return with_emitters<K + 1>(k, f);
  }
  f(LmMultiGaussian<K>{});
}

// Deviance residuals of the k-emitter model over a w × h ROI (sCMOS-shifted as DevianceCost), one
// parameter block of its 3k + 2 parameters, values and Jacobian from its for_each_pixel.
class MultiDevianceCost final : public ceres::CostFunction {
 public:
  MultiDevianceCost(int k, int w, int h, const float* roi, const float* variance)
      : k_(k), w_(w), h_(h), n_(3 * k + 2), roi_(roi), variance_(variance) {
    set_num_residuals(w * h);
    mutable_parameter_block_sizes()->push_back(n_);
  }

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const double* theta = parameters[0];
    for (int p = 0; p < n_; ++p)
      if (!std::isfinite(theta[p])) return false;
    double* jac = jacobians != nullptr ? jacobians[0] : nullptr;
    with_emitters(k_, [&](const auto& model) {
      model.for_each_pixel(theta, w_, h_, [&](int q, double mu, const double* g) {
        double dr;
        const double v = variance_ != nullptr ? variance_[q] : 0.0;
        deviance_residual(mu + v, roi_[q] + v, residuals[q], dr);
        if (jac != nullptr)
          for (int p = 0; p < n_; ++p) jac[q * n_ + p] = dr * g[p];
      });
    });
    return true;
  }

 private:
  int k_, w_, h_, n_;
  const float* roi_;
  const float* variance_;
};

// The Ceres fitter of multi_emitter_fit's k-emitter models: bounds of the LM fitter's settings
// (multi_detail::settings_for), σ held by a SubsetManifold when fixed, and an LmResult as lm_fit
// would give (deviance, dof, bkgstd, CRLB from the joint Fisher information, status).
struct CeresEmitterFit {
  int max_iterations = 50;

  LmResult operator()(const GaussianEmitterPsf&, int k, const float* roi, const float* variance,
                      int w, int h, double* theta, const LmSettings& s1) const {
    LmResult r;
    with_emitters(k, [&](const auto& model) {
      using M = std::decay_t<decltype(model)>;
      constexpr int K = (M::kNumParams - 5) / 3 + 1;
      r = fit_k<K>(model, roi, variance, w, h, theta,
                   K == 1 ? s1 : multi_detail::settings_for<GaussianEmitterPsf, K>(s1, w, h));
    });
    return r;
  }

  template <int K>
  LmResult fit_k(const LmMultiGaussian<K>& model, const float* roi, const float* variance, int w,
                 int h, double* theta, const LmSettings& s) const {
    constexpr int n = LmMultiGaussian<K>::kNumParams;
    LmResult r;
    std::fill(r.theta, r.theta + kLmMaxParams, 0.0);
    std::fill(r.crlb, r.crlb + kLmMaxParams, 0.0);
    r.log_likelihood = r.bkgstd = std::numeric_limits<double>::quiet_NaN();
    r.iterations = r.dof = r.reserved = 0;
    r.status = LmStatus::non_finite;
    double lo[n], hi[n];
    for (int p = 0; p < n; ++p) {
      lo[p] = s.lower[p];
      hi[p] = s.upper[p];
      if (p == s.x_param || p == s.y_param) {
        const int side = p == s.x_param ? w : h;
        lo[p] = std::max(lo[p], -s.roi_margin);
        hi[p] = std::min(hi[p], side - 1 + s.roi_margin);
      }
      if (!std::isfinite(theta[p])) return r;
      if (!s.is_fixed(p)) theta[p] = std::clamp(theta[p], lo[p], hi[p]);
    }
    ceres::Problem problem;
    problem.AddResidualBlock(new MultiDevianceCost(K, w, h, roi, variance), nullptr, theta);
    for (int p = 0; p < n; ++p) {
      if (s.is_fixed(p)) continue;
      if (lo[p] > -kLmUnbounded) problem.SetParameterLowerBound(theta, p, lo[p]);
      if (hi[p] < kLmUnbounded) problem.SetParameterUpperBound(theta, p, hi[p]);
    }
    std::vector<int> fixed;
    for (int p = 0; p < n; ++p)
      if (s.is_fixed(p)) fixed.push_back(p);
    if (!fixed.empty()) problem.SetManifold(theta, new ceres::SubsetManifold(n, fixed));
    ceres::Solver::Options options = solver_options();
    options.max_num_iterations = max_iterations;
    ceres::Solver::Summary summary;
    ceres::Solve(options, &problem, &summary);

    // Deviance, residuals and the Fisher information at the solution, as lm_fit sums them.
    const int npix = w * h;
    double dev = 0, sr = 0, sr2 = 0, fisher[n * n] = {};
    model.for_each_pixel(theta, w, h, [&](int q, double mu, const double* g) {
      const double v = variance != nullptr ? variance[q] : 0.0;
      dev += poisson_deviance(mu + v, roi[q] + v);
      const double res = std::max(0.0f, roi[q]) - mu;
      sr += res;
      sr2 += res * res;
      add_fisher_information(g, std::max(mu + v, kMinExpectedCount), n, fisher);
    });
    std::copy(theta, theta + n, r.theta);
    r.iterations = summary.num_successful_steps + summary.num_unsuccessful_steps;
    int fi[n], nf = 0;
    for (int p = 0; p < n; ++p)
      if (!s.is_fixed(p)) fi[nf++] = p;
    r.dof = npix - nf;
    r.log_likelihood = -dev;
    const double mean = sr / npix;
    r.bkgstd = std::sqrt(std::max(0.0, sr2 / npix - mean * mean));
    LmStatus status = summary.termination_type == ceres::CONVERGENCE      ? LmStatus::converged
                      : summary.termination_type == ceres::NO_CONVERGENCE ? LmStatus::max_iterations
                                                                          : LmStatus::non_finite;
    double f[n * n], inv[n * n];
    for (int i = 0; i < nf; ++i)
      for (int j = 0; j < nf; ++j) f[i * nf + j] = fisher[fi[i] * n + fi[j]];
    if (invert_spd<n>(f, nf, inv)) {
      for (int i = 0; i < nf; ++i) r.crlb[fi[i]] = inv[i * nf + i];
      if (status == LmStatus::converged &&
          (r.crlb[s.x_param] > double(w) * w || r.crlb[s.y_param] > double(h) * h))
        status = LmStatus::singular;
    } else {
      for (int i = 0; i < nf; ++i) r.crlb[fi[i]] = std::numeric_limits<double>::quiet_NaN();
      if (status == LmStatus::converged) status = LmStatus::singular;
    }
    bool finite = std::isfinite(r.log_likelihood);
    for (int p = 0; p < n; ++p) finite = finite && std::isfinite(theta[p]);
    if (!finite) {
      status = LmStatus::non_finite;
    } else if (status == LmStatus::converged) {
      const double x = theta[s.x_param], y = theta[s.y_param];
      if (!(x >= -0.5 && x <= w - 0.5 && y >= -0.5 && y <= h - 0.5)) status = LmStatus::outside_roi;
    }
    r.status = status;
    return r;
  }
};

}  // namespace

MleFitter::MleFitter(FitSettings s) : s_(s) {
  s_.fitter = Fitter::ceres;  // this is the Ceres fitter, whatever the Localizer uses
  s_.device = kernels::Device::cpu();
  s_.validate();
}

FitResult MleFitter::fit(const float* roi, int w, int h, const double* start,
                         const float* variance) const {
  SMLM_CHECK(roi != nullptr, "fit: no ROI data");
  SMLM_CHECK(w >= 1 && h >= 1 && w <= G::kMaxRoi && h <= G::kMaxRoi,
             "fit: ROI must be 1.." << G::kMaxRoi << " px on a side, got " << w << "x" << h);
  double theta[G::kNumParams];
  bool from_data = start == nullptr;
  if (!from_data) {
    std::copy(start, start + G::kNumParams, theta);
    for (double t : theta) from_data = from_data || !std::isfinite(t);  // NaN start: use the data
  }
  if (from_data) initial_theta(roi, w, h, s_.initial_sigma_px, theta);
  // Start strictly inside the bounds: Ceres refuses infeasible starts.
  theta[G::kX] = std::clamp(theta[G::kX], -0.5, w - 0.5);
  theta[G::kY] = std::clamp(theta[G::kY], -0.5, h - 0.5);
  theta[G::kN] = std::max(theta[G::kN], 1.0);
  theta[G::kBg] = std::max(theta[G::kBg], 1e-2);
  theta[G::kSigma] = std::clamp(theta[G::kSigma], kMinSigma, kMaxSigma);

  Workspace& ws = tl_workspace;
  ws.prepare(w, h, s_.fixed_sigma);
  std::copy(theta, theta + G::kNumParams, ws.params);
  ws.cost->set_data(roi, theta[G::kSigma], variance);

  ws.options.max_num_iterations = s_.max_iterations;
  ceres::Solver::Summary summary;
  ceres::Solve(ws.options, ws.problem.get(), &summary);

  FitResult r;
  std::copy(ws.params, ws.params + G::kNumParams, r.theta);
  if (s_.fixed_sigma) r.theta[G::kSigma] = theta[G::kSigma];
  r.iterations = summary.num_successful_steps + summary.num_unsuccessful_steps;
  r.converged = summary.termination_type == ceres::CONVERGENCE;

  G::evaluate_roi(r.theta, w, h, ws.mu.data(), nullptr);
  const int n = w * h;
  double ll = 0, sum = 0, sum2 = 0;
  for (int k = 0; k < n; ++k) {
    const double data = std::max(0.0f, roi[k]);
    const double v = variance != nullptr ? variance[k] : 0.0;
    ll -= poisson_deviance(ws.mu[k] + v, roi[k] + v);
    const double res = data - ws.mu[k];
    sum += res;
    sum2 += res * res;
  }
  r.log_likelihood = ll;
  r.p_value = goodness_of_fit_p(ll, n - (s_.fixed_sigma ? 4 : 5));
  const double mean = sum / n;
  r.bkgstd = std::sqrt(std::max(0.0, sum2 / n - mean * mean));

  const int np = s_.fixed_sigma ? 4 : 5;
  r.crlb[G::kSigma] = 0.0;
  if (!integrated_gaussian_crlb(r.theta, w, h, np, r.crlb, variance)) {
    std::fill(r.crlb, r.crlb + G::kNumParams, std::numeric_limits<double>::quiet_NaN());
    r.converged = false;
  }
  return r;
}

MultiFitResult MleFitter::fit_multi(const float* roi, int w, int h, const double* seeds,
                                    int n_seeds, const MultiFitSettings& multi,
                                    const float* variance) const {
  constexpr int kMaxSide = GaussianEmitterPsf::kMaxSide;
  SMLM_CHECK(roi != nullptr, "multi-emitter fit: no ROI data");
  SMLM_CHECK(
      w >= 1 && h >= 1 && w <= kMaxSide && h <= kMaxSide,
      "multi-emitter fit: ROI must be 1.." << kMaxSide << " px on a side, got " << w << "x" << h);
  SMLM_CHECK(multi.params_per_emitter == GaussianEmitterPsf::kPerEmitter &&
                 multi.max_emitters >= 1 && multi.max_emitters <= kLmMaxEmitters,
             "multi-emitter fit: settings for "
                 << multi.max_emitters << " emitters of " << multi.params_per_emitter
                 << " parameters; the 2D Gaussian takes 1.." << kLmMaxEmitters << " of 3");
  SMLM_CHECK(n_seeds >= 0 && (n_seeds == 0 || seeds != nullptr), "multi-emitter fit: no seeds");
  double start[G::kNumParams];
  initial_theta(roi, w, h, s_.initial_sigma_px, start);
  CeresEmitterFit fit;
  fit.max_iterations = s_.max_iterations;
  GaussianEmitterPsf psf;
  psf.initial_sigma = s_.initial_sigma_px;
  return multi_emitter_fit(psf, roi, variance, w, h, start, seeds, n_seeds,
                           LmIntegratedGaussian::settings(s_.fixed_sigma, s_.max_iterations), multi,
                           fit);
}

bool MleFitter::usable(const FitResult& r, int w, int h) const {
  if (!r.converged) return false;
  for (int p = 0; p < G::kNumParams; ++p)
    if (!std::isfinite(r.theta[p]) || !std::isfinite(r.crlb[p]) || r.crlb[p] < 0) return false;
  if (!std::isfinite(r.log_likelihood) || !std::isfinite(r.bkgstd)) return false;
  if (!(r.theta[G::kN] > 0)) return false;
  constexpr double kAtBound = 1e-4;  // px
  if (!s_.fixed_sigma &&
      (r.theta[G::kSigma] < kMinSigma + kAtBound || r.theta[G::kSigma] > kMaxSigma - kAtBound))
    return false;
  return r.theta[G::kX] >= -0.5 && r.theta[G::kX] <= w - 0.5 && r.theta[G::kY] >= -0.5 &&
         r.theta[G::kY] <= h - 0.5;
}

void deviance_residuals(const double* theta, const float* roi, int w, int h, double* residuals,
                        double* jacobian) {
  SMLM_CHECK(w >= 1 && h >= 1 && w <= G::kMaxRoi && h <= G::kMaxRoi,
             "ROI must be 1.." << G::kMaxRoi << " px on a side, got " << w << "x" << h);
  std::vector<double> mu(static_cast<size_t>(w) * h);
  G::evaluate_roi(theta, w, h, mu.data(), jacobian);  // dμ/dθ in place, scaled below
  for (int k = 0; k < w * h; ++k) {
    double dr;
    deviance_residual(mu[k], roi[k], residuals[k], dr);
    if (jacobian != nullptr)
      for (int p = 0; p < G::kNumParams; ++p) jacobian[k * G::kNumParams + p] *= dr;
  }
}

bool usable_3d(const FitResult& r, const LmSettings& s, int w, int h) {
  if (!r.converged) return false;
  for (int p = 0; p < 5; ++p)
    if (!std::isfinite(r.theta[p]) || !std::isfinite(r.crlb[p])) return false;
  constexpr int kN = 2, kZ = 4;  // psf::AstigmaticGaussian's and psf::CubicSplinePsf's
  const double x = r.theta[0], y = r.theta[1];
  return r.theta[kN] > 0 && r.theta[kZ] > s.lower[kZ] && r.theta[kZ] < s.upper[kZ] && x >= -0.5 &&
         x <= w - 0.5 && y >= -0.5 && y <= h - 0.5;
}

FitResult to_fit_result(const LmResult& r) {
  FitResult f;
  std::copy(r.theta, r.theta + psf::IntegratedGaussian::kNumParams, f.theta);
  std::copy(r.crlb, r.crlb + psf::IntegratedGaussian::kNumParams, f.crlb);
  f.log_likelihood = r.log_likelihood;
  f.bkgstd = r.bkgstd;
  f.iterations = r.iterations;
  f.converged = r.status == LmStatus::converged;
  f.p_value = goodness_of_fit_p(r.log_likelihood, r.dof);
  return f;
}

FitResult emitter_fit_result(const LmResult& r, int e, int params_per_emitter) {
  FitResult f = to_fit_result(r);
  if (e == 0) return f;
  const int x = 5 + params_per_emitter * (e - 1);
  for (int p = 0; p < 3; ++p) {
    f.theta[p] = r.theta[x + p];
    f.crlb[p] = r.crlb[x + p];
  }
  if (params_per_emitter == 4) {
    f.theta[4] = r.theta[x + 3];
    f.crlb[4] = r.crlb[x + 3];
  }
  return f;
}

}  // namespace smlm::localization
