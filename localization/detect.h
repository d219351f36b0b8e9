// Candidate detection, ThunderSTORM's default: an à-trous B-spline wavelet filter (order 3,
// scale 2) and 8-connected local maxima of the second wavelet level above a noise threshold.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/hd.h"
#include "core/image.h"

namespace smlm::localization {

struct DetectionSettings {
  // Candidates must exceed threshold × std(F1), F1 the first wavelet level (0.5–2 is sensible).
  double threshold = 1.0;
  // Non-maximum suppression radius [px]: a candidate is the largest F2 within the (2r + 1)²
  // square around it. 1 is ThunderSTORM's 8-connected local maximum (2D spots); a wide 3D PSF
  // (a defocused astigmatic or engineered spot, whose band-passed image has several maxima)
  // needs about its width, or each of its lobes starts a fit of the same molecule. 0 = automatic:
  // the Localizer takes default_nms_radius (localizer.h, 1 in 2D); detect() reads 0 as 1.
  int nms_radius = 0;
  static constexpr int kMaxNmsRadius = 15;

  // Throws smlm::Error when the threshold is not a finite number >= 0 or the radius is not
  // 0..kMaxNmsRadius.
  void validate() const;
};

// A local maximum of the filtered image: pixel (x, y) of the frame, and F2 there [photoelectrons].
struct Candidate {
  int x, y;
  float value;
};

// Candidates in one frame of photoelectrons (camera-converted), in raster order (y, then x).
// Filter: V0 = I, V1 = k1 ∗ V0, V2 = k2 ∗ V1 with k1 = [1, 4, 6, 4, 1]/16 applied along x then y
// and k2 = k1 with a zero between taps; mirrored borders (mirror_index; ThunderSTORM pads
// by duplication, which differs only within 4 px of the border). F1 = I − V1 (noise), F2 = V1 − V2
// (the filtered image). A candidate is a pixel whose F2 exceeds threshold · std(F1) (population std
// over the frame) and every other pixel of the frame inside the (2·nms_radius + 1)² square around
// it (radius 1: the 8-connected neighbours; ties: the first in raster order wins).
std::vector<Candidate> detect(const ImageF& photons, const DetectionSettings& s);

// The wavelet levels of one frame, for callers that want the images (the detector's internals).
struct WaveletLevels {
  ImageF f1;  // I − V1
  ImageF f2;  // V1 − V2
};
WaveletLevels atrous_wavelet(const ImageF& photons);

// ---- Per-pixel pieces, SMLM_HD so a CUDA kernel runs the same math. Images are row-major,
// w × h, x fastest.

// Mirrors an index into [0, n), half-sample symmetric: the edge pixel repeats (−1 → 0, −2 → 1,
// n → n − 1), so a spot next to the border keeps its maximum in place.
SMLM_HD_INLINE int mirror_index(int i, int n) {
  if (i >= 0 && i < n) return i;
  if (n <= 1) return 0;
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// The B-spline à-trous 5-tap kernel with holes of `step` pixels (1 for k1, 2 for k2), along x
// (dx = 1, dy = 0) or along y (dx = 0, dy = 1), evaluated at pixel (x, y).
SMLM_HD_INLINE float atrous_tap(const float* in, int w, int h, int x, int y, int step, int dx,
                                int dy) {
  const float k[5] = {1.0f / 16, 4.0f / 16, 6.0f / 16, 4.0f / 16, 1.0f / 16};
  float sum = 0.0f;
  const int reach = 2 * step;
  if (dx ? (x >= reach && x < w - reach) : (y >= reach && y < h - reach)) {
    // Away from the borders no tap needs mirroring: the same sum without the index arithmetic.
    const float* p = in + static_cast<int64_t>(y) * w + x;
    const int64_t d = dx ? step : static_cast<int64_t>(step) * w;
    for (int t = -2; t <= 2; ++t) sum += k[t + 2] * p[t * d];
    return sum;
  }
  for (int t = -2; t <= 2; ++t) {
    const int xi = mirror_index(x + t * step * dx, w);
    const int yi = mirror_index(y + t * step * dy, h);
    sum += k[t + 2] * in[yi * w + xi];
  }
  return sum;
}

// Σ v and Σ v² over n values, in double and in order: the moments of F1 that the threshold takes.
SMLM_HD_INLINE void sum_and_squares(const float* v, int64_t n, double& sum, double& sum2) {
  sum = 0;
  sum2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += v[i];
    sum2 += static_cast<double>(v[i]) * v[i];
  }
}

// The candidate threshold of a frame [photoelectrons]: threshold × the population std of F1 over
// its n pixels, from sum = Σ F1 and sum2 = Σ F1² (a negative variance from rounding reads as 0).
SMLM_HD_INLINE float detection_threshold(double sum, double sum2, double n, double threshold) {
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  return static_cast<float>(threshold * std::sqrt(var > 0 ? var : 0.0));
}

// True when f(x, y) is the maximum of the (2r + 1)² square around it (clipped to the frame):
// strictly above the pixels that come earlier in raster order, at least equal to those that come
// later. r = 1: an 8-connected local maximum. So no two maxima lie within r pixels (Chebyshev) of
// each other.
SMLM_HD_INLINE bool is_local_maximum(const float* f, int w, int h, int x, int y, int r = 1) {
  const float v = f[y * w + x];
  for (int j = -r; j <= r; ++j) {
    const int yy = y + j;
    if (yy < 0 || yy >= h) continue;
    for (int i = -r; i <= r; ++i) {
      const int xx = x + i;
      if ((i == 0 && j == 0) || xx < 0 || xx >= w) continue;
      const float n = f[yy * w + xx];
      const bool earlier = j < 0 || (j == 0 && i < 0);
      if (earlier ? !(v > n) : !(v >= n)) return false;
    }
  }
  return true;
}

}  // namespace smlm::localization
