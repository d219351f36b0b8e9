// Astigmatic 3D PSF: a pixel-integrated elliptical Gaussian whose widths follow the defocus curves
// σx(z), σy(z) of a cylindrical lens (Huang et al. 2008), plus the free-width elliptical Gaussian
// that calibration fits frame by frame. All of it is SMLM_HD: the same math on CPU and GPU.
//
// Units and conventions (shared with psf/cubic_spline.h, so both 3D models agree):
//   θ = (x [px], y [px], N [photons], bg [photons/px], z [px]); pixel i's centre at coordinate i.
//   z is in *lateral camera pixels* like x and y (z_nm = z · pixel_size_nm): the fitters work in
//   pixels, and one factor converts all three coordinates to the table's nanometres.
//   z = 0 where σx(z) = σy(z) (the calibration puts it there); positive z = increasing frame index
//   of the calibration bead stack (the stage moving the focus the way the stack was taken).
//   Defocus curves are stored in ThunderSTORM's units: z, c, d in nm, σ in px.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "psf/integrated_gaussian.h"

namespace smlm::psf {

// One defocus curve σ(z) [px] of z [nm], in one of ThunderSTORM's two forms:
//   kHuang      σ = σ0·√(1 + u² + A·u³ + B·u⁴),  u = (z − c)/d     (Huang et al. 2008; "Huang '08")
//   kPolynomial σ = σ0 + p2·(z − c)² + p3·(z − c)³                 (ThunderSTORM's own model)
// σ is floored at kMinSigma (the quartic can dip below zero far from the data); where the floor
// holds, dσ/dz = 0, so value and derivative stay consistent.
struct DefocusCurve {
  enum Form : int { kHuang = 0, kPolynomial = 1 };
  static constexpr double kMinSigma = 0.05;  // px

  int form = kHuang;
  double sigma0 = 1.0;  // [px] width at the focal offset (kPolynomial: the constant term)
  double c = 0.0;       // [nm] focal offset: z of the narrowest width
  double d = 400.0;     // [nm] depth of focus (kHuang only)
  double A = 0.0;       // cubic coefficient (kHuang, dimensionless)
  double B = 0.0;       // quartic coefficient (kHuang, dimensionless)
  double p2 = 0.0;      // [px/nm²] (kPolynomial)
  double p3 = 0.0;      // [px/nm³] (kPolynomial)

  // σ(z) and dσ/dz [px/nm] at z [nm].
  SMLM_HD void eval(double z_nm, double& sigma, double& dsigma_dz) const {
    const double t = z_nm - c;
    if (form == kPolynomial) {
      sigma = sigma0 + p2 * t * t + p3 * t * t * t;
      dsigma_dz = 2.0 * p2 * t + 3.0 * p3 * t * t;
    } else {
      const double u = t / d;
      const double q = 1.0 + u * u + A * u * u * u + B * u * u * u * u;
      const double dq_du = 2.0 * u + 3.0 * A * u * u + 4.0 * B * u * u * u;
      const double s = sigma0 * std::sqrt(q > 0.0 ? q : 0.0);
      sigma = s;
      dsigma_dz = s > 0.0 ? sigma0 * sigma0 * dq_du / (2.0 * s * d) : 0.0;
    }
    if (!(sigma >= kMinSigma)) {
      sigma = kMinSigma;
      dsigma_dz = 0.0;
    }
  }
  SMLM_HD double sigma(double z_nm) const {
    double s, ds;
    eval(z_nm, s, ds);
    return s;
  }
};

// The elliptical integrated Gaussian with free widths, θ = (x, y, N, bg, σx, σy) [px, px,
// photons, photons/px, px, px]: what calibration fits to each frame of a bead stack, and the
// separable evaluation the astigmatic model shares.
struct EllipticalGaussian {
  static constexpr int kNumParams = 6;
  enum Param { kX = 0, kY = 1, kN = 2, kBg = 3, kSigmaX = 4, kSigmaY = 5 };
  static constexpr int kMaxRoi = IntegratedGaussian::kMaxRoi;

  // Calls f(k, μ_k, g) for every pixel k = y·w + x of a w × h ROI (pixel (0, 0) at coordinate
  // (0, 0); 1 ≤ w, h ≤ kMaxSide), in raster order, for θ's x, y, N, bg and the widths sx, sy:
  // g[0..3] the derivatives by x, y, N, bg, then, with dsigma_dz null, g[4], g[5] by σx and σy;
  // otherwise g[4] = ∂μ/∂σx · dsigma_dz[0] + ∂μ/∂σy · dsigma_dz[1] (a z parameter through the
  // widths' defocus curves). Separable, like IntegratedGaussian::for_each_pixel.
  template <int kMaxSide = kMaxRoi, class F>
  SMLM_HD static void for_each_pixel_widths(const double* theta, double sx, double sy, int w, int h,
                                            const double* dsigma_dz, F&& f) {
    double ex[kMaxSide], dex[kMaxSide], dsx[kMaxSide];
    double ey[kMaxSide], dey[kMaxSide], dsy[kMaxSide];
    IntegratedGaussian::integrals_1d(w, theta[kX], sx, ex, dex, dsx);
    IntegratedGaussian::integrals_1d(h, theta[kY], sy, ey, dey, dsy);
    const double n = theta[kN], bg = theta[kBg];
    for (int j = 0; j < h; ++j) {
      for (int i = 0; i < w; ++i) {
        double g[kNumParams];
        g[kX] = n * dex[i] * ey[j];
        g[kY] = n * ex[i] * dey[j];
        g[kN] = ex[i] * ey[j];
        g[kBg] = 1.0;
        const double gsx = n * dsx[i] * ey[j], gsy = n * ex[i] * dsy[j];
        if (dsigma_dz) {
          g[4] = gsx * dsigma_dz[0] + gsy * dsigma_dz[1];
          g[5] = 0.0;
        } else {
          g[4] = gsx;
          g[5] = gsy;
        }
        f(j * w + i, n * ex[i] * ey[j] + bg, static_cast<const double*>(g));
      }
    }
  }

  // The values of for_each_pixel_widths stored: mu[k] and, when jac is not null,
  // jac[k·stride + 0..4] (+ 5 when dsigma_dz is null).
  SMLM_HD static void evaluate_widths(const double* theta, double sx, double sy, int w, int h,
                                      double* mu, double* jac, int stride,
                                      const double* dsigma_dz) {
    const int np = dsigma_dz ? 5 : 6;
    for_each_pixel_widths(theta, sx, sy, w, h, dsigma_dz, [&](int k, double m, const double* g) {
      mu[k] = m;
      if (jac)
        for (int p = 0; p < np; ++p) jac[k * stride + p] = g[p];
    });
  }

  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    evaluate_widths(theta, theta[kSigmaX], theta[kSigmaY], w, h, mu, jac, kNumParams, nullptr);
  }
};

// A calibrated astigmatic PSF: the two curves and the z range the calibration data covered.
// Plain values, trivially copyable to the GPU.
struct AstigmaticCalibration {
  DefocusCurve x, y;         // σx(z), σy(z)
  double z_min_nm = -600.0;  // calibrated range [nm] (fits should keep z inside it)
  double z_max_nm = 600.0;
};

// The astigmatic 3D model: μ(i, j) = N · Ex(i; x, σx(z)) · Ey(j; y, σy(z)) + bg, with Ex, Ey the
// pixel integrals of IntegratedGaussian. Satisfies the fitters' Model concept (kNumParams,
// evaluate_roi). The Jacobian is exact, ∂/∂z included (through dσ/dz).
struct AstigmaticGaussian {
  static constexpr int kNumParams = 5;
  enum Param { kX = 0, kY = 1, kN = 2, kBg = 3, kZ = 4 };
  static constexpr int kMaxRoi = IntegratedGaussian::kMaxRoi;  // largest ROI side

  AstigmaticCalibration cal;
  double pixel_size_nm = 100.0;  // converts θ[kZ] [px] to the curves' nm

  AstigmaticGaussian() = default;
  AstigmaticGaussian(const AstigmaticCalibration& c, double pixel_nm)
      : cal(c), pixel_size_nm(pixel_nm) {}

  // σx, σy [px] and their derivatives by z [px/px] at z [px].
  SMLM_HD void sigmas(double z_px, double& sx, double& sy, double& dsx_dz, double& dsy_dz) const {
    const double z_nm = z_px * pixel_size_nm;
    cal.x.eval(z_nm, sx, dsx_dz);
    cal.y.eval(z_nm, sy, dsy_dz);
    dsx_dz *= pixel_size_nm;
    dsy_dz *= pixel_size_nm;
  }
  // The calibrated z range in px (for the fitters' bounds and start values).
  SMLM_HD double z_min_px() const { return cal.z_min_nm / pixel_size_nm; }
  SMLM_HD double z_max_px() const { return cal.z_max_nm / pixel_size_nm; }

  // Expected photons in a w × h ROI (pixel (0, 0) at coordinate (0, 0); 1 ≤ w, h ≤ kMaxRoi) and,
  // if jac is not null, their derivatives jac[k·kNumParams + p], k = y·w + x.
  SMLM_HD void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) const {
    double sx, sy, dsigma_dz[2];
    sigmas(theta[kZ], sx, sy, dsigma_dz[0], dsigma_dz[1]);
    EllipticalGaussian::evaluate_widths(theta, sx, sy, w, h, mu, jac, kNumParams, dsigma_dz);
  }
  // The same values per pixel, f(k, μ_k, ∂μ_k/∂θ) (EllipticalGaussian::for_each_pixel_widths;
  // w, h ≤ kMaxSide).
  template <int kMaxSide = kMaxRoi, class F>
  SMLM_HD void for_each_pixel(const double* theta, int w, int h, F&& f) const {
    double sx, sy, dsigma_dz[2];
    sigmas(theta[kZ], sx, sy, dsigma_dz[0], dsigma_dz[1]);
    EllipticalGaussian::for_each_pixel_widths<kMaxSide>(theta, sx, sy, w, h, dsigma_dz, f);
  }
};

}  // namespace smlm::psf
