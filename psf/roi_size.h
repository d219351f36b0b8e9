// The ROI a PSF needs: the smallest odd square side that holds a given fraction of its photons at
// every z of its range (the widest z decides), for an emitter at the centre of the ROI's centre
// pixel. The localizer's default ROI follows from it, so that a 3D PSF whose defocused images
// spill out of 7 px is not fitted on a truncated window.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "psf/integrated_gaussian.h"

namespace smlm::psf {

// Model: AstigmaticGaussian or CubicSplinePsf (θ = x, y, N, bg, z [px]) — anything with
// evaluate_roi(θ, w, h, μ, nullptr). Photons are counted over a reference window of
// `reference_side` px (odd, ≤ IntegratedGaussian::kMaxRoi), which stands for the whole PSF; z is
// sampled at `z_samples` points over [z_min_px, z_max_px]. Returns an odd side in
// [3, max_side] (max_side when even that holds less than `fraction`).
template <class Model>
int roi_side_for_fraction(const Model& model, double z_min_px, double z_max_px, double fraction,
                          int max_side, int reference_side = 41, int z_samples = 41) {
  const int r = reference_side, c = r / 2;
  std::vector<double> mu(static_cast<size_t>(r) * r);
  int side = 3;
  for (int k = 0; k < z_samples; ++k) {
    const double z =
        z_samples == 1 ? z_min_px : z_min_px + (z_max_px - z_min_px) * k / (z_samples - 1.0);
    const double theta[5] = {static_cast<double>(c), static_cast<double>(c), 1.0, 0.0, z};
    model.evaluate_roi(theta, r, r, mu.data(), nullptr);
    double total = 0;
    for (double v : mu) total += v;
    if (!(total > 0)) continue;
    // Grow the window around the centre until it holds the fraction.
    for (int s = side; s <= max_side; s += 2) {
      const int h = s / 2;
      double in = 0;
      for (int j = c - h; j <= c + h; ++j)
        for (int i = c - h; i <= c + h; ++i) in += mu[static_cast<size_t>(j) * r + i];
      side = s;
      if (in >= fraction * total) break;
    }
  }
  return std::min(side, max_side);
}

// The PSF's RMS width σ [px] at its narrowest z: √(Σμ·r²/(2Σμ) − 1/12) over the same reference
// window and z samples (the second moment of pixel values, less the pixel box's 1/12), so a
// Gaussian of σ gives σ back (to the window's truncation).
template <class Model>
double narrowest_sigma_px(const Model& model, double z_min_px, double z_max_px,
                          int reference_side = 41, int z_samples = 41) {
  const int r = reference_side, c = r / 2;
  std::vector<double> mu(static_cast<size_t>(r) * r);
  double best = 0;
  bool any = false;
  for (int k = 0; k < z_samples; ++k) {
    const double z =
        z_samples == 1 ? z_min_px : z_min_px + (z_max_px - z_min_px) * k / (z_samples - 1.0);
    const double theta[5] = {static_cast<double>(c), static_cast<double>(c), 1.0, 0.0, z};
    model.evaluate_roi(theta, r, r, mu.data(), nullptr);
    double total = 0, m2 = 0;
    for (int j = 0; j < r; ++j)
      for (int i = 0; i < r; ++i) {
        const double v = mu[static_cast<size_t>(j) * r + i];
        total += v;
        m2 += v * ((i - c) * (i - c) + (j - c) * (j - c));
      }
    if (!(total > 0)) continue;
    const double s = std::sqrt(std::max(0.0, m2 / (2 * total) - 1.0 / 12));
    if (!any || s < best) best = s;
    any = true;
  }
  return best;
}

// The 2D integrated Gaussian of width sigma_px: the same rule, z ignored.
inline int roi_side_for_fraction(double sigma_px, double fraction, int max_side) {
  struct Flat {
    double sigma;
    void evaluate_roi(const double* theta, int w, int h, double* mu, double*) const {
      const double t[IntegratedGaussian::kNumParams] = {theta[0], theta[1], theta[2], theta[3],
                                                        sigma};
      IntegratedGaussian::evaluate_roi(t, w, h, mu, nullptr);
    }
  };
  return roi_side_for_fraction(Flat{sigma_px}, 0.0, 0.0, fraction, max_side, 41, 1);
}

}  // namespace smlm::psf
