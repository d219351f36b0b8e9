// The per-pixel Gaussian-mixture head of DECODE-style nets (Speiser et al. 2021) as SMLM_HD math:
// how a pixel's raw outputs become a detection probability, the means of the emitter's D
// parameters and their standard deviations, and a background — one source for the loss kernels
// (pixel_gmm.cpp, on either device) and for inference's post-processing.
//
// Channels of one pixel, C = 2 + 2·D, raw (pre-activation) values o[c]:
//   0            p     = sigmoid(o0)                   detection probability
//   1            μ_0   = sigmoid(o1)                   photons / photon scale, in (0, 1)
//   2, 3         μ_1,2 = column, row + tanh(o)         x, y [px], within one pixel of the centre
//   4 (D = 4)    μ_3   = tanh(o4)                      z / z scale, in (−1, 1)
//   1+D … 2D     σ_d   = 3·sigmoid(o) + kSigmaEps      uncertainties, in the μ's units
//   1+2D         bg    = sigmoid(o)                    background / background scale
// D is 3 (photons, x, y: 2D) or 4 (… , z: 3D).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"

namespace smlm::kernels::nn {

inline constexpr int kGmmMaxDims = 4;
// The smallest σ a head can predict (DECODE's sigma_eps is 1e-3).
inline constexpr double kGmmSigmaEps = 1e-3;
inline constexpr double kGmmSigmaRange = 3.0;

SMLM_HD_INLINE int gmm_channels(int dims) { return 2 + 2 * dims; }

SMLM_HD_INLINE double gmm_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

// One pixel's outputs after the activations; `slope_*` are the derivatives of each value with
// respect to its raw output (what the loss's backward pass chains through).
struct GmmPixel {
  double p = 0, bg = 0;
  double mu[kGmmMaxDims] = {}, sigma[kGmmMaxDims] = {};
  double slope_p = 0, slope_bg = 0;
  double slope_mu[kGmmMaxDims] = {}, slope_sigma[kGmmMaxDims] = {};
};

// Reads pixel (row, col) of one sample's raw outputs o (channel c at o[c·plane]).
SMLM_HD_INLINE GmmPixel gmm_pixel(const float* o, int64_t plane, int dims, int row, int col) {
  GmmPixel g;
  g.p = gmm_sigmoid(o[0]);
  g.slope_p = g.p * (1 - g.p);
  for (int d = 0; d < dims; ++d) {
    const double raw = o[(1 + d) * plane];
    if (d == 0) {
      g.mu[d] = gmm_sigmoid(raw);
      g.slope_mu[d] = g.mu[d] * (1 - g.mu[d]);
    } else {
      const double t = tanh(raw);
      g.mu[d] = t + (d == 1 ? col : (d == 2 ? row : 0));
      g.slope_mu[d] = 1 - t * t;
    }
    const double s = gmm_sigmoid(o[(1 + dims + d) * plane]);
    g.sigma[d] = kGmmSigmaRange * s + kGmmSigmaEps;
    g.slope_sigma[d] = kGmmSigmaRange * s * (1 - s);
  }
  g.bg = gmm_sigmoid(o[(1 + 2 * dims) * plane]);
  g.slope_bg = g.bg * (1 - g.bg);
  return g;
}

// log of pixel g's mixture component at target t (D values), without the weight:
// Σ_d log N(t_d; μ_d, σ_d).
SMLM_HD_INLINE double gmm_component_log(const GmmPixel& g, const float* t, int dims) {
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  double l = 0;
  for (int d = 0; d < dims; ++d) {
    const double z = (t[d] - g.mu[d]) / g.sigma[d];
    l -= 0.5 * z * z + log(g.sigma[d]) + kHalfLog2Pi;
  }
  return l;
}

}  // namespace smlm::kernels::nn
