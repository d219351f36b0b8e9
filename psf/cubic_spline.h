// Cubic spline 3D PSF (Li et al. 2018, SMAP's fit3Dcspline; Babcock & Zhuang 2017): a measured or
// rendered PSF z-stack turned into a C² tricubic tensor-product spline, evaluated with exact first
// derivatives by the same SMLM_HD code on CPU and GPU.
//
// Grid. The stack has sx × sy samples per slice and sz slices; sample (a, b, k) sits at grid
// coordinate (a, b, k). Samples are `oversampling` per camera pixel laterally and dz_nm apart
// axially. The spline has nx × ny × nz = (sx − 1) × (sy − 1) × (sz − 1) voxels; voxel (i, j, k)
// spans [i, i+1] × [j, j+1] × [k, k+1] and holds 64 coefficients:
//   f(i + dx, j + dy, k + dz) = Σ_{a,b,c=0..3} coeff[v·64 + a + 4b + 16c] · dx^a · dy^b · dz^c,
//   v = (k·ny + j)·nx + i  (x fastest),  dx, dy, dz ∈ [0, 1].
// (SMAP stores a 4×4×4 array per voxel with the same exponents; Gpufit's order differs.)
// The spline interpolates the samples exactly (natural end conditions along every axis).
//
// Values. A sample is the fraction of the emitter's photons that a *camera* pixel centred at that
// offset receives (pixel-integrated PSF: what a bead stack measures). The model is
//   μ(i, j) = N · f(cx + s·(i − x), cy + s·(j − y), cz + z·pixel_size_nm/dz_nm) + bg,  s =
//   oversampling,
// with θ = (x, y, N, bg, z) as in psf/astigmatic_gaussian.h (z in camera pixels; z = 0 at slice
// coordinate cz; positive z = increasing slice index). Outside the lateral grid f = 0; z beyond
// the stack is clamped to its first/last slice (∂/∂z = 0 there).
//
// Normalization (build time, SplineSettings::normalization): kPerPlane scales every slice so that
// its samples at camera-pixel spacing sum to 1 (N = photons inside the stack window at every z;
// insensitive to bead bleaching); kFocalPlane scales the whole stack by one factor so that the
// slice nearest z = 0 sums to 1 (N = photons at focus; defocused planes keep their spill-out);
// kNone keeps the values.
#pragma once

#include <cmath>
#include <vector>

#include "core/hd.h"
#include "core/image.h"

namespace smlm::psf {

// The evaluable spline model: a non-owning view of a coefficient array in host or device memory
// (whichever memory `coeff` points into is where evaluate_roi may run), plus plain values.
struct CubicSplinePsf {
  static constexpr int kNumParams = 5;
  enum Param { kX = 0, kY = 1, kN = 2, kBg = 3, kZ = 4 };

  const float* coeff = nullptr;  // nx·ny·nz·64 floats, layout above
  int nx = 0, ny = 0, nz = 0;    // voxels per axis (samples − 1)
  double oversampling = 1.0;     // lateral grid samples per camera pixel
  double cx = 0.0, cy = 0.0;     // grid coordinates of the emitter's lateral position
  double cz = 0.0;               // slice coordinate of z = 0
  double dz_nm = 10.0;           // slice spacing [nm]
  double pixel_size_nm = 100.0;  // camera pixel [nm]: converts θ[kZ] [px] to slices

  // Slices per unit of θ[kZ].
  SMLM_HD double slices_per_px() const { return pixel_size_nm / dz_nm; }
  // The z range the stack covers, in px (for the fitters' bounds and start values).
  SMLM_HD double z_min_px() const { return -cz / slices_per_px(); }
  SMLM_HD double z_max_px() const { return (nz - cz) / slices_per_px(); }

  // f and its derivatives by the grid coordinates at (gx, gy, gz). Lateral points outside
  // [0, nx] × [0, ny] give 0; gz is clamped to [0, nz].
  SMLM_HD double value(double gx, double gy, double gz, double* df_dgx, double* df_dgy,
                       double* df_dgz) const {
    if (df_dgx) *df_dgx = 0.0;
    if (df_dgy) *df_dgy = 0.0;
    if (df_dgz) *df_dgz = 0.0;
    if (!(gx >= 0.0 && gx <= nx && gy >= 0.0 && gy <= ny)) return 0.0;
    bool z_clamped = false;
    if (!(gz >= 0.0)) {
      gz = 0.0;
      z_clamped = true;
    } else if (gz > nz) {
      gz = nz;
      z_clamped = true;
    }
    int i = static_cast<int>(gx), j = static_cast<int>(gy), k = static_cast<int>(gz);
    if (i > nx - 1) i = nx - 1;
    if (j > ny - 1) j = ny - 1;
    if (k > nz - 1) k = nz - 1;
    const double dx = gx - i, dy = gy - j, dz = gz - k;
    const float* a = coeff + ((static_cast<long long>(k) * ny + j) * nx + i) * 64;
    const double py[4] = {1.0, dy, dy * dy, dy * dy * dy};
    const double pz[4] = {1.0, dz, dz * dz, dz * dz * dz};
    const double qy[4] = {0.0, 1.0, 2.0 * dy, 3.0 * dy * dy};
    const double qz[4] = {0.0, 1.0, 2.0 * dz, 3.0 * dz * dz};
    double f = 0.0, fx = 0.0, fy = 0.0, fz = 0.0;
    for (int c = 0; c < 4; ++c) {
      double s = 0.0, sx = 0.0, sy = 0.0;  // Σ over a, b at this z power
      for (int b = 0; b < 4; ++b) {
        const float* r = a + 16 * c + 4 * b;
        const double row = r[0] + dx * (r[1] + dx * (r[2] + dx * r[3]));
        const double drow = r[1] + 2.0 * dx * r[2] + 3.0 * dx * dx * r[3];
        s += py[b] * row;
        sx += py[b] * drow;
        sy += qy[b] * row;
      }
      f += pz[c] * s;
      fx += pz[c] * sx;
      fy += pz[c] * sy;
      fz += qz[c] * s;
    }
    if (df_dgx) *df_dgx = fx;
    if (df_dgy) *df_dgy = fy;
    if (df_dgz) *df_dgz = z_clamped ? 0.0 : fz;
    return f;
  }

  // Calls f(k, μ_k, g) for every pixel k = y·w + x of a w × h ROI (pixel (0, 0) at coordinate
  // (0, 0)), in raster order, with g[p] = ∂μ_k/∂θ_p (kNumParams values). Any ROI size.
  template <class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    const double s = oversampling, spp = slices_per_px();
    const double gz = cz + theta[kZ] * spp;
    const double n = theta[kN], bg = theta[kBg];
    for (int j = 0; j < h; ++j) {
      const double gy = cy + s * (j - theta[kY]);
      for (int i = 0; i < w; ++i) {
        const double gx = cx + s * (i - theta[kX]);
        double fx, fy, fz, g[kNumParams];
        const double v = value(gx, gy, gz, &fx, &fy, &fz);
        g[kX] = -n * s * fx;
        g[kY] = -n * s * fy;
        g[kN] = v;
        g[kBg] = 1.0;
        g[kZ] = n * spp * fz;
        f(j * w + i, n * v + bg, static_cast<const double*>(g));
      }
    }
  }

  // Expected photons in a w × h ROI (pixel (0, 0) at coordinate (0, 0)) and, if jac is not null,
  // their derivatives jac[k·kNumParams + p], k = y·w + x (for_each_pixel's values, stored;
  // without jac the derivatives are not computed). Any ROI size.
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    if (jac) {
      for_each_pixel(theta, w, h, [&](int k, double m, const double* g) {
        mu[k] = m;
        for (int p = 0; p < kNumParams; ++p) jac[k * kNumParams + p] = g[p];
      });
      return;
    }
    const double s = oversampling, gz = cz + theta[kZ] * slices_per_px();
    for (int j = 0; j < h; ++j)
      for (int i = 0; i < w; ++i)
        mu[j * w + i] = theta[kN] * value(cx + s * (i - theta[kX]), cy + s * (j - theta[kY]), gz,
                                          nullptr, nullptr, nullptr) +
                        theta[kBg];
  }
};

// How build_cubic_spline reads a stack.
struct SplineSettings {
  enum class Normalization { kPerPlane, kFocalPlane, kNone };
  int oversampling = 1;          // lateral samples per camera pixel in the stack (≥ 1)
  double dz_nm = 10.0;           // slice spacing [nm] (> 0)
  double pixel_size_nm = 100.0;  // camera pixel [nm] (> 0)
  double cx = NAN, cy = NAN;     // emitter position in sample coordinates; NaN: the centre
                                 // (sx − 1)/2, (sy − 1)/2
  double cz = NAN;               // slice coordinate of z = 0; NaN: the middle (sz − 1)/2
  Normalization normalization = Normalization::kPerPlane;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// Owns the coefficients of a spline PSF (host memory) and hands out CubicSplinePsf views.
class CubicSpline {
 public:
  CubicSpline() = default;
  // Builds from a stack: one image per slice in slice order, all the same size, at least 2×2
  // samples and 2 slices. Throws smlm::Error on bad input.
  CubicSpline(const std::vector<ImageF>& stack, const SplineSettings& s);
  // Adopts existing coefficients (e.g. loaded from a file); `view` describes them (its coeff
  // pointer is ignored). Throws if the size does not match.
  CubicSpline(std::vector<float> coefficients, const CubicSplinePsf& view);

  // A view on this object's coefficients (valid while this object lives and is not moved).
  CubicSplinePsf model() const {
    CubicSplinePsf m = view_;
    m.coeff = coeff_.data();
    return m;
  }
  const std::vector<float>& coefficients() const { return coeff_; }
  // The normalized samples the spline interpolates (empty when built from coefficients).
  const std::vector<ImageF>& samples() const { return samples_; }
  bool empty() const { return coeff_.empty(); }

 private:
  std::vector<float> coeff_;
  std::vector<ImageF> samples_;
  CubicSplinePsf view_;
};

// Coefficients of the 1D natural cubic spline through y[0..n−1] (unit spacing, n ≥ 2): for each
// interval t ∈ [i, i+1], p_i(t) = Σ_a out[4i + a]·(t − i)^a. Exposed for tests.
void natural_cubic_spline_1d(const double* y, int n, double* out);

}  // namespace smlm::psf
