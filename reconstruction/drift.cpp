// RCC: segment histograms → spectra → pairwise correlation peaks → least squares with outlier
// rejection → spline over frames. Fiducials: tracks → alternating least squares → local linear
// smoothing.
#include "reconstruction/drift.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "reconstruction/fft.h"
#include "reconstruction/merge.h"
#include "reconstruction/render.h"

namespace smlm::reconstruction {
namespace {

constexpr double kPi = 3.14159265358979323846;

void check_columns(const LocalizationTable& t, const char* what) {
  for (std::string_view c : {col::frame, col::x, col::y})
    SMLM_CHECK(t.has(c), what << ": the localization table has no column '" << c << "'");
}

std::vector<int64_t> valid_rows(const LocalizationTable& t) {
  const auto& f = t[col::frame];
  const auto& x = t[col::x];
  const auto& y = t[col::y];
  std::vector<int64_t> rows;
  rows.reserve(t.size());
  for (size_t k = 0; k < t.size(); ++k)
    if (std::isfinite(f[k]) && std::isfinite(x[k]) && std::isfinite(y[k]))
      rows.push_back(static_cast<int64_t>(k));
  return rows;
}

// Sub-pixel offset of a peak from three samples (left, centre, right) with the centre largest:
// the vertex of the parabola through their logarithms (exact for a Gaussian), or through the
// values themselves when a sample is not positive.
double peak_offset(double l, double c, double r) {
  if (l > 0 && c > 0 && r > 0) {
    const double a = std::log(l), b = std::log(c), d = std::log(r);
    const double den = a - 2 * b + d;
    if (den < 0) return std::clamp(0.5 * (a - d) / den, -0.5, 0.5);
  }
  const double den = l - 2 * c + r;
  return den < 0 ? std::clamp(0.5 * (l - r) / den, -0.5, 0.5) : 0.0;
}

// Piecewise interpolation through (t[i], v[i]), t increasing; linear continuation with the end
// slopes beyond the first and last knot.
class Interpolant {
 public:
  Interpolant(std::vector<double> t, std::vector<double> v, bool cubic)
      : t_(std::move(t)), v_(std::move(v)), m_(t_.size(), 0.0) {
    const size_t n = t_.size();
    if (cubic && n >= 3) {
      // Natural spline: second derivatives m_ with m_0 = m_{n−1} = 0 (Thomas algorithm).
      std::vector<double> diag(n, 1.0), upper(n, 0.0), rhs(n, 0.0);
      for (size_t i = 1; i + 1 < n; ++i) {
        const double h0 = t_[i] - t_[i - 1], h1 = t_[i + 1] - t_[i];
        const double lower = h0 / 6;
        diag[i] = (h0 + h1) / 3;
        upper[i] = h1 / 6;
        rhs[i] = (v_[i + 1] - v_[i]) / h1 - (v_[i] - v_[i - 1]) / h0;
        const double w = lower / diag[i - 1];
        diag[i] -= w * upper[i - 1];
        rhs[i] -= w * rhs[i - 1];
      }
      for (size_t i = n - 2; i >= 1; --i) m_[i] = (rhs[i] - upper[i] * m_[i + 1]) / diag[i];
    }
  }

  double operator()(double x) const {
    const size_t n = t_.size();
    if (n == 1) return v_[0];
    if (x <= t_[0]) return v_[0] + slope(0, 0.0) * (x - t_[0]);
    if (x >= t_[n - 1]) return v_[n - 1] + slope(n - 2, 1.0) * (x - t_[n - 1]);
    const size_t i = std::upper_bound(t_.begin(), t_.end(), x) - t_.begin() - 1;
    const double h = t_[i + 1] - t_[i], a = (t_[i + 1] - x) / h, b = 1 - a;
    return a * v_[i] + b * v_[i + 1] +
           ((a * a * a - a) * m_[i] + (b * b * b - b) * m_[i + 1]) * h * h / 6;
  }

 private:
  // Derivative in interval i at relative position u ∈ {0, 1}.
  double slope(size_t i, double u) const {
    const double h = t_[i + 1] - t_[i];
    const double a = 1 - u, b = u;
    return (v_[i + 1] - v_[i]) / h +
           (-(3 * a * a - 1) * m_[i] + (3 * b * b - 1) * m_[i + 1]) * h / 6;
  }

  std::vector<double> t_, v_, m_;
};

// Whether every one of n nodes is connected to node 0 by the edges (a, b).
bool connected(int n, const std::vector<std::pair<int, int>>& edges) {
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](int a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  for (auto [a, b] : edges) parent[root(a)] = root(b);
  for (int i = 1; i < n; ++i)
    if (root(i) != root(0)) return false;
  return true;
}

// A curve at every integer frame from first to last, shifted to zero at the first frame.
DriftCurve sample_curve(double first, double last, const auto& fx, const auto& fy) {
  DriftCurve c;
  for (double f = first; f <= last; f += 1) {
    c.frame.push_back(f);
    c.dx_nm.push_back(fx(f));
    c.dy_nm.push_back(fy(f));
  }
  const double x0 = c.dx_nm.front(), y0 = c.dy_nm.front();
  for (double& v : c.dx_nm) v -= x0;
  for (double& v : c.dy_nm) v -= y0;
  return c;
}

}  // namespace

void DriftCurve::at(double f, double& dx, double& dy) const {
  SMLM_CHECK(!frame.empty() && dx_nm.size() == frame.size() && dy_nm.size() == frame.size(),
             "drift curve is empty or its columns differ in length");
  if (!(f > frame.front())) {
    dx = dx_nm.front(), dy = dy_nm.front();
    return;
  }
  if (f >= frame.back()) {
    dx = dx_nm.back(), dy = dy_nm.back();
    return;
  }
  const size_t i = std::upper_bound(frame.begin(), frame.end(), f) - frame.begin() - 1;
  const double u = (f - frame[i]) / (frame[i + 1] - frame[i]);
  dx = dx_nm[i] + u * (dx_nm[i + 1] - dx_nm[i]);
  dy = dy_nm[i] + u * (dy_nm[i + 1] - dy_nm[i]);
}

DriftCurve estimate_drift_rcc(const LocalizationTable& table, const DriftSettings& s,
                              RccReport* report) {
  check_columns(table, "RCC drift");
  SMLM_CHECK(s.segments >= 2, "RCC drift: needs at least 2 segments, got " << s.segments);
  SMLM_CHECK(std::isfinite(s.pixel_size_nm) && s.pixel_size_nm > 0,
             "RCC drift: the pixel size must be a positive number of nm, got " << s.pixel_size_nm);
  SMLM_CHECK(std::isfinite(s.blur_nm) && s.blur_nm >= 0,
             "RCC drift: the blur must be >= 0 nm, got " << s.blur_nm);
  SMLM_CHECK(
      std::isfinite(s.max_residual_nm) && s.max_residual_nm > 0,
      "RCC drift: the largest residual must be a positive number of nm, got " << s.max_residual_nm);
  SMLM_CHECK(std::isfinite(s.max_drift_nm) && s.max_drift_nm >= 0,
             "RCC drift: the largest drift must be >= 0 nm, got " << s.max_drift_nm);
  const auto& f = table[col::frame];
  const auto& x = table[col::x];
  const auto& y = table[col::y];
  const std::vector<int64_t> rows = valid_rows(table);
  SMLM_CHECK(!rows.empty(), "RCC drift: no localization with a finite frame, x and y");

  double fmin = f[rows[0]], fmax = fmin, xmin = x[rows[0]], xmax = xmin, ymin = y[rows[0]],
         ymax = ymin;
  for (int64_t k : rows) {
    fmin = std::min(fmin, f[k]), fmax = std::max(fmax, f[k]);
    xmin = std::min(xmin, x[k]), xmax = std::max(xmax, x[k]);
    ymin = std::min(ymin, y[k]), ymax = std::max(ymax, y[k]);
  }
  const int n = s.segments;
  const double frames = std::floor(fmax) - std::ceil(fmin) + 1;
  SMLM_CHECK(frames >= n, "RCC drift: " << n << " segments need at least as many frames, the "
                                        << "table spans " << frames);

  // Segments: equal spans of frames.
  const double span = (fmax - fmin + 1) / n;
  std::vector<LocalizationTable> seg(n);
  std::vector<double> centre(n, 0.0);
  std::vector<int64_t> count(n, 0);
  std::vector<int> which(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    which[r] = std::min(n - 1, static_cast<int>((f[rows[r]] - fmin) / span));
    ++count[which[r]];
    centre[which[r]] += f[rows[r]];
  }
  for (int i = 0; i < n; ++i) {
    SMLM_CHECK(count[i] > 0, "RCC drift: segment " << i + 1 << " of " << n << " (frames from "
                                                   << fmin + i * span << ") has no "
                                                   << "localizations; use fewer segments");
    centre[i] /= count[i];
    seg[i].add_column(col::x);
    seg[i].add_column(col::y);
    seg[i].reserve(count[i]);
  }
  {
    std::vector<std::vector<double>*> sx(n), sy(n);
    for (int i = 0; i < n; ++i) sx[i] = &seg[i][col::x], sy[i] = &seg[i][col::y];
    for (size_t r = 0; r < rows.size(); ++r) {
      sx[which[r]]->push_back(x[rows[r]]);
      sy[which[r]]->push_back(y[rows[r]]);
    }
    for (int i = 0; i < n; ++i) seg[i].resize(count[i]);
  }

  // Common field of view, zero-padded by the search radius.
  const double p = s.pixel_size_nm;
  {
    // The images below, before the FFT-friendly rounding: checked before allocating.
    const double fx = std::floor((xmax - xmin) / p) + 1, fy = std::floor((ymax - ymin) / p) + 1;
    const double pad = (s.max_drift_nm > 0 ? s.max_drift_nm / p : 0.25 * std::max(fx, fy)) + 3;
    const double pixels = static_cast<double>(n) * (fx + pad) * (fy + pad);
    SMLM_CHECK(s.max_pixels > 0 && pixels <= static_cast<double>(s.max_pixels),
               "RCC drift: " << n << " segment images of " << (xmax - xmin) / 1000 << " x "
                             << (ymax - ymin) / 1000 << " um at " << p << " nm pixels need about "
                             << pixels << " pixels (" << std::ceil(pixels * 16 / (1 << 30))
                             << " GB), more than the limit of " << s.max_pixels
                             << ": use a larger drift pixel or fewer segments");
  }
  const int data_nx = static_cast<int>(std::floor((xmax - xmin) / p)) + 1;
  const int data_ny = static_cast<int>(std::floor((ymax - ymin) / p)) + 1;
  const double max_drift =
      s.max_drift_nm > 0 ? s.max_drift_nm : 0.25 * std::max(data_nx, data_ny) * p;
  const int radius_px = std::max(1, static_cast<int>(std::ceil(max_drift / p)));
  const int nx = fft_friendly_size(data_nx + radius_px + 2);
  const int ny = fft_friendly_size(data_ny + radius_px + 2);
  RenderSettings rs;
  rs.pixel_size_nm = p;
  rs.method = RenderMethod::histogram;
  rs.x0_nm = xmin, rs.y0_nm = ymin;
  rs.width_nm = nx * p, rs.height_nm = ny * p;

  std::vector<HalfSpectrum> spectra(n);
  for (int i = 0; i < n; ++i) {
    const ImageF im = render(seg[i], rs);
    SMLM_ASSERT(im.width() == nx && im.height() == ny);
    ImageD d(nx, ny);
    std::copy(im.vec().begin(), im.vec().end(), d.vec().begin());
    spectra[i] = forward_fft(d);
  }
  // Both images smoothed by a Gaussian of σ pixels: the product takes its square.
  const double sigma = (s.blur_nm > 0 ? s.blur_nm : p) / p;
  std::vector<double> gx(nx / 2 + 1), gy(ny);
  for (int k = 0; k <= nx / 2; ++k) {
    const double q = double(k) / nx;
    gx[k] = std::exp(-4 * kPi * kPi * sigma * sigma * q * q);
  }
  for (int k = 0; k < ny; ++k) {
    const double q = double(k <= ny / 2 ? k : k - ny) / ny;
    gy[k] = std::exp(-4 * kPi * kPi * sigma * sigma * q * q);
  }

  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
  const int m = static_cast<int>(pairs.size());
  std::vector<double> shift_x(m), shift_y(m);
  kernels::parallel_for(m, [&](int64_t e) {
    const auto [i, j] = pairs[e];
    HalfSpectrum prod;
    prod.nx = nx, prod.ny = ny;
    prod.data.resize(spectra[i].data.size());
    const int hw = prod.half_width();
    for (int ky = 0; ky < ny; ++ky)
      for (int kx = 0; kx < hw; ++kx)
        prod(kx, ky) = std::conj(spectra[i](kx, ky)) * spectra[j](kx, ky) * (gx[kx] * gy[ky]);
    const ImageD c = inverse_fft(prod);
    auto at = [&](int sx, int sy) { return c((sx % nx + nx) % nx, (sy % ny + ny) % ny); };
    int bx = 0, by = 0;
    double best = -std::numeric_limits<double>::infinity();
    for (int sy = -radius_px; sy <= radius_px; ++sy)
      for (int sx = -radius_px; sx <= radius_px; ++sx) {
        if (sx * sx + sy * sy > radius_px * radius_px) continue;
        const double v = at(sx, sy);
        if (v > best) best = v, bx = sx, by = sy;
      }
    shift_x[e] = (bx + peak_offset(at(bx - 1, by), best, at(bx + 1, by))) * p;
    shift_y[e] = (by + peak_offset(at(bx, by - 1), best, at(bx, by + 1))) * p;
  });

  // Least squares for d_1 … d_{n−1} (d_0 = 0) from r_ij = d_j − d_i over the kept pairs.
  std::vector<char> keep(m, 1);
  Eigen::VectorXd dx, dy;
  auto solve = [&]() {
    int rows_kept = 0;
    for (int e = 0; e < m; ++e) rows_kept += keep[e];
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(rows_kept, n - 1);
    Eigen::VectorXd bx(rows_kept), by(rows_kept);
    int r = 0;
    for (int e = 0; e < m; ++e) {
      if (!keep[e]) continue;
      const auto [i, j] = pairs[e];
      if (i > 0) a(r, i - 1) = -1;
      a(r, j - 1) = 1;
      bx(r) = shift_x[e], by(r) = shift_y[e];
      ++r;
    }
    const auto qr = a.colPivHouseholderQr();
    dx = Eigen::VectorXd::Zero(n), dy = Eigen::VectorXd::Zero(n);
    dx.tail(n - 1) = qr.solve(bx);
    dy.tail(n - 1) = qr.solve(by);
  };
  auto residual = [&](int e) {
    const auto [i, j] = pairs[e];
    return std::hypot(dx(j) - dx(i) - shift_x[e], dy(j) - dy(i) - shift_y[e]);
  };
  solve();
  std::vector<double> res(m);
  for (int e = 0; e < m; ++e) res[e] = residual(e);
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return res[a] < res[b]; });
  std::vector<std::pair<int, int>> edges;
  for (int e : order)
    if (res[e] <= s.max_residual_nm) edges.push_back(pairs[e]);
  // Take back the best of the rejected pairs until every segment is connected again.
  std::fill(keep.begin(), keep.end(), 0);
  for (int e = 0; e < m; ++e) keep[e] = res[e] <= s.max_residual_nm;
  for (int e : order) {
    if (connected(n, edges)) break;
    if (!keep[e]) {
      keep[e] = 1;
      edges.push_back(pairs[e]);
    }
  }
  int dropped = 0;
  for (int e = 0; e < m; ++e) dropped += !keep[e];
  if (dropped > 0) solve();

  const bool cubic = s.interpolation == DriftInterpolation::cubic;
  const Interpolant ix(centre, std::vector<double>(dx.data(), dx.data() + n), cubic);
  const Interpolant iy(centre, std::vector<double>(dy.data(), dy.data() + n), cubic);
  DriftCurve curve = sample_curve(std::ceil(fmin), std::floor(fmax), ix, iy);

  if (report) {
    const double x0 = ix(curve.frame.front()), y0 = iy(curve.frame.front());
    report->segment_frame = centre;
    report->segment_dx_nm.resize(n);
    report->segment_dy_nm.resize(n);
    for (int i = 0; i < n; ++i) {
      report->segment_dx_nm[i] = dx(i) - x0;
      report->segment_dy_nm[i] = dy(i) - y0;
    }
    report->pairs = m;
    report->pairs_dropped = dropped;
    double ss = 0;
    int kept = 0;
    for (int e = 0; e < m; ++e)
      if (keep[e]) ss += residual(e) * residual(e), ++kept;
    report->rms_residual_nm = kept ? std::sqrt(ss / kept) : 0.0;
  }
  return curve;
}

DriftCurve estimate_drift_fiducials(const LocalizationTable& table, const FiducialSettings& s,
                                    FiducialReport* report) {
  check_columns(table, "fiducial drift");
  SMLM_CHECK(std::isfinite(s.min_fraction) && s.min_fraction > 0 && s.min_fraction <= 1,
             "fiducial drift: the fraction of frames must be in (0, 1], got " << s.min_fraction);
  SMLM_CHECK(std::isfinite(s.smoothing_frames) && s.smoothing_frames >= 0,
             "fiducial drift: the smoothing must be >= 0 frames, got " << s.smoothing_frames);
  const auto& f = table[col::frame];
  const auto& x = table[col::x];
  const auto& y = table[col::y];
  const std::vector<int64_t> rows = valid_rows(table);
  SMLM_CHECK(!rows.empty(), "fiducial drift: no localization with a finite frame, x and y");
  double fmin = f[rows[0]], fmax = fmin;
  for (int64_t k : rows) fmin = std::min(fmin, f[k]), fmax = std::max(fmax, f[k]);
  const double first = std::ceil(fmin), last = std::floor(fmax);
  const int64_t frames = static_cast<int64_t>(last - first) + 1;
  SMLM_CHECK(frames >= 1, "fiducial drift: no whole frame number in the table");

  // Track id of every valid row, then the markers among them.
  std::vector<int64_t> track(table.size(), -1);
  if (!s.track_column.empty()) {
    SMLM_CHECK(table.has(s.track_column),
               "fiducial drift: the table has no track column '" << s.track_column << "'");
    const auto& id = table[s.track_column];
    std::map<double, int64_t> ids;
    for (int64_t k : rows)
      if (std::isfinite(id[k])) track[k] = ids.emplace(id[k], int64_t(ids.size())).first->second;
  } else {
    MergeSettings ms;
    ms.max_distance_nm = s.radius_nm;
    ms.max_gap_frames = s.max_gap_frames;
    SMLM_CHECK(std::isfinite(s.radius_nm) && s.radius_nm > 0,
               "fiducial drift: the radius must be a positive number of nm, got " << s.radius_nm);
    SMLM_CHECK(s.max_gap_frames >= 0,
               "fiducial drift: the gap must be >= 0 frames, got " << s.max_gap_frames);
    track = link_tracks(table, ms);
    for (size_t k = 0; k < table.size(); ++k)
      if (!(std::isfinite(f[k]) && std::isfinite(x[k]) && std::isfinite(y[k]))) track[k] = -1;
  }
  const int64_t ntracks = track.empty() ? 0 : *std::max_element(track.begin(), track.end()) + 1;

  // Per track: frame index → summed position and count (a marker found twice in one frame is
  // averaged).
  struct Obs {
    int64_t t;
    double x, y;
  };
  std::vector<std::vector<Obs>> obs(ntracks);
  for (int64_t k : rows) {
    if (track[k] < 0) continue;
    const double fi = std::round(f[k] - first);
    if (fi < 0 || fi >= frames) continue;
    obs[track[k]].push_back({static_cast<int64_t>(fi), x[k], y[k]});
  }
  std::vector<std::vector<Obs>> markers;
  for (auto& o : obs) {
    std::stable_sort(o.begin(), o.end(), [](const Obs& a, const Obs& b) { return a.t < b.t; });
    std::vector<Obs> merged;
    for (size_t a = 0; a < o.size();) {
      size_t b = a;
      Obs m{o[a].t, 0, 0};
      for (; b < o.size() && o[b].t == o[a].t; ++b) m.x += o[b].x, m.y += o[b].y;
      m.x /= double(b - a), m.y /= double(b - a);
      merged.push_back(m);
      a = b;
    }
    const bool given = !s.track_column.empty();
    if (given || double(merged.size()) >= s.min_fraction * double(frames))
      markers.push_back(std::move(merged));
    else
      markers.emplace_back();  // keeps the track index for the report
  }
  std::vector<int> used;
  for (size_t k = 0; k < markers.size(); ++k)
    if (!markers[k].empty()) used.push_back(static_cast<int>(k));
  if (used.empty()) {
    std::ostringstream os;
    os << "fiducial drift: no fiducial found: ";
    if (s.track_column.empty())
      os << "no track (linking within " << s.radius_nm << " nm, bridging up to " << s.max_gap_frames
         << " missing frames) has localizations in at least " << s.min_fraction * 100 << "% of the "
         << frames << " frames";
    else
      os << "the column '" << s.track_column << "' holds no finite track id";
    throw Error(os.str());
  }

  // Alternating least squares for D(t) and the markers' own positions c_k.
  std::vector<double> dxt(frames, 0.0), dyt(frames, 0.0), wt(frames, 0.0);
  std::vector<double> cx(markers.size(), 0.0), cy(markers.size(), 0.0);
  for (int iter = 0; iter < 50; ++iter) {
    for (int k : used) {
      double sx = 0, sy = 0;
      for (const Obs& o : markers[k]) sx += o.x - dxt[o.t], sy += o.y - dyt[o.t];
      cx[k] = sx / double(markers[k].size());
      cy[k] = sy / double(markers[k].size());
    }
    std::vector<double> nx(frames, 0.0), ny(frames, 0.0);
    std::fill(wt.begin(), wt.end(), 0.0);
    for (int k : used)
      for (const Obs& o : markers[k]) nx[o.t] += o.x - cx[k], ny[o.t] += o.y - cy[k], wt[o.t] += 1;
    double change = 0;
    for (int64_t t = 0; t < frames; ++t) {
      if (wt[t] == 0) continue;
      nx[t] /= wt[t], ny[t] /= wt[t];
      change = std::max(change, std::hypot(nx[t] - dxt[t], ny[t] - dyt[t]));
      dxt[t] = nx[t], dyt[t] = ny[t];
    }
    if (change < 1e-6) break;
  }

  // Smoothed values at every frame (NaN where nothing is near), then gaps interpolated.
  std::vector<double> sx(frames, std::nan("")), sy(frames, std::nan(""));
  const double sigma = s.smoothing_frames;
  const int64_t half = static_cast<int64_t>(std::ceil(3 * sigma));
  kernels::parallel_for(frames, [&](int64_t t) {
    if (sigma == 0) {
      if (wt[t] > 0) sx[t] = dxt[t], sy[t] = dyt[t];
      return;
    }
    double s0 = 0, s1 = 0, s2 = 0, tx0 = 0, tx1 = 0, ty0 = 0, ty1 = 0;
    for (int64_t u = std::max<int64_t>(0, t - half); u <= std::min(frames - 1, t + half); ++u) {
      if (wt[u] == 0) continue;
      const double d = double(u - t);
      const double w = wt[u] * std::exp(-0.5 * d * d / (sigma * sigma));
      s0 += w, s1 += w * d, s2 += w * d * d;
      tx0 += w * dxt[u], tx1 += w * d * dxt[u];
      ty0 += w * dyt[u], ty1 += w * d * dyt[u];
    }
    if (s0 == 0) return;
    const double det = s0 * s2 - s1 * s1;
    if (det > 1e-9 * s0 * s0) {
      sx[t] = (s2 * tx0 - s1 * tx1) / det;
      sy[t] = (s2 * ty0 - s1 * ty1) / det;
    } else {
      sx[t] = tx0 / s0, sy[t] = ty0 / s0;
    }
  });
  std::vector<double> known_t, known_x, known_y;
  for (int64_t t = 0; t < frames; ++t)
    if (std::isfinite(sx[t])) {
      known_t.push_back(double(t));
      known_x.push_back(sx[t]);
      known_y.push_back(sy[t]);
    }
  DriftCurve fill;
  fill.frame = known_t, fill.dx_nm = known_x, fill.dy_nm = known_y;
  auto fx = [&](double fr) {
    double a, b;
    fill.at(fr - first, a, b);
    return a;
  };
  auto fy = [&](double fr) {
    double a, b;
    fill.at(fr - first, a, b);
    return b;
  };
  DriftCurve curve = sample_curve(first, last, fx, fy);

  if (report) {
    report->fiducials = static_cast<int>(used.size());
    report->fiducial_rows.clear();
    std::vector<char> is_used(markers.size(), 0);
    for (int k : used) is_used[k] = 1;
    for (size_t k = 0; k < table.size(); ++k)
      if (track[k] >= 0 && is_used[track[k]]) report->fiducial_rows.push_back(int64_t(k));
  }
  return curve;
}

void apply_drift(LocalizationTable& table, const DriftCurve& curve) {
  check_columns(table, "drift correction");
  SMLM_CHECK(!curve.empty() && curve.dx_nm.size() == curve.frame.size() &&
                 curve.dy_nm.size() == curve.frame.size(),
             "drift correction: the drift curve is empty or its columns differ in length");
  const auto& f = table[col::frame];
  auto& x = table[col::x];
  auto& y = table[col::y];
  kernels::parallel_for(
      static_cast<int64_t>(table.size()),
      [&](int64_t k) {
        if (!std::isfinite(f[k])) return;
        double dx, dy;
        curve.at(f[k], dx, dy);
        x[k] -= dx;
        y[k] -= dy;
      },
      4096);
}

}  // namespace smlm::reconstruction
