// The pixel-integrated 2D Gaussian PSF (Smith et al. 2010; ThunderSTORM's recommended model):
//   mu(i, j) = N · Ex(i) · Ey(j) + b,
//   Ex(i) = ½[erf((i − x + ½)/(√2σ)) − erf((i − x − ½)/(√2σ))],
// in pixel units with pixel i's centre at coordinate i. Parameters, in this order:
//   θ = (x [px], y [px], N [photons], b [photons/px], σ [px]).
// Everything here is SMLM_HD: the simulator, the Ceres fitter, the batched fitter and the CUDA
// kernels all call these functions.
#pragma once

#include <cmath>

#include "core/hd.h"

namespace smlm::psf {

struct IntegratedGaussian {
  static constexpr int kNumParams = 5;
  enum Param { kX = 0, kY = 1, kN = 2, kBg = 3, kSigma = 4 };
  static constexpr int kMaxRoi = 64;  // largest ROI side evaluate_roi accepts

  // The 1D pixel integral of a unit Gaussian over [i − ½, i + ½] and its derivatives with
  // respect to the centre x0 and the width sigma.
  SMLM_HD static void integral_1d(double i, double x0, double sigma, double& e, double& de_dx0,
                                  double& de_dsigma) {
    constexpr double kInvSqrt2 = 0.70710678118654752440;
    constexpr double kInvSqrt2Pi = 0.39894228040143267794;
    const double a = i - x0 + 0.5, b = i - x0 - 0.5;
    const double is = 1.0 / sigma;
    const double ga = std::exp(-0.5 * a * a * is * is), gb = std::exp(-0.5 * b * b * is * is);
    e = 0.5 * (std::erf(a * kInvSqrt2 * is) - std::erf(b * kInvSqrt2 * is));
    de_dx0 = -kInvSqrt2Pi * is * (ga - gb);
    de_dsigma = -kInvSqrt2Pi * is * is * (a * ga - b * gb);
  }

  SMLM_HD static double integral_1d(double i, double x0, double sigma) {
    constexpr double kInvSqrt2 = 0.70710678118654752440;
    return 0.5 * (std::erf((i - x0 + 0.5) * kInvSqrt2 / sigma) -
                  std::erf((i - x0 - 0.5) * kInvSqrt2 / sigma));
  }

  // e[i] = integral_1d(i, x0, sigma) for i < n, from the n + 1 pixel edges: one erf per edge,
  // shared by the two pixels beside it.
  SMLM_HD static void pixel_integrals(int n, double x0, double sigma, double* e) {
    const double c = 0.70710678118654752440 / sigma;
    double lower = std::erf((-0.5 - x0) * c);
    for (int i = 0; i < n; ++i) {
      const double upper = std::erf((i + 0.5 - x0) * c);
      e[i] = 0.5 * (upper - lower);
      lower = upper;
    }
  }

  // Expected photons at pixel (px, py).
  SMLM_HD static double value(const double* theta, double px, double py) {
    return theta[kN] * integral_1d(px, theta[kX], theta[kSigma]) *
               integral_1d(py, theta[kY], theta[kSigma]) +
           theta[kBg];
  }

  // Pixel integrals e[i] of a unit Gaussian centred at x0 over [i − ½, i + ½], i < side, and
  // their derivatives by x0 and σ. Each pixel edge's erf and exp serve the two pixels beside it:
  // side + 1 of each instead of 2·side.
  SMLM_HD static void integrals_1d(int side, double x0, double sigma, double* e, double* de_dx0,
                                   double* de_dsigma) {
    constexpr double kInvSqrt2 = 0.70710678118654752440;
    constexpr double kInvSqrt2Pi = 0.39894228040143267794;
    const double is = 1.0 / sigma;
    const double c_erf = kInvSqrt2 * is, c_exp = -0.5 * is * is;
    const double c_dx = -kInvSqrt2Pi * is, c_ds = -kInvSqrt2Pi * is * is;
    double u = -0.5 - x0;  // the edge below pixel 0
    double erf0 = std::erf(u * c_erf), g0 = std::exp(u * u * c_exp), ug0 = u * g0;
    for (int i = 0; i < side; ++i) {
      u = i + 0.5 - x0;
      const double erf1 = std::erf(u * c_erf), g1 = std::exp(u * u * c_exp), ug1 = u * g1;
      e[i] = 0.5 * (erf1 - erf0);
      de_dx0[i] = c_dx * (g1 - g0);
      de_dsigma[i] = c_ds * (ug1 - ug0);
      erf0 = erf1, g0 = g1, ug0 = ug1;
    }
  }

  // Calls f(k, μ_k, g) for every pixel k = y·w + x of a w × h ROI whose pixel (0, 0) is at
  // coordinate (0, 0), in raster order, with g[p] = ∂μ_k/∂θ_p (kNumParams values, valid during
  // the call). Separable: w + h + 2 erf/exp pairs for w·h pixels; the per-pixel values live in
  // registers, so a fitter can accumulate its sums without storing μ and the Jacobian (what keeps
  // a GPU thread's stack small). kMaxSide bounds w and h (stack arrays of 6·kMaxSide doubles).
  template <int kMaxSide = kMaxRoi, class F>
  SMLM_HD static void for_each_pixel(const double* theta, int w, int h, F&& f) {
    double ex[kMaxSide], dex[kMaxSide], dsx[kMaxSide];
    double ey[kMaxSide], dey[kMaxSide], dsy[kMaxSide];
    integrals_1d(w, theta[kX], theta[kSigma], ex, dex, dsx);
    integrals_1d(h, theta[kY], theta[kSigma], ey, dey, dsy);
    const double n = theta[kN], bg = theta[kBg];
    for (int j = 0; j < h; ++j) {
      const double nyj = n * ey[j], ndyj = n * dey[j], ndsyj = n * dsy[j];
      for (int i = 0; i < w; ++i) {
        double g[kNumParams];
        g[kX] = nyj * dex[i];
        g[kY] = ndyj * ex[i];
        g[kN] = ex[i] * ey[j];
        g[kBg] = 1.0;
        g[kSigma] = nyj * dsx[i] + ndsyj * ex[i];
        f(j * w + i, nyj * ex[i] + bg, static_cast<const double*>(g));
      }
    }
  }

  // Expected photons in a w × h ROI whose pixel (0, 0) is at coordinate (0, 0), and their
  // derivatives: mu[k], jac[k * kNumParams + p] with k = y·w + x. jac may be null. The values of
  // for_each_pixel, stored.
  template <int kMaxSide = kMaxRoi>
  SMLM_HD static void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) {
    for_each_pixel<kMaxSide>(theta, w, h, [&](int k, double m, const double* g) {
      mu[k] = m;
      if (jac)
        for (int p = 0; p < kNumParams; ++p) jac[k * kNumParams + p] = g[p];
    });
  }
};

}  // namespace smlm::psf
