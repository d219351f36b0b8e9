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

  // Expected photons at pixel (px, py).
  SMLM_HD static double value(const double* theta, double px, double py) {
    return theta[kN] * integral_1d(px, theta[kX], theta[kSigma]) *
               integral_1d(py, theta[kY], theta[kSigma]) +
           theta[kBg];
  }

  // Expected photons in a w × h ROI whose pixel (0, 0) is at coordinate (0, 0), and their
  // derivatives: mu[k], jac[k * kNumParams + p] with k = y·w + x. jac may be null.
  // Separable: 2(w + h) erf/exp pairs for w·h pixels.
  SMLM_HD static void evaluate_roi(const double* theta, int w, int h, double* mu, double* jac) {
    double ex[kMaxRoi], dex[kMaxRoi], dsx[kMaxRoi];
    double ey[kMaxRoi], dey[kMaxRoi], dsy[kMaxRoi];
    const double x0 = theta[kX], y0 = theta[kY], n = theta[kN], bg = theta[kBg];
    const double s = theta[kSigma];
    for (int i = 0; i < w; ++i) integral_1d(i, x0, s, ex[i], dex[i], dsx[i]);
    for (int j = 0; j < h; ++j) integral_1d(j, y0, s, ey[j], dey[j], dsy[j]);
    for (int j = 0; j < h; ++j) {
      for (int i = 0; i < w; ++i) {
        const int k = j * w + i;
        mu[k] = n * ex[i] * ey[j] + bg;
        if (jac) {
          double* g = jac + k * kNumParams;
          g[kX] = n * dex[i] * ey[j];
          g[kY] = n * ex[i] * dey[j];
          g[kN] = ex[i] * ey[j];
          g[kBg] = 1.0;
          g[kSigma] = n * (dsx[i] * ey[j] + ex[i] * dsy[j]);
        }
      }
    }
  }
};

}  // namespace smlm::psf
