// Uniform and filament layouts; see emitters.h.
#include "simulation/emitters.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/random.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

namespace {

constexpr double kTwoPi = 6.283185307179586;

bool inside(const Field& f, double x, double y) {
  return x >= 0 && x <= f.width_nm && y >= 0 && y <= f.height_nm;
}

// Grows one arm of a chain from (x, y) in direction theta until the next step would leave the
// field; the start point itself is not included.
void grow(const Field& field, double x, double y, double theta, double step, double angle_sd,
          kernels::Rng& rng, std::vector<Position>& out) {
  // Bounded so that a chain curling inside a huge field still ends.
  const int64_t max_steps = static_cast<int64_t>(8 * (field.width_nm + field.height_nm) / step) + 8;
  for (int64_t s = 0; s < max_steps; ++s) {
    theta += angle_sd * rng.normal();
    const double nx = x + step * std::cos(theta), ny = y + step * std::sin(theta);
    if (!inside(field, nx, ny)) return;
    x = nx;
    y = ny;
    out.push_back({x, y});
  }
}

}  // namespace

double Filament::length_nm() const {
  double l = 0;
  for (size_t i = 1; i < points.size(); ++i)
    l += std::hypot(points[i].x_nm - points[i - 1].x_nm, points[i].y_nm - points[i - 1].y_nm);
  return l;
}

std::vector<Position> uniform_layout(int64_t n, const Field& field, uint64_t seed) {
  SMLM_CHECK(n >= 0, "number of molecules must be >= 0, got " << n);
  std::vector<Position> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    kernels::Rng rng(seed, streams::kPosition + static_cast<uint64_t>(i));
    p[i].x_nm = rng.uniform() * field.width_nm;
    p[i].y_nm = rng.uniform() * field.height_nm;
  }
  return p;
}

std::vector<Filament> random_filaments(const Field& field, const FilamentOptions& o,
                                       uint64_t seed) {
  SMLM_CHECK(field.width_nm > 0 && field.height_nm > 0,
             "filament field must have a positive size, got " << field.width_nm << " x "
                                                              << field.height_nm << " nm");
  SMLM_CHECK(o.count >= 0, "filament count must be >= 0, got " << o.count);
  SMLM_CHECK(std::isfinite(o.persistence_length_nm) && o.persistence_length_nm > 0,
             "persistence length must be positive, got " << o.persistence_length_nm);
  SMLM_CHECK(std::isfinite(o.step_nm) && o.step_nm > 0,
             "filament step must be positive, got " << o.step_nm);
  int count = o.count;
  if (count == 0) {
    const double side = std::sqrt(field.width_nm * field.height_nm);
    count = std::max(1, static_cast<int>(std::lround(side / 2000.0)));
  }
  // A step at most a quarter of the field keeps tiny fields from giving empty chains.
  const double step = std::min({o.step_nm, field.width_nm / 4, field.height_nm / 4});
  const double angle_sd = std::sqrt(step / o.persistence_length_nm);

  std::vector<Filament> out(static_cast<size_t>(count));
  for (int c = 0; c < count; ++c) {
    kernels::Rng rng(seed, streams::kFilament + static_cast<uint64_t>(c));
    const double x0 = rng.uniform() * field.width_nm, y0 = rng.uniform() * field.height_nm;
    const double theta = rng.uniform() * kTwoPi;
    std::vector<Position> back, fwd;
    grow(field, x0, y0, theta + kTwoPi / 2, step, angle_sd, rng, back);
    grow(field, x0, y0, theta, step, angle_sd, rng, fwd);
    auto& pts = out[c].points;
    pts.assign(back.rbegin(), back.rend());
    pts.push_back({x0, y0});
    pts.insert(pts.end(), fwd.begin(), fwd.end());
  }
  return out;
}

std::vector<Position> place_along(const std::vector<Filament>& filaments, int64_t n,
                                  const Field& field, double jitter_nm, uint64_t seed) {
  SMLM_CHECK(n >= 0, "number of molecules must be >= 0, got " << n);
  SMLM_CHECK(std::isfinite(jitter_nm) && jitter_nm >= 0,
             "filament jitter must be >= 0 nm, got " << jitter_nm);
  // Cumulative arc length over every segment of every filament.
  struct Segment {
    Position a, b;
  };
  std::vector<Segment> segs;
  std::vector<double> cum;
  double total = 0;
  for (const Filament& f : filaments) {
    for (size_t i = 1; i < f.points.size(); ++i) {
      const Position a = f.points[i - 1], b = f.points[i];
      const double l = std::hypot(b.x_nm - a.x_nm, b.y_nm - a.y_nm);
      if (!(l > 0)) continue;
      segs.push_back({a, b});
      total += l;
      cum.push_back(total);
    }
  }
  std::vector<Position> p(static_cast<size_t>(n));
  if (n == 0) return p;
  SMLM_CHECK(total > 0, "cannot place " << n << " molecules on filaments of zero length");
  for (int64_t i = 0; i < n; ++i) {
    kernels::Rng rng(seed, streams::kPosition + static_cast<uint64_t>(i));
    const double s = rng.uniform() * total;
    const size_t k = std::min<size_t>(std::lower_bound(cum.begin(), cum.end(), s) - cum.begin(),
                                      segs.size() - 1);
    const double l0 = k == 0 ? 0.0 : cum[k - 1];
    const double t = (s - l0) / (cum[k] - l0);
    const Segment& g = segs[k];
    double x = g.a.x_nm + t * (g.b.x_nm - g.a.x_nm), y = g.a.y_nm + t * (g.b.y_nm - g.a.y_nm);
    x += jitter_nm * rng.normal();
    y += jitter_nm * rng.normal();
    p[i].x_nm = std::clamp(x, 0.0, field.width_nm);
    p[i].y_nm = std::clamp(y, 0.0, field.height_nm);
  }
  return p;
}

std::vector<Position> make_layout(Structure structure, int64_t n, const Field& field,
                                  uint64_t seed) {
  switch (structure) {
    case Structure::uniform:
      return uniform_layout(n, field, seed);
    case Structure::filaments: {
      const FilamentOptions o;
      return place_along(random_filaments(field, o, seed), n, field, o.jitter_nm, seed);
    }
  }
  throw Error("unknown emitter structure");
}

}  // namespace smlm::simulation
