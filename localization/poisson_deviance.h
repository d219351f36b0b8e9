// The Poisson likelihood as signed deviance residuals, the form in which a least-squares solver
// (Ceres, a batched Levenberg–Marquardt kernel) maximizes it: ½Σr² = Σ[μ − k − k·ln(μ/k)], the
// negative log-likelihood ratio, whose minimum is the Poisson MLE.
#pragma once

#include <cmath>

#include "core/hd.h"

namespace smlm::localization {

// Expected counts below this are raised to it: the likelihood needs μ > 0.
inline constexpr double kMinExpectedCount = 1e-12;

// Below this |u| = |μ − k|/k the deviance is evaluated by its series, where the closed form
// cancels and the derivative (1 − k/μ)/r is 0/0.
inline constexpr double kDevianceSeriesLimit = 1e-3;

// s(u)² = 2D/(k·u²) = 1 − 2u/3 + u²/2 − 2u³/5 + u⁴/3 − …, with D = k·(u − ln(1 + u)).
SMLM_HD_INLINE double deviance_series_s2(double u) {
  return 1.0 + u * (-2.0 / 3.0 + u * (0.5 + u * (-0.4 + u * (1.0 / 3.0))));
}

// One pixel's deviance D(μ, k) = μ − k − k·ln(μ/k) ≥ 0, with μ the expected and k the observed
// count [photoelectrons]; D = μ where k ≤ 0 (negative counts are read as 0).
SMLM_HD_INLINE double poisson_deviance(double mu, double k) {
  mu = mu > kMinExpectedCount ? mu : kMinExpectedCount;
  if (!(k > 0)) return mu;
  const double u = (mu - k) / k;
  if (std::fabs(u) < kDevianceSeriesLimit) return 0.5 * k * u * u * deviance_series_s2(u);
  return k * (u - std::log1p(u));
}

// The signed deviance residual r = sign(μ − k)·√(2D) and its derivative dr/dμ = (1 − k/μ)/r.
// Near μ = k both come from the series r = √k·u·s(u), dr/dμ = 1/(√k·(1 + u)·s(u)), which has the
// limit 1/√μ at μ = k. Where k ≤ 0: r = √(2μ), dr/dμ = 1/r.
SMLM_HD_INLINE void deviance_residual(double mu, double k, double& r, double& dr_dmu) {
  mu = mu > kMinExpectedCount ? mu : kMinExpectedCount;
  if (!(k > 0)) {
    r = std::sqrt(2.0 * mu);
    dr_dmu = 1.0 / r;
    return;
  }
  const double u = (mu - k) / k;
  if (std::fabs(u) < kDevianceSeriesLimit) {
    const double sk = std::sqrt(k), s = std::sqrt(deviance_series_s2(u));
    r = sk * u * s;
    dr_dmu = 1.0 / (sk * (1.0 + u) * s);
    return;
  }
  const double d = k * (u - std::log1p(u));
  r = std::copysign(std::sqrt(2.0 * d), u);
  dr_dmu = u / ((1.0 + u) * r);
}

}  // namespace smlm::localization
