// Rendering: sizes the field of view, sorts the localizations into bands of output rows, and
// splats each band's localizations in parallel, one thread per band.
#include "reconstruction/render.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "kernels/parallel_for.h"
#include "reconstruction/display.h"
#include "reconstruction/gaussian_splat.h"

namespace smlm::reconstruction {
namespace {

constexpr int kBandRows = 8;

// A localization's splat in output pixels, its window already clipped to the image.
struct Splat {
  double t = 0, u = 0, s = 0;  // x, y, σ in pixels
  double inv_norm_x = 1, inv_norm_y = 1;
  double weight = 1;
  int i0 = 0, i1 = -1, j0 = 0, j1 = -1;  // inclusive; i1 < i0: nothing inside the image
};

std::string count_text(double n) {
  std::ostringstream os;
  if (n < 9e18)
    os << static_cast<long long>(n);
  else
    os << n;
  return os.str();
}

// Number of output pixels along one axis: ⌈extent / p⌉, or from the data when extent is 0.
double axis_pixels(const char* axis, const char* extent_name, double origin, double extent,
                   double data_max, double p) {
  if (extent > 0) return std::max(1.0, std::ceil(extent / p - 1e-9));
  SMLM_CHECK(data_max >= origin, "render: empty field of view: no localization has "
                                     << axis << " >= " << origin << " nm to size the image from ("
                                     << extent_name << " 0 means from the data)");
  return std::floor((data_max - origin) / p) + 1.0;
}

// Separable triangle filter with weights (n − |k|)/n², |k| < n, along x then y (the average of
// n² shifted histograms); the image's edges are zero beyond it.
void triangle_smooth(ImageF& image, int n) {
  const int w = image.width(), h = image.height();
  std::vector<double> wt(2 * n - 1);
  for (int k = -(n - 1); k < n; ++k) wt[k + n - 1] = double(n - std::abs(k)) / (double(n) * n);
  ImageF tmp(w, h);
  kernels::parallel_for(h, [&](int64_t y) {
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int k = std::max(-(n - 1), -x); k < n && x + k < w; ++k)
        acc += wt[k + n - 1] * image(x + k, static_cast<int>(y));
      tmp(x, static_cast<int>(y)) = static_cast<float>(acc);
    }
  });
  kernels::parallel_for(h, [&](int64_t y) {
    const int yy = static_cast<int>(y);
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int k = std::max(-(n - 1), -yy); k < n && yy + k < h; ++k)
        acc += wt[k + n - 1] * tmp(x, yy + k);
      image(x, yy) = static_cast<float>(acc);
    }
  });
}

}  // namespace

ImageF render(const LocalizationTable& table, const RenderSettings& s) {
  const double p = s.pixel_size_nm;
  SMLM_CHECK(std::isfinite(p) && p > 0,
             "render: pixel size must be a positive number of nm, got " << p);
  SMLM_CHECK(std::isfinite(s.x0_nm) && std::isfinite(s.y0_nm),
             "render: the field of view origin must be finite, got (" << s.x0_nm << ", " << s.y0_nm
                                                                      << ") nm");
  SMLM_CHECK(std::isfinite(s.width_nm) && s.width_nm >= 0 && std::isfinite(s.height_nm) &&
                 s.height_nm >= 0,
             "render: field of view size must be >= 0 nm (0: from the data), got "
                 << s.width_nm << " x " << s.height_nm << " nm");
  SMLM_CHECK(std::isfinite(s.min_sigma_nm) && s.min_sigma_nm >= 0,
             "render: min_sigma_nm must be >= 0, got " << s.min_sigma_nm);
  SMLM_CHECK(std::isfinite(s.fixed_sigma_nm) && s.fixed_sigma_nm >= 0,
             "render: fixed_sigma_nm must be >= 0, got " << s.fixed_sigma_nm);
  SMLM_CHECK(s.max_pixels > 0, "render: max_pixels must be positive, got " << s.max_pixels);
  SMLM_CHECK(s.ash_shifts >= 1 && s.ash_shifts <= 64,
             "render: ash_shifts must be in 1..64, got " << s.ash_shifts);
  SMLM_CHECK(table.has(col::x) && table.has(col::y),
             "render: the localization table needs the columns 'x' and 'y' (nm)");

  const std::vector<double>& xs = table[col::x];
  const std::vector<double>& ys = table[col::y];
  const bool gaussian = s.method == RenderMethod::gaussian;
  const std::vector<double>* unc =
      gaussian && table.has(col::uncertainty_xy) ? &table[col::uncertainty_xy] : nullptr;
  const int64_t n = static_cast<int64_t>(table.size());
  SMLM_CHECK(
      s.weight_column.empty() || table.has(s.weight_column),
      "render: the localization table has no column '" << s.weight_column << "' to weight by");
  const std::vector<double>* weights = s.weight_column.empty() ? nullptr : &table[s.weight_column];

  double max_x = -std::numeric_limits<double>::infinity(), max_y = max_x;
  for (int64_t k = 0; k < n; ++k) {
    if (!std::isfinite(xs[k]) || !std::isfinite(ys[k])) continue;
    max_x = std::max(max_x, xs[k]);
    max_y = std::max(max_y, ys[k]);
  }
  const double nx_d = axis_pixels("x", "width", s.x0_nm, s.width_nm, max_x, p);
  const double ny_d = axis_pixels("y", "height", s.y0_nm, s.height_nm, max_y, p);
  SMLM_CHECK(nx_d * ny_d <= static_cast<double>(s.max_pixels) && nx_d <= INT_MAX && ny_d <= INT_MAX,
             "render: the image would be "
                 << count_text(nx_d) << " x " << count_text(ny_d) << " pixels (" << nx_d * p
                 << " x " << ny_d * p << " nm at " << p << " nm/pixel), more than the limit of "
                 << s.max_pixels << " pixels");
  const int nx = static_cast<int>(nx_d), ny = static_cast<int>(ny_d);

  // Splats in output-pixel coordinates, clipped to the image.
  const double fixed_sigma = std::max(s.fixed_sigma_nm, s.min_sigma_nm) / p;
  std::vector<Splat> splats(n);
  kernels::parallel_for(
      n,
      [&](int64_t k) {
        Splat& sp = splats[k];
        if (!std::isfinite(xs[k]) || !std::isfinite(ys[k])) return;
        if (weights) {
          sp.weight = (*weights)[k];
          if (!std::isfinite(sp.weight)) return;
        }
        sp.t = (xs[k] - s.x0_nm) / p;
        sp.u = (ys[k] - s.y0_nm) / p;
        if (gaussian) {
          const double sigma = unc ? (*unc)[k] : std::numeric_limits<double>::quiet_NaN();
          sp.s = std::isfinite(sigma) ? std::max(sigma, s.min_sigma_nm) / p : fixed_sigma;
        }
        double first_x, last_x, first_y, last_y;
        GaussianSplat::window(sp.t, sp.s, first_x, last_x, sp.inv_norm_x);
        GaussianSplat::window(sp.u, sp.s, first_y, last_y, sp.inv_norm_y);
        first_x = std::max(first_x, 0.0), last_x = std::min(last_x, nx - 1.0);
        first_y = std::max(first_y, 0.0), last_y = std::min(last_y, ny - 1.0);
        if (first_x > last_x || first_y > last_y) return;
        sp.i0 = static_cast<int>(first_x), sp.i1 = static_cast<int>(last_x);
        sp.j0 = static_cast<int>(first_y), sp.j1 = static_cast<int>(last_y);
      },
      1024);

  // Each band of kBandRows rows lists the splats that reach it, in table order.
  const int64_t bands = (ny + kBandRows - 1) / kBandRows;
  std::vector<int64_t> start(bands + 1, 0);
  for (const Splat& sp : splats)
    if (sp.i1 >= sp.i0)
      for (int b = sp.j0 / kBandRows; b <= sp.j1 / kBandRows; ++b) ++start[b + 1];
  for (int64_t b = 0; b < bands; ++b) start[b + 1] += start[b];
  std::vector<int64_t> members(start[bands]);
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t k = 0; k < n; ++k) {
      const Splat& sp = splats[k];
      if (sp.i1 >= sp.i0)
        for (int b = sp.j0 / kBandRows; b <= sp.j1 / kBandRows; ++b) members[fill[b]++] = k;
    }
  }

  ImageF image(nx, ny);
  kernels::parallel_for(bands, [&](int64_t b) {
    const int r0 = static_cast<int>(b) * kBandRows, r1 = std::min(ny, r0 + kBandRows);
    std::vector<double> acc(static_cast<size_t>(r1 - r0) * nx, 0.0);
    std::vector<double> wx, wy;
    for (int64_t m = start[b]; m < start[b + 1]; ++m) {
      const Splat& sp = splats[members[m]];
      const int j0 = std::max(sp.j0, r0), j1 = std::min(sp.j1, r1 - 1);
      wx.resize(sp.i1 - sp.i0 + 1);
      wy.resize(j1 - j0 + 1);
      for (int i = sp.i0; i <= sp.i1; ++i)
        wx[i - sp.i0] = GaussianSplat::weight(i, sp.t, sp.s, sp.inv_norm_x);
      for (int j = j0; j <= j1; ++j)
        wy[j - j0] = GaussianSplat::weight(j, sp.u, sp.s, sp.inv_norm_y);
      for (int j = j0; j <= j1; ++j) {
        double* row = acc.data() + static_cast<size_t>(j - r0) * nx;
        const double w = wy[j - j0] * sp.weight;
        for (int i = sp.i0; i <= sp.i1; ++i) row[i] += w * wx[i - sp.i0];
      }
    }
    float* out = image.data() + static_cast<size_t>(r0) * nx;
    for (size_t q = 0; q < acc.size(); ++q) out[q] = static_cast<float>(acc[q]);
  });
  if (s.method == RenderMethod::ash && s.ash_shifts > 1) triangle_smooth(image, s.ash_shifts);
  return image;
}

}  // namespace smlm::reconstruction

namespace smlm::reconstruction {

void turbo_color(double t, uint8_t* rgb) {
  t = std::clamp(t, 0.0, 1.0);
  const double r =
      0.13572138 +
      t * (4.61539260 +
           t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const double g =
      0.09140261 +
      t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const double b =
      0.10667330 +
      t * (12.64194608 +
           t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  const double c[3] = {r, g, b};
  for (int i = 0; i < 3; ++i)
    rgb[i] = static_cast<uint8_t>(std::lround(255.0 * std::clamp(c[i], 0.0, 1.0)));
}

RgbImage render_z_colored(const LocalizationTable& table, const RenderSettings& s, double z_min_nm,
                          double z_max_nm, double percentile) {
  SMLM_CHECK(table.has(col::z), "render: colouring by z needs a 'z' column (a 3D table)");
  SMLM_CHECK(std::isfinite(z_min_nm) && std::isfinite(z_max_nm) && z_max_nm > z_min_nm,
             "render: the z range must be finite and increasing, got " << z_min_nm << " .. "
                                                                       << z_max_nm << " nm");
  const ImageF density = render(table, s);
  RenderSettings sz = s;  // the same field of view, weighted by z
  sz.width_nm = density.width() * s.pixel_size_nm;
  sz.height_nm = density.height() * s.pixel_size_nm;
  sz.weight_column = std::string(col::z);
  const ImageF zsum = render(table, sz);
  const Image<uint16_t> bright = to_display(density, 16, percentile);
  RgbImage out;
  out.width = density.width();
  out.height = density.height();
  out.rgb.assign(density.size() * 3, 0);
  kernels::parallel_for(
      static_cast<int64_t>(density.size()),
      [&](int64_t q) {
        const double d = density.data()[q];
        if (!(d > 0)) return;
        uint8_t c[3];
        turbo_color((zsum.data()[q] / d - z_min_nm) / (z_max_nm - z_min_nm), c);
        const double b = bright.data()[q] / 65535.0;
        for (int i = 0; i < 3; ++i)
          out.rgb[3 * q + i] = static_cast<uint8_t>(std::lround(c[i] * b));
      },
      4096);
  return out;
}

void side_view(LocalizationTable& t, std::string_view lateral, RenderSettings& s) {
  std::vector<double> across = t[lateral], depth = t[col::z];
  if (lateral != col::x) t[col::x] = across;
  t[col::y] = depth;
  if (s.y0_nm == 0) {
    double lo = 0;
    for (double z : depth)
      if (std::isfinite(z)) lo = std::min(lo, z);
    s.y0_nm = std::floor(lo / s.pixel_size_nm) * s.pixel_size_nm;
  }
  if (t.has(col::uncertainty_xy) && t.has(col::uncertainty_z)) {
    auto& u = t[col::uncertainty_xy];
    const auto& uz = t[col::uncertainty_z];
    for (size_t i = 0; i < u.size(); ++i) u[i] = std::max(u[i], uz[i]);
  }
}

void percentile_range(const std::vector<double>& v, double& lo, double& hi) {
  std::vector<double> f;
  for (double x : v)
    if (std::isfinite(x)) f.push_back(x);
  SMLM_CHECK(!f.empty(), "render: the z column holds no finite value");
  std::sort(f.begin(), f.end());
  lo = f[f.size() / 100];
  hi = f[f.size() - 1 - f.size() / 100];
  if (hi - lo < 1) lo -= 0.5, hi += 0.5;
}

}  // namespace smlm::reconstruction
