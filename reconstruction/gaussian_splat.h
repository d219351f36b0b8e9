// The normalized Gaussian splat of one localization along one image axis: which output pixels it
// touches (those meeting ±3σ) and its pixel-integrated weight in each, renormalized to sum to 1.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "psf/integrated_gaussian.h"

namespace smlm::reconstruction {

// Coordinates are in output pixels, edge-based: pixel i covers [i, i + 1), so a localization at
// x nm sits at t = (x − x0) / pixel_size. `s` is its σ in output pixels; s <= 0 (or NaN) is a
// point, all of whose weight lands in the pixel containing t (the histogram).
// The 2D splat is separable: weight(i, j) = weight_x(i) · weight_y(j), summing to 1 over the
// window before it is clipped to the image.
struct GaussianSplat {
  static constexpr double kCut = 3.0;  // the window reaches ±kCut·σ

  // The first and last pixel (inclusive, as doubles: they may lie far outside any image) whose
  // extent meets [t − 3s, t + 3s], and 1 / (the Gaussian's integral over those pixels).
  SMLM_HD static void window(double t, double s, double& first, double& last, double& inv_norm) {
    if (!(s > 0)) {
      first = last = std::floor(t);
      inv_norm = 1.0;
      return;
    }
    first = std::floor(t - kCut * s);
    last = std::ceil(t + kCut * s) - 1.0;
    // ∫ over [first, last + 1] is integral_1d over one "pixel" of width W after scaling by 1/W.
    const double w = last + 1.0 - first;
    const double c = 0.5 * (first + last + 1.0);
    inv_norm = 1.0 / psf::IntegratedGaussian::integral_1d(c / w, t / w, s / w);
  }

  // Weight of pixel i (inside the window) for a splat at t with σ = s; see window().
  SMLM_HD static double weight(double i, double t, double s, double inv_norm) {
    if (!(s > 0)) return i == std::floor(t) ? 1.0 : 0.0;
    return psf::IntegratedGaussian::integral_1d(i + 0.5, t, s) * inv_norm;
  }
};

}  // namespace smlm::reconstruction
