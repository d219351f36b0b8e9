// Bead-stack calibration: detection on the smoothed mean projection, windows with per-slice border
// background removed, iterative 3D cross-correlation alignment (integer search, parabolic
// sub-voxel peak, cubic-spline resampling), a brightness-weighted average, Poisson elliptical
// Gaussian fits per slice (Ceres), robust defocus-curve fits (Ceres, Cauchy loss), and the spline.
#include "psf/calibration.h"

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::psf {

void CalibrationSettings::validate() const {
  SMLM_CHECK(std::isfinite(z_step_nm) && z_step_nm > 0,
             "calibration: z step must be > 0 nm, got " << z_step_nm);
  SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
             "calibration: pixel size must be > 0 nm, got " << pixel_size_nm);
  SMLM_CHECK(roi_half_px >= 3 && roi_half_px <= 30,
             "calibration: bead window half-size must be 3..30 px, got " << roi_half_px);
  SMLM_CHECK(max_beads >= 1, "calibration: max beads must be >= 1, got " << max_beads);
  SMLM_CHECK(std::isfinite(detection_sigma_px) && detection_sigma_px >= 0,
             "calibration: detection smoothing must be >= 0 px, got " << detection_sigma_px);
  SMLM_CHECK(max_shift_px >= 0 && max_shift_px < roi_half_px,
             "calibration: lateral alignment range must be 0.." << roi_half_px - 1 << " px, got "
                                                                << max_shift_px);
  SMLM_CHECK(max_shift_slices >= 0, "calibration: axial alignment range must be >= 0 slices");
  SMLM_CHECK(std::isfinite(max_sigma_px) && max_sigma_px > 0.5,
             "calibration: max sigma must be > 0.5 px, got " << max_sigma_px);
  SMLM_CHECK(std::isfinite(spline_smoothing_nm) && spline_smoothing_nm >= 0,
             "calibration: spline smoothing must be >= 0 nm, got " << spline_smoothing_nm);
  SMLM_CHECK(fit_astigmatic || z_origin != ZOrigin::kAstigmatic,
             "calibration: an astigmatic z origin needs the astigmatic fit");
  SMLM_CHECK(fit_astigmatic || build_spline, "calibration: nothing to calibrate");
}

AstigmaticGaussian PsfCalibration::astigmatic_model() const {
  SMLM_CHECK(has_astigmatic, "this PSF calibration has no astigmatic model");
  return AstigmaticGaussian(astigmatic, pixel_size_nm);
}

CubicSplinePsf PsfCalibration::spline_model() const {
  SMLM_CHECK(!spline.empty(), "this PSF calibration has no spline model");
  return spline.model();
}

namespace {

using Stack = std::vector<ImageF>;

// Below this median R² the elliptical Gaussian does not describe the PSF (double helix, ...).
constexpr double kMinAstigmaticQuality = 0.9;

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + m, v.end());
  return v[m];
}

// Separable Gaussian blur (σ in px), edges clamped.
ImageF gaussian_blur(const ImageF& in, double sigma) {
  if (sigma <= 0) return in;
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> k(2 * r + 1);
  double ks = 0;
  for (int i = -r; i <= r; ++i) ks += k[i + r] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& v : k) v /= ks;
  const int w = in.width(), h = in.height();
  ImageF tmp(w, h), out(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double s = 0;
      for (int i = -r; i <= r; ++i) s += k[i + r] * in(std::clamp(x + i, 0, w - 1), y);
      tmp(x, y) = static_cast<float>(s);
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double s = 0;
      for (int i = -r; i <= r; ++i) s += k[i + r] * tmp(x, std::clamp(y + i, 0, h - 1));
      out(x, y) = static_cast<float>(s);
    }
  return out;
}

// Samples a sequence at positions i + shift (i = 0..n−1) by its natural cubic spline (exact
// interpolation, far less blur than cubic convolution). Positions outside [0, n − 1] take
// `outside` (NaN: clamp to the end samples).
void spline_shift_1d(const double* in, int n, double shift, double outside, double* out,
                     std::vector<double>& scratch) {
  scratch.resize(4 * std::max(1, n - 1));
  if (n >= 2) natural_cubic_spline_1d(in, n, scratch.data());
  for (int i = 0; i < n; ++i) {
    double t = i + shift;
    if (t < 0 || t > n - 1) {
      if (!std::isnan(outside)) {
        out[i] = outside;
        continue;
      }
      t = std::clamp(t, 0.0, n - 1.0);
    }
    if (n < 2) {
      out[i] = in[0];
      continue;
    }
    const int j = std::min(static_cast<int>(t), n - 2);
    const double d = t - j;
    const double* c = &scratch[4 * j];
    out[i] = c[0] + d * (c[1] + d * (c[2] + d * c[3]));
  }
}

// out(x, y, k) = in(x + sx, y + sy, k + sz) by cubic-spline interpolation along each axis;
// laterally outside the window counts as 0, axially the slice is marked invalid (valid[k] = 0)
// when k + sz leaves the stack by more than half a slice (within that margin the end slice is
// repeated).
void shift_stack(const Stack& in, double sx, double sy, double sz, Stack& out,
                 std::vector<double>& valid) {
  const int n = static_cast<int>(in.size()), w = in[0].width(), h = in[0].height();
  out.assign(n, ImageF(w, h));
  valid.assign(n, 0.0);
  for (int k = 0; k < n; ++k) valid[k] = (k + sz >= -0.5 && k + sz <= n - 0.5) ? 1.0 : 0.0;
  std::vector<double> a(std::max({n, w, h})), b(a.size()), scratch;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      for (int k = 0; k < n; ++k) a[k] = in[k](x, y);
      spline_shift_1d(a.data(), n, sz, nan, b.data(), scratch);
      for (int k = 0; k < n; ++k) out[k](x, y) = static_cast<float>(b[k]);
    }
  for (int k = 0; k < n; ++k) {
    ImageF& im = out[k];
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) a[x] = im(x, y);
      spline_shift_1d(a.data(), w, sx, 0.0, b.data(), scratch);
      for (int x = 0; x < w; ++x) im(x, y) = static_cast<float>(b[x]);
    }
    for (int x = 0; x < w; ++x) {
      for (int y = 0; y < h; ++y) a[y] = im(x, y);
      spline_shift_1d(a.data(), h, sy, 0.0, b.data(), scratch);
      for (int y = 0; y < h; ++y) im(x, y) = static_cast<float>(b[y]);
    }
  }
}

// Normalized cross-correlation of b shifted by integer (dx, dy, dz) against a over their overlap:
// Σ a(p)·b(p + d) / √(Σa²·Σb²).
double ncc(const Stack& a, const Stack& b, int dx, int dy, int dz) {
  const int n = static_cast<int>(a.size()), w = a[0].width(), h = a[0].height();
  double sab = 0, saa = 0, sbb = 0;
  for (int k = std::max(0, -dz); k < std::min(n, n - dz); ++k) {
    const ImageF &ia = a[k], &ib = b[k + dz];
    for (int y = std::max(0, -dy); y < std::min(h, h - dy); ++y)
      for (int x = std::max(0, -dx); x < std::min(w, w - dx); ++x) {
        const double va = ia(x, y), vb = ib(x + dx, y + dy);
        sab += va * vb;
        saa += va * va;
        sbb += vb * vb;
      }
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

// The sub-voxel shift d maximizing ncc(ref, b, d): integer search, then a parabola per axis.
void align(const Stack& ref, const Stack& b, int max_xy, int max_z, double& dx, double& dy,
           double& dz, double& best) {
  const int n = static_cast<int>(ref.size());
  max_z = std::min(max_z, n / 3);
  const int nx = 2 * max_xy + 1, nz = 2 * max_z + 1;
  std::vector<double> cc(static_cast<size_t>(nx) * nx * nz);
  auto at = [&](int x, int y, int z) -> double& {
    return cc[(static_cast<size_t>(z + max_z) * nx + (y + max_xy)) * nx + (x + max_xy)];
  };
  // Coarse-to-fine in z would be faster; the full search costs well under a second per bead.
  kernels::parallel_for(static_cast<int64_t>(nz) * nx * nx, [&](int64_t i) {
    const int x = static_cast<int>(i % nx) - max_xy;
    const int y = static_cast<int>((i / nx) % nx) - max_xy;
    const int z = static_cast<int>(i / (nx * nx)) - max_z;
    at(x, y, z) = ncc(ref, b, x, y, z);
  });
  int bx = 0, by = 0, bz = 0;
  best = -2;
  for (int z = -max_z; z <= max_z; ++z)
    for (int y = -max_xy; y <= max_xy; ++y)
      for (int x = -max_xy; x <= max_xy; ++x)
        if (at(x, y, z) > best) {
          best = at(x, y, z);
          bx = x;
          by = y;
          bz = z;
        }
  auto parabola = [](double m, double c, double p) {
    const double den = m - 2 * c + p;
    return den < 0 ? std::clamp(0.5 * (m - p) / den, -0.5, 0.5) : 0.0;
  };
  dx = bx + (std::abs(bx) < max_xy ? parabola(at(bx - 1, by, bz), best, at(bx + 1, by, bz)) : 0.0);
  dy = by + (std::abs(by) < max_xy ? parabola(at(bx, by - 1, bz), best, at(bx, by + 1, bz)) : 0.0);
  dz = bz + (std::abs(bz) < max_z ? parabola(at(bx, by, bz - 1), best, at(bx, by, bz + 1)) : 0.0);
}

// ----- Poisson elliptical Gaussian fit of one image (Ceres) -----

void deviance(double mu, double k, double& r, double& dr_dmu) {
  mu = std::max(mu, 1e-12);
  k = std::max(k, 0.0);
  double d = 2.0 * (mu - k);
  if (k > 0) d -= 2.0 * k * std::log(mu / k);
  d = std::max(d, 0.0);
  const double s = mu >= k ? 1.0 : -1.0;
  r = s * std::sqrt(d);
  // dD/dμ = 2(1 − k/μ); dr/dμ = (1 − k/μ)/r, its limit at μ = k is 1/√μ.
  dr_dmu = std::fabs(r) > 1e-8 ? (1.0 - k / mu) / r : 1.0 / std::sqrt(mu);
}

class EllipticalCost final : public ceres::CostFunction {
 public:
  EllipticalCost(const ImageF& img) : img_(img), mu_(img.size()), jac_(img.size() * 6) {
    set_num_residuals(static_cast<int>(img.size()));
    mutable_parameter_block_sizes()->push_back(6);
  }
  bool Evaluate(double const* const* p, double* res, double** jacobians) const override {
    for (int i = 0; i < 6; ++i)
      if (!std::isfinite(p[0][i])) return false;
    const bool want = jacobians != nullptr && jacobians[0] != nullptr;
    EllipticalGaussian().evaluate_roi(p[0], img_.width(), img_.height(), mu_.data(),
                                      want ? jac_.data() : nullptr);
    for (size_t k = 0; k < img_.size(); ++k) {
      double dr;
      deviance(mu_[k], img_.vec()[k], res[k], dr);
      if (want)
        for (int i = 0; i < 6; ++i) jacobians[0][k * 6 + i] = dr * jac_[k * 6 + i];
    }
    return true;
  }

 private:
  const ImageF& img_;
  mutable std::vector<double> mu_, jac_;
};

struct EllipticalFit {
  double theta[6] = {};
  double r2 = 0;  // fraction of the variance about the mean that the model explains
  bool ok = false;
};

// img: photons (background included, ≥ 0 expected). Start from moments.
EllipticalFit fit_elliptical(const ImageF& img) {
  const int w = img.width(), h = img.height();
  std::vector<double> v(img.vec().begin(), img.vec().end());
  const double bg0 = std::max(1e-3, median(v));
  double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double a = std::max(0.0, img(x, y) - bg0);
      s += a;
      sx += a * x;
      sy += a * y;
    }
  EllipticalFit f;
  if (!(s > 0)) return f;
  const double mx = sx / s, my = sy / s;
  double sxx = 0, syy = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double a = std::max(0.0, img(x, y) - bg0);
      sxx += a * (x - mx) * (x - mx);
      syy += a * (y - my) * (y - my);
    }
  double* t = f.theta;
  t[0] = mx;
  t[1] = my;
  t[2] = s;
  t[3] = bg0;
  t[4] = std::clamp(std::sqrt(sxx / s), 0.6, 8.0);
  t[5] = std::clamp(std::sqrt(syy / s), 0.6, 8.0);
  ceres::Problem problem;
  problem.AddResidualBlock(new EllipticalCost(img), nullptr, t);
  problem.SetParameterLowerBound(t, 0, -1.0);
  problem.SetParameterUpperBound(t, 0, w);
  problem.SetParameterLowerBound(t, 1, -1.0);
  problem.SetParameterUpperBound(t, 1, h);
  problem.SetParameterLowerBound(t, 2, 1e-3);
  problem.SetParameterLowerBound(t, 3, 1e-6);
  for (int i : {4, 5}) {
    problem.SetParameterLowerBound(t, i, 0.3);
    problem.SetParameterUpperBound(t, i, 0.5 * std::max(w, h));
  }
  ceres::Solver::Options o;
  o.linear_solver_type = ceres::DENSE_NORMAL_CHOLESKY;
  o.logging_type = ceres::SILENT;
  o.num_threads = 1;
  o.max_num_iterations = 100;
  o.function_tolerance = 1e-10;
  o.parameter_tolerance = 1e-10;
  ceres::Solver::Summary sum;
  ceres::Solve(o, &problem, &sum);
  f.ok = sum.termination_type == ceres::CONVERGENCE;
  std::vector<double> mu(img.size());
  EllipticalGaussian().evaluate_roi(t, w, h, mu.data(), nullptr);
  double mean = 0;
  for (double a : v) mean += a;
  mean /= v.size();
  double ss_res = 0, ss_tot = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    ss_res += (v[k] - mu[k]) * (v[k] - mu[k]);
    ss_tot += (v[k] - mean) * (v[k] - mean);
  }
  f.r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
  return f;
}

// ----- defocus-curve fit -----

struct HuangResidual {
  HuangResidual(double z, double s) : z_(z), s_(s) {}
  template <class T>
  bool operator()(const T* p, T* r) const {  // p = (σ0, c, d, A, B)
    const T u = (T(z_) - p[1]) / p[2];
    T q = T(1) + u * u + p[3] * u * u * u + p[4] * u * u * u * u;
    if (q < T(1e-6)) q = T(1e-6);
    r[0] = p[0] * sqrt(q) - T(s_);
    return true;
  }
  double z_, s_;
};

// Fits the Huang curve to (z [nm], σ [px]); returns false if Ceres fails or the result is absurd.
bool fit_huang(const std::vector<double>& z, const std::vector<double>& s, DefocusCurve& out) {
  if (z.size() < 8) return false;
  const size_t imin = std::min_element(s.begin(), s.end()) - s.begin();
  double p[5] = {s[imin], z[imin], 300.0, 0.0, 0.0};
  // Depth of focus: the z distance at which σ reaches √2·σ0, on the wider-sampled side.
  double dist = 0;
  for (size_t i = 0; i < z.size(); ++i)
    if (s[i] >= std::sqrt(2.0) * s[imin]) {
      const double d = std::fabs(z[i] - z[imin]);
      if (dist == 0 || d < dist) dist = d;
    }
  if (dist > 0) p[2] = dist;
  ceres::Problem problem;
  for (size_t i = 0; i < z.size(); ++i)
    problem.AddResidualBlock(
        new ceres::AutoDiffCostFunction<HuangResidual, 1, 5>(new HuangResidual(z[i], s[i])),
        new ceres::CauchyLoss(0.2), p);
  problem.SetParameterLowerBound(p, 0, 0.05);
  problem.SetParameterLowerBound(p, 2, 10.0);
  ceres::Solver::Options o;
  o.linear_solver_type = ceres::DENSE_QR;
  o.logging_type = ceres::SILENT;
  o.max_num_iterations = 200;
  o.function_tolerance = 1e-12;
  o.parameter_tolerance = 1e-12;
  ceres::Solver::Summary sum;
  ceres::Solve(o, &problem, &sum);
  if (sum.termination_type != ceres::CONVERGENCE && sum.termination_type != ceres::NO_CONVERGENCE)
    return false;
  for (double v : p)
    if (!std::isfinite(v)) return false;
  out = DefocusCurve{};
  out.form = DefocusCurve::kHuang;
  out.sigma0 = p[0];
  out.c = p[1];
  out.d = p[2];
  out.A = p[3];
  out.B = p[4];
  return true;
}

// z where σx(z) = σy(z) between the two foci (bisection); NaN if the curves do not cross there.
double crossing(const DefocusCurve& x, const DefocusCurve& y) {
  double a = std::min(x.c, y.c), b = std::max(x.c, y.c);
  auto g = [&](double z) { return x.sigma(z) - y.sigma(z); };
  double ga = g(a), gb = g(b);
  if (!(ga * gb < 0)) return std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 100; ++i) {
    const double m = 0.5 * (a + b), gm = g(m);
    if (ga * gm <= 0) {
      b = m;
    } else {
      a = m;
      ga = gm;
    }
  }
  return 0.5 * (a + b);
}

// Sharpness Σf²/(Σf)² per slice (background removed, clipped at 0), lightly smoothed over z;
// returns the sub-slice position of its maximum, or NaN when there is no clear focus: a maximum
// in the outer tenth of the stack or less than 1.5× the sharpness at both ends (double helix).
double sharpest_slice(const Stack& avg) {
  const int n = static_cast<int>(avg.size());
  std::vector<double> sh(n, 0.0);
  for (int k = 0; k < n; ++k) {
    double s = 0, s2 = 0;
    for (float v : avg[k].vec()) {
      const double a = std::max(0.0f, v);
      s += a;
      s2 += a * a;
    }
    sh[k] = s > 0 ? s2 / (s * s) : 0.0;
  }
  std::vector<double> sm(n, 0.0);
  for (int k = 0; k < n; ++k) {
    double a = 0, c = 0;
    for (int j = std::max(0, k - 3); j <= std::min(n - 1, k + 3); ++j) {
      a += sh[j];
      c += 1;
    }
    sm[k] = a / c;
  }
  const int km = static_cast<int>(std::max_element(sm.begin(), sm.end()) - sm.begin());
  if (km < n / 10 || km > n - 1 - n / 10 || sm[km] < 1.5 * std::max(sm.front(), sm.back()))
    return std::numeric_limits<double>::quiet_NaN();
  const double m = sm[km - 1], c = sm[km], p = sm[km + 1], den = m - 2 * c + p;
  return km + (den < 0 ? std::clamp(0.5 * (m - p) / den, -0.5, 0.5) : 0.0);
}

struct Bead {
  int x, y;
  double score;
};

// Beads with no other bead inside their window. `spacing` (when not null) receives the median
// distance [px, the larger of |dx| and |dy|] from each bead found to its nearest neighbour, or
// 0 with fewer than two beads: what a window must stay under.
std::vector<Bead> find_beads(const Stack& frames, const CalibrationSettings& s,
                             int* spacing = nullptr) {
  const int w = frames[0].width(), h = frames[0].height(), hr = s.roi_half_px;
  ImageF proj(w, h);
  for (const ImageF& f : frames) {
    std::vector<double> v(f.vec().begin(), f.vec().end());
    const float bg = static_cast<float>(median(v));
    for (size_t p = 0; p < f.size(); ++p) proj.vec()[p] += (f.vec()[p] - bg) / frames.size();
  }
  const ImageF sm = gaussian_blur(proj, s.detection_sigma_px);
  std::vector<double> v(sm.vec().begin(), sm.vec().end());
  const double med = median(v);
  std::vector<double> dev;
  for (double a : v) dev.push_back(std::fabs(a - med));
  const double noise = 1.4826 * median(dev);
  double peak = 0;
  for (int y = hr; y < h - hr; ++y)
    for (int x = hr; x < w - hr; ++x) peak = std::max(peak, static_cast<double>(sm(x, y)));
  const double thr = std::max(med + 8 * noise, med + 0.2 * (peak - med));
  // Local maxima over a radius of half the window, away from the edges.
  const int r = std::max(2, hr / 2);
  std::vector<Bead> cand;
  for (int y = hr; y < h - hr; ++y)
    for (int x = hr; x < w - hr; ++x) {
      const float c = sm(x, y);
      if (c <= thr) continue;
      bool is_max = true;
      for (int dy = -r; dy <= r && is_max; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const int xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h || (dx == 0 && dy == 0)) continue;
          if (sm(xx, yy) > c || (sm(xx, yy) == c && (dy < 0 || (dy == 0 && dx < 0)))) {
            is_max = false;
            break;
          }
        }
      if (!is_max) continue;
      // Centre by the centroid of the projection near the maximum (merges the two lobes of a
      // double-helix bead); a few mean-shift steps.
      double cx = x, cy = y;
      for (int it = 0; it < 5; ++it) {
        double a = 0, ax = 0, ay = 0;
        const int rr = std::max(3, (2 * hr) / 3);
        for (int yy = static_cast<int>(cy) - rr; yy <= static_cast<int>(cy) + rr; ++yy)
          for (int xx = static_cast<int>(cx) - rr; xx <= static_cast<int>(cx) + rr; ++xx) {
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            const double val = std::max(0.0, static_cast<double>(proj(xx, yy)) - med);
            a += val;
            ax += val * xx;
            ay += val * yy;
          }
        if (a <= 0) break;
        cx = ax / a;
        cy = ay / a;
      }
      const int bx = static_cast<int>(std::lround(cx)), by = static_cast<int>(std::lround(cy));
      if (bx < hr || by < hr || bx >= w - hr || by >= h - hr) continue;
      cand.push_back({bx, by, c});
    }
  // Merge maxima that refined to the same bead; then drop beads with a neighbour inside the window.
  std::sort(cand.begin(), cand.end(),
            [](const Bead& a, const Bead& b) { return a.score > b.score; });
  std::vector<Bead> merged;
  for (const Bead& b : cand) {
    bool dup = false;
    for (const Bead& m : merged)
      dup = dup || (std::abs(m.x - b.x) <= 2 && std::abs(m.y - b.y) <= 2);
    if (!dup) merged.push_back(b);
  }
  if (spacing) {
    std::vector<int> nearest;
    for (size_t i = 0; i < merged.size(); ++i) {
      int d = std::numeric_limits<int>::max();
      for (size_t j = 0; j < merged.size(); ++j)
        if (i != j)
          d = std::min(d, std::max(std::abs(merged[i].x - merged[j].x),
                                   std::abs(merged[i].y - merged[j].y)));
      if (d != std::numeric_limits<int>::max()) nearest.push_back(d);
    }
    std::sort(nearest.begin(), nearest.end());
    *spacing = nearest.empty() ? 0 : nearest[nearest.size() / 2];
  }
  std::vector<Bead> out;
  for (size_t i = 0; i < merged.size(); ++i) {
    bool crowded = false;
    for (size_t j = 0; j < merged.size(); ++j)
      if (i != j && std::abs(merged[i].x - merged[j].x) <= 2 * hr &&
          std::abs(merged[i].y - merged[j].y) <= 2 * hr)
        crowded = true;
    if (!crowded) out.push_back(merged[i]);
    if (static_cast<int>(out.size()) == s.max_beads) break;
  }
  return out;
}

}  // namespace

CalibrationResult calibrate_beads(const std::vector<ImageF>& frames, const CalibrationSettings& s) {
  s.validate();
  const int n = static_cast<int>(frames.size());
  SMLM_CHECK(n >= 8, "calibration: the bead stack has " << n << " slices; at least 8 are needed");
  const int fw = frames[0].width(), fh = frames[0].height(), hr = s.roi_half_px, side = 2 * hr + 1;
  for (int k = 0; k < n; ++k)
    SMLM_CHECK(frames[k].width() == fw && frames[k].height() == fh,
               "calibration: slice " << k << " is " << frames[k].width() << "x"
                                     << frames[k].height() << ", slice 0 is " << fw << "x" << fh);
  SMLM_CHECK(fw >= side && fh >= side, "calibration: frames of " << fw << "x" << fh
                                                                 << " px are smaller than the bead "
                                                                    "window of "
                                                                 << side << " px");

  CalibrationResult res;
  int spacing = 0;
  const std::vector<Bead> found = find_beads(frames, s, &spacing);
  if (found.empty() && spacing > 0) {
    // Beads were there, but each had a neighbour inside the window (a regular grid of beads).
    const int fit = (spacing - 1) / 2;  // the largest half-window with no neighbour inside
    SMLM_CHECK(fit < 3, "calibration: no isolated bead found (window "
                            << side << " px): the beads are " << spacing
                            << " px apart; try --bead-window " << std::min(fit, 30) << " (window "
                            << 2 * std::min(fit, 30) + 1 << " px)");
    throw Error("calibration: no isolated bead found (window " + std::to_string(side) +
                " px): the beads are only " + std::to_string(spacing) +
                " px apart, too close for a window of 7 px or more");
  }
  SMLM_CHECK(!found.empty(), "calibration: no isolated bead found (window " << side << " px)");

  // Windows with the per-slice background (median of the border ring) removed.
  const int nb = static_cast<int>(found.size());
  std::vector<Stack> raw(nb), cut(nb);
  for (int b = 0; b < nb; ++b) {
    BeadInfo info;
    info.x = found[b].x;
    info.y = found[b].y;
    raw[b].assign(n, ImageF(side, side));
    cut[b].assign(n, ImageF(side, side));
    double total = 0;
    for (int k = 0; k < n; ++k) {
      std::vector<double> ring;
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
          const float v = frames[k](info.x - hr + x, info.y - hr + y);
          raw[b][k](x, y) = v;
          if (x == 0 || y == 0 || x == side - 1 || y == side - 1) ring.push_back(v);
        }
      const float bg = static_cast<float>(median(ring));
      for (size_t p = 0; p < raw[b][k].size(); ++p) {
        cut[b][k].vec()[p] = raw[b][k].vec()[p] - bg;
        total += cut[b][k].vec()[p];
      }
    }
    info.photons = total / n;
    res.beads.push_back(info);
  }

  // Reference: the brightest bead; then align everyone to the running average, twice.
  int ref = 0;
  for (int b = 1; b < nb; ++b)
    if (res.beads[b].photons > res.beads[ref].photons) ref = b;
  SMLM_CHECK(res.beads[ref].photons > 0, "calibration: the beads hold no signal above background");
  Stack avg = cut[ref];
  std::vector<double> weight_sum(n);
  for (int pass = 0; pass < 2; ++pass) {
    Stack acc(n, ImageF(side, side));
    std::fill(weight_sum.begin(), weight_sum.end(), 0.0);
    for (int b = 0; b < nb; ++b) {
      BeadInfo& info = res.beads[b];
      align(avg, cut[b], s.max_shift_px, s.max_shift_slices, info.dx, info.dy, info.dz,
            info.correlation);
      info.used = info.photons > 0 && info.correlation > 0.5;
      if (!info.used) continue;
      Stack shifted;
      std::vector<double> valid;
      shift_stack(cut[b], info.dx, info.dy, info.dz, shifted, valid);
      // Every bead counts once: the average is in photons of one (typical) bead.
      for (int k = 0; k < n; ++k) {
        if (valid[k] == 0) continue;
        weight_sum[k] += 1.0;
        for (size_t p = 0; p < shifted[k].size(); ++p) acc[k].vec()[p] += shifted[k].vec()[p];
      }
    }
    for (int k = 0; k < n; ++k)
      for (float& v : acc[k].vec())
        v = weight_sum[k] > 0 ? v / static_cast<float>(weight_sum[k]) : 0;
    avg = std::move(acc);
  }
  int used = 0;
  for (const BeadInfo& b : res.beads) used += b.used;
  SMLM_CHECK(used >= 1, "calibration: no bead correlates with the others (> 0.5)");
  res.psf.num_beads = used;
  res.psf.pixel_size_nm = s.pixel_size_nm;
  res.psf.z_step_nm = s.z_step_nm;

  // ----- astigmatic model (curves first in stack coordinates, z = k·step) -----
  bool astig_ok = false;
  double z_cross = std::numeric_limits<double>::quiet_NaN();
  DefocusCurve curve_x, curve_y;
  double fit_lo = 0, fit_hi = 0;
  std::vector<EllipticalFit> fits(n);
  if (s.fit_astigmatic) {
    // Fit the average as the photon counts of all used beads together, plus a floor of 10 photons
    // so that the deviance is defined where the background was removed (no clipping: clipping
    // noise at 0 would bias the widths upwards).
    kernels::parallel_for(n, [&](int64_t k) {
      ImageF img = avg[k];
      const float scale = static_cast<float>(std::max(1.0, weight_sum[k]));
      for (float& v : img.vec()) v = v * scale + 10.0f;
      fits[k] = fit_elliptical(img);
      fits[k].theta[2] /= scale;
    });
    std::vector<double> zs, sx, sy, r2;
    for (int k = 0; k < n; ++k) {
      const EllipticalFit& f = fits[k];
      const bool good = f.ok && f.theta[4] < s.max_sigma_px && f.theta[5] < s.max_sigma_px &&
                        f.theta[4] > 0.31 && f.theta[5] > 0.31;
      if (!good) continue;
      zs.push_back(k * s.z_step_nm);
      sx.push_back(f.theta[4]);
      sy.push_back(f.theta[5]);
      r2.push_back(f.r2);
    }
    res.astigmatic_quality = median(r2);
    if (fit_huang(zs, sx, curve_x) && fit_huang(zs, sy, curve_y)) {
      z_cross = crossing(curve_x, curve_y);
      fit_lo = zs.front();
      fit_hi = zs.back();
      astig_ok = std::isfinite(z_cross) && z_cross > fit_lo && z_cross < fit_hi &&
                 std::fabs(curve_x.c - curve_y.c) >=
                     std::max(2 * s.z_step_nm, 0.125 * (curve_x.d + curve_y.d)) &&
                 res.astigmatic_quality > kMinAstigmaticQuality && curve_x.sigma0 > 0.3 &&
                 curve_y.sigma0 > 0.3;
    }
    SMLM_CHECK(astig_ok || s.z_origin != CalibrationSettings::ZOrigin::kAstigmatic,
               "calibration: the stack shows no usable astigmatism (median R² of the elliptical "
               "Gaussian fits "
                   << res.astigmatic_quality << "); try the spline model");
  }
  using ZO = CalibrationSettings::ZOrigin;
  if (astig_ok && (s.z_origin == ZO::kAuto || s.z_origin == ZO::kAstigmatic)) {
    res.z0_slice = z_cross / s.z_step_nm;
    res.psf.z_origin = "astigmatic";
  } else {
    const double sharp =
        s.z_origin == ZO::kCentre ? std::numeric_limits<double>::quiet_NaN() : sharpest_slice(avg);
    res.z0_slice = std::isnan(sharp) ? 0.5 * (n - 1) : sharp;
    res.psf.z_origin = std::isnan(sharp) ? "centre" : "sharpest";
  }
  res.psf.has_astigmatic = astig_ok;
  res.psf.model = astig_ok ? "astigmatic" : "spline";
  if (astig_ok) {
    // Both models share one z axis: the curves move to the chosen origin.
    const double z0 = res.z0_slice * s.z_step_nm;
    curve_x.c -= z0;
    curve_y.c -= z0;
    res.psf.astigmatic.x = curve_x;
    res.psf.astigmatic.y = curve_y;
    res.psf.astigmatic.z_min_nm = fit_lo - z0;
    res.psf.astigmatic.z_max_nm = fit_hi - z0;
  }

  // Plot data: averaged-stack widths and per-bead widths on the common z axis.
  const double zc_nm = res.z0_slice * s.z_step_nm;
  if (s.fit_astigmatic) {
    for (int k = 0; k < n; ++k) {
      const EllipticalFit& f = fits[k];
      if (!f.ok) continue;
      SigmaPoint p;
      p.z_nm = k * s.z_step_nm - zc_nm;
      p.x = f.theta[0];
      p.y = f.theta[1];
      p.photons = f.theta[2];
      p.sigma_x = f.theta[4];
      p.sigma_y = f.theta[5];
      p.used = astig_ok && f.theta[4] < s.max_sigma_px && f.theta[5] < s.max_sigma_px &&
               f.theta[4] > 0.31 && f.theta[5] > 0.31;
      res.psf.sigma_points.push_back(p);
    }
    std::vector<SigmaPoint> pts(static_cast<size_t>(nb) * n);
    std::vector<char> keep(pts.size(), 0);
    kernels::parallel_for(static_cast<int64_t>(nb) * n, [&](int64_t i) {
      const int b = static_cast<int>(i / n), k = static_cast<int>(i % n);
      if (!res.beads[b].used) return;
      const EllipticalFit f = fit_elliptical(raw[b][k]);
      if (!f.ok) return;
      SigmaPoint& p = pts[i];
      p.bead = b;
      p.z_nm = (k - res.beads[b].dz) * s.z_step_nm - zc_nm;
      p.x = f.theta[0];
      p.y = f.theta[1];
      p.photons = f.theta[2];
      p.sigma_x = f.theta[4];
      p.sigma_y = f.theta[5];
      keep[i] = 1;
    });
    for (size_t i = 0; i < pts.size(); ++i)
      if (keep[i]) res.bead_points.push_back(pts[i]);
  }

  // Lateral centre at z = 0: the elliptical fit there (astigmatic) or the centroid of the
  // slices within ±50 nm of it.
  const int k0 = std::clamp(static_cast<int>(std::lround(res.z0_slice)), 0, n - 1);
  if (astig_ok && fits[k0].ok) {
    res.centre_x = fits[k0].theta[0];
    res.centre_y = fits[k0].theta[1];
  } else {
    const int r = std::max(1, static_cast<int>(std::lround(50.0 / s.z_step_nm)));
    double a = 0, ax = 0, ay = 0;
    for (int k = std::max(0, k0 - r); k <= std::min(n - 1, k0 + r); ++k)
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
          const double v = std::max(0.0f, avg[k](x, y));
          a += v;
          ax += v * x;
          ay += v * y;
        }
    res.centre_x = a > 0 ? ax / a : hr;
    res.centre_y = a > 0 ? ay / a : hr;
  }

  // ----- spline model -----
  res.average = avg;
  if (s.build_spline) {
    Stack smooth = avg;
    const double sig = s.spline_smoothing_nm / s.z_step_nm;
    if (sig > 0) {
      const int r = static_cast<int>(std::ceil(3 * sig));
      std::vector<double> kern(2 * r + 1);
      for (int i = -r; i <= r; ++i) kern[i + r] = std::exp(-0.5 * i * i / (sig * sig));
      for (int k = 0; k < n; ++k) {
        ImageF& o = smooth[k];
        std::fill(o.vec().begin(), o.vec().end(), 0.0f);
        double ws = 0;
        for (int i = -r; i <= r; ++i) {
          const int kk = k + i;
          if (kk < 0 || kk >= n) continue;
          ws += kern[i + r];
          for (size_t p = 0; p < o.size(); ++p)
            o.vec()[p] += static_cast<float>(kern[i + r]) * avg[kk].vec()[p];
        }
        for (float& v : o.vec()) v = static_cast<float>(v / ws);
      }
    }
    for (ImageF& im : smooth)
      for (float& v : im.vec()) v = std::max(0.0f, v);
    SplineSettings ss;
    ss.oversampling = 1;
    ss.dz_nm = s.z_step_nm;
    ss.pixel_size_nm = s.pixel_size_nm;
    ss.cx = res.centre_x;
    ss.cy = res.centre_y;
    ss.cz = res.z0_slice;
    ss.normalization = s.normalization;
    res.psf.spline = CubicSpline(smooth, ss);
  }
  return res;
}

}  // namespace smlm::psf
