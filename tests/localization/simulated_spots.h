// Test data for the localization tests: integrated-Gaussian spots with Poisson noise (and sCMOS
// read noise), drawn from the library's Philox streams so every run sees the same pixels.
#pragma once

#include <cmath>
#include <vector>

#include "kernels/random.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization::test {

// A w × h ROI of Poisson counts with mean IntegratedGaussian(θ).
inline std::vector<float> simulate_roi(const double* theta, int w, int h, kernels::Rng& rng) {
  std::vector<double> mu(static_cast<size_t>(w) * h);
  psf::IntegratedGaussian::evaluate_roi(theta, w, h, mu.data(), nullptr);
  std::vector<float> roi(mu.size());
  for (size_t k = 0; k < mu.size(); ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
  return roi;
}

// The same with sCMOS read noise: Poisson counts plus Gaussian noise of per-pixel variance
// variance[k] [e⁻²] (gain 1, offset subtracted), so values may be negative.
inline std::vector<float> simulate_scmos_roi(const double* theta, int w, int h,
                                             const std::vector<float>& variance,
                                             kernels::Rng& rng) {
  std::vector<float> roi = simulate_roi(theta, w, h, rng);
  for (size_t k = 0; k < roi.size(); ++k)
    roi[k] += static_cast<float>(std::sqrt(static_cast<double>(variance[k])) * rng.normal());
  return roi;
}

}  // namespace smlm::localization::test
