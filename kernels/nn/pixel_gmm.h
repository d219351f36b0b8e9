// The loss of DECODE-style nets (Speiser et al. 2021) on either device: per sample, a count term,
// a Gaussian-mixture localization term over the true emitters and a background term, with the
// per-pixel head of pixel_gmm_math.h. Its value and its gradient with respect to the raw outputs.
//
// For sample b with E true emitters t_j (D values each: photons/scale, x [px], y [px], z/scale),
// pixel outputs p_k, μ_k, σ_k, bg_k (pixel_gmm_math.h), P = Σ p_k, V = Σ p_k(1 − p_k) + kVarEps:
//   count  = E · [½ log(2πV) + (E − P)² / (2V)]          −log N(E; P, V), weighted by E as DECODE
//   local  = Σ_j −log Σ_k (p_k / P) Π_d N(t_jd; μ_kd, σ_kd)
//   back   = Σ_k (bg_k − bg_target_k)²
//   loss_b = count + local + bg_weight · back;  the loss is the mean over the batch.
// (DECODE's V has no floor; kVarEps keeps a frame whose p are all 0 or 1 finite.)
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

inline constexpr double kGmmVarEps = 1e-3;

struct PixelGmmShape {
  int64_t n = 0, h = 0, w = 0;  // batch and pixel grid
  int dims = 3;                 // D: 3 (2D) or 4 (3D)
  int64_t max_targets = 0;      // M: target slots per sample
};

struct PixelGmmParts {
  double value = 0;  // mean over the batch of count + localization + bg_weight · background
  double count = 0, localization = 0, background = 0;  // their means over the batch (unweighted)
};

// out: (n, 2 + 2D, h, w) raw outputs; targets: (n, M, D) floats, the first counts[b] slots of
// sample b used; counts: n floats (whole numbers in [0, M]); bg_target: (n, h, w), or null for no
// background term. All pointers in `device`'s memory. grad (same shape as out, or null): receives
// ∂loss/∂out, overwritten.
PixelGmmParts pixel_gmm_loss(const Device& device, const PixelGmmShape& shape, const float* out,
                             const float* targets, const float* counts, const float* bg_target,
                             double bg_weight, float* grad);

}  // namespace smlm::kernels::nn
