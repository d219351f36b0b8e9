// Builds the tricubic spline coefficients from a stack: a 1D natural cubic spline along x, then
// along y through each x-coefficient, then along z through each xy-coefficient. 1D interpolation
// is linear in the data, so the three passes give exactly the tensor-product spline.
#include "psf/cubic_spline.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace smlm::psf {

void SplineSettings::validate() const {
  SMLM_CHECK(oversampling >= 1, "spline oversampling must be >= 1, got " << oversampling);
  SMLM_CHECK(std::isfinite(dz_nm) && dz_nm > 0, "spline z step must be > 0 nm, got " << dz_nm);
  SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
             "spline pixel size must be > 0 nm, got " << pixel_size_nm);
}

void natural_cubic_spline_1d(const double* y, int n, double* out) {
  SMLM_ASSERT(n >= 2);
  // Second derivatives M (M_0 = M_{n−1} = 0) by the Thomas algorithm on
  // M_{i−1} + 4 M_i + M_{i+1} = 6 (y_{i+1} − 2 y_i + y_{i−1}).
  std::vector<double> m(n, 0.0), cp(n, 0.0), dp(n, 0.0);
  for (int i = 1; i < n - 1; ++i) {
    const double rhs = 6.0 * (y[i + 1] - 2.0 * y[i] + y[i - 1]);
    const double denom = 4.0 - (i > 1 ? cp[i - 1] : 0.0);
    cp[i] = 1.0 / denom;
    dp[i] = (rhs - (i > 1 ? dp[i - 1] : 0.0)) / denom;
  }
  for (int i = n - 2; i >= 1; --i) m[i] = dp[i] - cp[i] * m[i + 1];
  for (int i = 0; i < n - 1; ++i) {
    double* o = out + 4 * i;
    o[0] = y[i];
    o[1] = (y[i + 1] - y[i]) - (2.0 * m[i] + m[i + 1]) / 6.0;
    o[2] = 0.5 * m[i];
    o[3] = (m[i + 1] - m[i]) / 6.0;
  }
}

CubicSpline::CubicSpline(const std::vector<ImageF>& stack, const SplineSettings& s) {
  s.validate();
  SMLM_CHECK(stack.size() >= 2, "a spline PSF needs at least 2 slices, got " << stack.size());
  const int sx = stack[0].width(), sy = stack[0].height(), sz = static_cast<int>(stack.size());
  SMLM_CHECK(sx >= 2 && sy >= 2,
             "a spline PSF needs slices of at least 2x2 samples, got " << sx << "x" << sy);
  for (int k = 0; k < sz; ++k)
    SMLM_CHECK(stack[k].width() == sx && stack[k].height() == sy,
               "spline stack slice " << k << " is " << stack[k].width() << "x" << stack[k].height()
                                     << ", slice 0 is " << sx << "x" << sy);
  const int nx = sx - 1, ny = sy - 1, nz = sz - 1;

  view_.nx = nx;
  view_.ny = ny;
  view_.nz = nz;
  view_.oversampling = s.oversampling;
  view_.cx = std::isnan(s.cx) ? 0.5 * (sx - 1) : s.cx;
  view_.cy = std::isnan(s.cy) ? 0.5 * (sy - 1) : s.cy;
  view_.cz = std::isnan(s.cz) ? 0.5 * (sz - 1) : s.cz;
  view_.dz_nm = s.dz_nm;
  view_.pixel_size_nm = s.pixel_size_nm;

  // Normalize: samples at camera-pixel spacing sum to 1 (all samples / oversampling²).
  const double per_px = 1.0 / (static_cast<double>(s.oversampling) * s.oversampling);
  std::vector<double> scale(sz, 1.0);
  auto slice_sum = [&](int k) {
    double sum = 0;
    for (float v : stack[k].vec()) sum += v;
    return sum * per_px;
  };
  using N = SplineSettings::Normalization;
  if (s.normalization == N::kPerPlane) {
    for (int k = 0; k < sz; ++k) {
      const double sum = slice_sum(k);
      SMLM_CHECK(sum > 0, "spline stack slice "
                              << k << " sums to " << sum
                              << "; per-plane normalization needs a positive sum");
      scale[k] = 1.0 / sum;
    }
  } else if (s.normalization == N::kFocalPlane) {
    int k0 = static_cast<int>(std::lround(view_.cz));
    k0 = k0 < 0 ? 0 : (k0 > sz - 1 ? sz - 1 : k0);
    const double sum = slice_sum(k0);
    SMLM_CHECK(sum > 0, "spline stack focal slice " << k0 << " sums to " << sum
                                                    << "; normalization needs a positive sum");
    for (double& v : scale) v = 1.0 / sum;
  }
  samples_.resize(sz);
  std::vector<double> data(static_cast<size_t>(sx) * sy * sz);
  for (int k = 0; k < sz; ++k) {
    samples_[k] = ImageF(sx, sy);
    for (size_t p = 0; p < stack[k].size(); ++p) {
      const double v = stack[k].vec()[p] * scale[k];
      SMLM_CHECK(std::isfinite(v), "spline stack slice " << k << " holds a non-finite value");
      samples_[k].vec()[p] = static_cast<float>(v);
      data[static_cast<size_t>(k) * sx * sy + p] = v;
    }
  }

  std::vector<double> seq(std::max({sx, sy, sz})), out(4 * std::max({sx, sy, sz}));
  // Along x: cx[((k·sy + b)·nx + i)·4 + a].
  std::vector<double> cxa(static_cast<size_t>(sz) * sy * nx * 4);
  for (int k = 0; k < sz; ++k)
    for (int b = 0; b < sy; ++b) {
      const size_t row = static_cast<size_t>(k) * sy + b;
      natural_cubic_spline_1d(&data[row * sx], sx, &cxa[row * nx * 4]);
    }
  // Along y: cxy[((k·ny + j)·nx + i)·16 + a + 4·b].
  std::vector<double> cxy(static_cast<size_t>(sz) * ny * nx * 16);
  for (int k = 0; k < sz; ++k)
    for (int i = 0; i < nx; ++i)
      for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < sy; ++b)
          seq[b] = cxa[((static_cast<size_t>(k) * sy + b) * nx + i) * 4 + a];
        natural_cubic_spline_1d(seq.data(), sy, out.data());
        for (int j = 0; j < ny; ++j)
          for (int b = 0; b < 4; ++b)
            cxy[((static_cast<size_t>(k) * ny + j) * nx + i) * 16 + a + 4 * b] = out[4 * j + b];
      }
  // Along z: coeff[((l·ny + j)·nx + i)·64 + m + 16·c].
  coeff_.assign(static_cast<size_t>(nz) * ny * nx * 64, 0.0f);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      for (int m = 0; m < 16; ++m) {
        for (int k = 0; k < sz; ++k)
          seq[k] = cxy[((static_cast<size_t>(k) * ny + j) * nx + i) * 16 + m];
        natural_cubic_spline_1d(seq.data(), sz, out.data());
        for (int l = 0; l < nz; ++l)
          for (int c = 0; c < 4; ++c)
            coeff_[((static_cast<size_t>(l) * ny + j) * nx + i) * 64 + m + 16 * c] =
                static_cast<float>(out[4 * l + c]);
      }
}

CubicSpline::CubicSpline(std::vector<float> coefficients, const CubicSplinePsf& view)
    : coeff_(std::move(coefficients)), view_(view) {
  SMLM_CHECK(
      view.nx >= 1 && view.ny >= 1 && view.nz >= 1,
      "spline PSF needs >= 1 voxel per axis, got " << view.nx << "x" << view.ny << "x" << view.nz);
  const size_t expected = static_cast<size_t>(view.nx) * view.ny * view.nz * 64;
  SMLM_CHECK(coeff_.size() == expected, "spline PSF of " << view.nx << "x" << view.ny << "x"
                                                         << view.nz << " voxels needs " << expected
                                                         << " coefficients, got " << coeff_.size());
  SMLM_CHECK(view.oversampling >= 1 && view.dz_nm > 0 && view.pixel_size_nm > 0,
             "spline PSF settings are impossible (oversampling " << view.oversampling << ", z step "
                                                                 << view.dz_nm << " nm, pixel "
                                                                 << view.pixel_size_nm << " nm)");
  view_.coeff = nullptr;
}

}  // namespace smlm::psf
