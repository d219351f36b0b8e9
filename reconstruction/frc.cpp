// FRC: split, render, window, pad, transform, ring sums over the half spectrum (interior columns
// counted twice for their conjugate twins), moving average, threshold crossing.
#include "reconstruction/frc.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/random.h"
#include "reconstruction/fft.h"
#include "reconstruction/render.h"

namespace smlm::reconstruction {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Tukey window of length n: cosine tapers over alpha·(n − 1)/2 samples at each end.
std::vector<double> tukey(int n, double alpha) {
  std::vector<double> w(n, 1.0);
  if (alpha <= 0 || n < 3) return w;
  const double edge = alpha * (n - 1) / 2;
  for (int i = 0; i < n; ++i) {
    const double d = std::min(i, n - 1 - i);
    if (d < edge) w[i] = 0.5 * (1 - std::cos(kPi * d / edge));
  }
  return w;
}

ImageD windowed_square(const ImageD& im, int size, double alpha) {
  const std::vector<double> wx = tukey(im.width(), alpha), wy = tukey(im.height(), alpha);
  ImageD out(size, size);
  for (int y = 0; y < im.height(); ++y)
    for (int x = 0; x < im.width(); ++x) out(x, y) = im(x, y) * wx[x] * wy[y];
  return out;
}

}  // namespace

FrcResult fourier_ring_correlation(const ImageD& a, const ImageD& b, double pixel_size_nm,
                                   const FrcSettings& s) {
  SMLM_CHECK(!a.empty() && a.width() == b.width() && a.height() == b.height(),
             "FRC: the two images must have the same non-empty size, got "
                 << a.width() << "x" << a.height() << " and " << b.width() << "x" << b.height());
  SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
             "FRC: the pixel size must be a positive number of nm, got " << pixel_size_nm);
  SMLM_CHECK(std::isfinite(s.tukey_alpha) && s.tukey_alpha >= 0 && s.tukey_alpha <= 1,
             "FRC: the Tukey window's alpha must be in [0, 1], got " << s.tukey_alpha);
  SMLM_CHECK(std::isfinite(s.threshold) && s.threshold > 0 && s.threshold < 1,
             "FRC: the threshold must be in (0, 1), got " << s.threshold);
  const int n = fft_friendly_size(std::max(a.width(), a.height()));
  const HalfSpectrum fa = forward_fft(windowed_square(a, n, s.tukey_alpha));
  const HalfSpectrum fb = forward_fft(windowed_square(b, n, s.tukey_alpha));

  const int rings = n / 2 + 1;
  std::vector<double> cross(rings, 0.0), pa(rings, 0.0), pb(rings, 0.0);
  const int hw = fa.half_width();
  for (int ky = 0; ky < n; ++ky) {
    const double qy = ky <= n / 2 ? ky : ky - n;
    for (int kx = 0; kx < hw; ++kx) {
      const int r = static_cast<int>(std::lround(std::sqrt(double(kx) * kx + qy * qy)));
      if (r >= rings) continue;
      // Columns 0 and n/2 (n even) have no twin in the half spectrum.
      const double w = (kx == 0 || (n % 2 == 0 && kx == n / 2)) ? 1.0 : 2.0;
      const std::complex<double> u = fa(kx, ky), v = fb(kx, ky);
      cross[r] += w * (u.real() * v.real() + u.imag() * v.imag());
      pa[r] += w * std::norm(u);
      pb[r] += w * std::norm(v);
    }
  }

  FrcResult res;
  res.threshold = s.threshold;
  res.q_per_nm.resize(rings);
  res.frc_raw.resize(rings);
  for (int r = 0; r < rings; ++r) {
    res.q_per_nm[r] = r / (n * pixel_size_nm);
    const double den = std::sqrt(pa[r] * pb[r]);
    res.frc_raw[r] = den > 0 ? cross[r] / den : std::numeric_limits<double>::quiet_NaN();
  }
  const int h = s.smoothing_rings >= 0 ? s.smoothing_rings : std::max(1, n / 200);
  res.frc.resize(rings);
  for (int r = 0; r < rings; ++r) {
    double sum = 0;
    int count = 0;
    for (int t = std::max(0, r - h); t <= std::min(rings - 1, r + h); ++t)
      if (std::isfinite(res.frc_raw[t])) sum += res.frc_raw[t], ++count;
    res.frc[r] = count ? sum / count : std::numeric_limits<double>::quiet_NaN();
  }
  res.resolution_nm = std::numeric_limits<double>::quiet_NaN();
  for (int r = 1; r < rings; ++r) {
    if (!(res.frc[r] < s.threshold)) continue;
    const double f0 = res.frc[r - 1], f1 = res.frc[r];
    double q = res.q_per_nm[r];
    if (std::isfinite(f0) && f0 > f1)
      q = res.q_per_nm[r - 1] +
          (f0 - s.threshold) / (f0 - f1) * (res.q_per_nm[r] - res.q_per_nm[r - 1]);
    res.resolution_nm = q > 0 ? 1.0 / q : std::numeric_limits<double>::quiet_NaN();
    break;
  }
  return res;
}

FrcResult compute_frc(const LocalizationTable& table, const FrcSettings& s) {
  SMLM_CHECK(std::isfinite(s.pixel_size_nm) && s.pixel_size_nm > 0,
             "FRC: the pixel size must be a positive number of nm, got " << s.pixel_size_nm);
  SMLM_CHECK(s.frame_block >= 1, "FRC: the frame block must be >= 1 frame, got " << s.frame_block);
  const bool by_frames = s.split == FrcSplit::frames;
  for (std::string_view c : {col::x, col::y})
    SMLM_CHECK(table.has(c), "FRC: the localization table has no column '" << c << "'");
  SMLM_CHECK(!by_frames || table.has(col::frame),
             "FRC: splitting by frames needs the column 'frame'");
  const auto& x = table[col::x];
  const auto& y = table[col::y];
  const std::vector<double>* f = by_frames ? &table[col::frame] : nullptr;

  LocalizationTable half[2];
  for (auto& t : half) {
    t.add_column(col::x);
    t.add_column(col::y);
  }
  std::vector<double>* hx[2] = {&half[0][col::x], &half[1][col::x]};
  std::vector<double>* hy[2] = {&half[0][col::y], &half[1][col::y]};
  kernels::Rng rng(s.seed, 0x465243);  // "FRC"
  double xmin = std::numeric_limits<double>::infinity(), ymin = xmin, xmax = -xmin, ymax = -xmin;
  for (size_t k = 0; k < table.size(); ++k) {
    if (!std::isfinite(x[k]) || !std::isfinite(y[k])) continue;
    int h;
    if (by_frames) {
      if (!std::isfinite((*f)[k])) continue;
      h = static_cast<int>(static_cast<int64_t>(std::floor((*f)[k] / s.frame_block)) & 1);
    } else {
      h = static_cast<int>(rng.next_u32() & 1u);
    }
    hx[h]->push_back(x[k]);
    hy[h]->push_back(y[k]);
    xmin = std::min(xmin, x[k]), xmax = std::max(xmax, x[k]);
    ymin = std::min(ymin, y[k]), ymax = std::max(ymax, y[k]);
  }
  for (int h = 0; h < 2; ++h) {
    SMLM_CHECK(!hx[h]->empty(), "FRC: half " << h + 1 << " of the split has no localizations");
    half[h].resize(hx[h]->size());
  }
  const double p = s.pixel_size_nm;
  SMLM_CHECK(s.max_pixels > 0, "FRC: max_pixels must be positive, got " << s.max_pixels);
  {
    const double side = std::max(std::floor((xmax - xmin) / p), std::floor((ymax - ymin) / p)) + 1;
    SMLM_CHECK(side * side <= static_cast<double>(s.max_pixels),
               "FRC: " << (xmax - xmin) / 1000 << " x " << (ymax - ymin) / 1000 << " um at " << p
                       << " nm pixels needs a transform of at least " << side << " x " << side
                       << " pixels (about " << std::ceil(side * side * 40 / (1 << 30))
                       << " GB), more than the limit of " << s.max_pixels
                       << " pixels: use a larger pixel size or raise the limit (--max-pixels)");
  }
  RenderSettings rs;
  rs.pixel_size_nm = p;
  rs.method = RenderMethod::histogram;
  rs.max_pixels = s.max_pixels;
  rs.x0_nm = xmin, rs.y0_nm = ymin;
  rs.width_nm = (std::floor((xmax - xmin) / p) + 1) * p;
  rs.height_nm = (std::floor((ymax - ymin) / p) + 1) * p;
  ImageD im[2];
  for (int h = 0; h < 2; ++h) {
    const ImageF r = render(half[h], rs);
    im[h] = ImageD(r.width(), r.height());
    std::copy(r.vec().begin(), r.vec().end(), im[h].vec().begin());
  }
  return fourier_ring_correlation(im[0], im[1], p, s);
}

}  // namespace smlm::reconstruction
