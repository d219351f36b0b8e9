// Regions of interest: where a square ROI sits around a candidate, cutting it out of a frame, and
// the start values a fitter takes from its pixels. SMLM_HD, so a batched GPU fitter can share them.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

// Origin (x0, y0) of the (2·radius + 1)² ROI centred on pixel (cx, cy), shifted inside a
// width × height frame when the candidate is near the border. False (and no origin) when the
// frame is smaller than the ROI in either direction.
SMLM_HD_INLINE bool place_roi(int cx, int cy, int radius, int width, int height, int& x0, int& y0) {
  const int size = 2 * radius + 1;
  if (width < size || height < size) return false;
  x0 = cx - radius;
  y0 = cy - radius;
  x0 = x0 < 0 ? 0 : (x0 > width - size ? width - size : x0);
  y0 = y0 < 0 ? 0 : (y0 > height - size ? height - size : y0);
  return true;
}

// Copies the w × h window at (x0, y0) of a row-major frame (frame_w wide) into roi (row-major,
// w × h). The window must lie inside the frame.
SMLM_HD_INLINE void extract_roi(const float* frame, int frame_w, int x0, int y0, int w, int h,
                                float* roi) {
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) roi[j * w + i] = frame[(y0 + j) * frame_w + x0 + i];
}

// e[i] = ∫ over [i − ½, i + ½] of a unit Gaussian centred at x0 with width sigma, i < n
// (psf::IntegratedGaussian::pixel_integrals: one erf per pixel edge).
SMLM_HD_INLINE void pixel_integrals_1d(int n, double x0, double sigma, double* e) {
  psf::IntegratedGaussian::pixel_integrals(n, x0, sigma, e);
}

// Start values θ = (x, y, N, bg, σ) [ROI pixels, photoelectrons] for a fit of the integrated
// Gaussian to a w × h ROI (w, h ≤ IntegratedGaussian::kMaxRoi) of photoelectrons:
//  - x, y: intensity centroid of the ROI above its minimum (the ROI centre if it is flat);
//  - N, bg: linear least squares of the data on N·PSF(x, y, σ) + bg, falling back to
//    bg = min and N = max(background-subtracted sum, (max − min)·2πσ²) if that is not positive;
//  - σ = sigma.
// Negative counts are read as 0. Values are not clamped to any fitter's bounds.
SMLM_HD_INLINE void initial_theta(const float* roi, int w, int h, double sigma, double* theta) {
  using G = psf::IntegratedGaussian;
  const int n = w * h;
  double mn = 1e300, mx = -1e300;
  for (int k = 0; k < n; ++k) {
    const double v = roi[k] > 0 ? roi[k] : 0.0;
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  double sw = 0, sx = 0, sy = 0;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double v = (roi[j * w + i] > 0 ? roi[j * w + i] : 0.0) - mn;
      sw += v;
      sx += v * i;
      sy += v * j;
    }
  const double x0 = sw > 0 ? sx / sw : 0.5 * (w - 1);
  const double y0 = sw > 0 ? sy / sw : 0.5 * (h - 1);

  double ex[G::kMaxRoi], ey[G::kMaxRoi];
  pixel_integrals_1d(w, x0, sigma, ex);
  pixel_integrals_1d(h, y0, sigma, ey);
  double sg = 0, sgg = 0, sk = 0, sgk = 0;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double g = ex[i] * ey[j];
      const double k = roi[j * w + i] > 0 ? roi[j * w + i] : 0.0;
      sg += g;
      sgg += g * g;
      sk += k;
      sgk += g * k;
    }
  const double det = n * sgg - sg * sg;
  double nph = det > 0 ? (n * sgk - sg * sk) / det : -1.0;
  double bg = det > 0 ? (sk - nph * sg) / n : -1.0;
  if (!(nph > 0 && bg > 0)) {
    bg = mn;
    const double by_sum = sk - n * mn;
    const double by_peak = (mx - mn) * 6.283185307179586 * sigma * sigma;
    nph = by_sum > by_peak ? by_sum : by_peak;
  }
  theta[G::kX] = x0;
  theta[G::kY] = y0;
  theta[G::kN] = nph;
  theta[G::kBg] = bg;
  theta[G::kSigma] = sigma;
}

}  // namespace smlm::localization
