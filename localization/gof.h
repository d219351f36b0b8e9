// Goodness of fit of a Poisson MLE fit: the p-value of its deviance (−2 × the log-likelihood
// ratio) under the fitted model, from the χ² distribution with (pixels − free parameters) degrees
// of freedom (Wilks). A single spot fitted with the right model gives p roughly uniform on (0, 1);
// two overlapping spots fitted as one give p near 0.
#pragma once

#include <cmath>

#include "core/lgamma.h"

namespace smlm::localization {

// Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), a > 0, x ≥ 0 (series below a + 1,
// Lentz's continued fraction above, as Numerical Recipes' gammq); NaN for impossible arguments.
inline double gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0) || !std::isfinite(a)) return NAN;
  if (x == 0) return 1.0;
  if (!std::isfinite(x)) return 0.0;
  const double log_prefix = -x + a * std::log(x) - smlm::log_gamma(a);
  if (x < a + 1) {
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 1000 && std::fabs(del) > std::fabs(sum) * 1e-15; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
    }
    const double p = sum * std::exp(log_prefix);
    return p < 1 ? 1 - p : 0.0;
  }
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = std::fabs(d) < tiny ? tiny : d;
    c = b + an / c;
    c = std::fabs(c) < tiny ? tiny : c;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return std::exp(log_prefix) * h;
}

// P(χ²_dof ≥ deviance): the goodness-of-fit p-value of a fit whose log-likelihood ratio is
// log_likelihood (≤ 0; deviance = −2·log_likelihood) with dof = pixels − free parameters. NaN when
// dof < 1 or the likelihood is not finite.
inline double goodness_of_fit_p(double log_likelihood, int dof) {
  if (dof < 1 || !std::isfinite(log_likelihood)) return NAN;
  const double deviance = log_likelihood < 0 ? -2 * log_likelihood : 0.0;
  return gamma_q(0.5 * dof, 0.5 * deviance);
}

// P(χ²_dof ≥ x): the likelihood-ratio test's p-value for dof added parameters.
inline double chi2_upper_p(double x, int dof) {
  return dof >= 1 ? gamma_q(0.5 * dof, x > 0 ? 0.5 * x : 0.0) : NAN;
}

}  // namespace smlm::localization
