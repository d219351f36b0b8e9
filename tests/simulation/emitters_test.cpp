// Tests of the emitter layouts: uniform coverage, filaments as smooth chains with emitters on them.
#include "simulation/emitters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"

namespace smlm::simulation {
namespace {

const Field kField{6400, 5000};

double mean_nearest_neighbour(const std::vector<Position>& p) {
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (size_t j = 0; j < p.size(); ++j)
      if (j != i) best = std::min(best, std::hypot(p[i].x_nm - p[j].x_nm, p[i].y_nm - p[j].y_nm));
    sum += best;
  }
  return sum / static_cast<double>(p.size());
}

double distance_to_segment(const Position& p, const Position& a, const Position& b) {
  const double dx = b.x_nm - a.x_nm, dy = b.y_nm - a.y_nm;
  const double l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? ((p.x_nm - a.x_nm) * dx + (p.y_nm - a.y_nm) * dy) / l2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.x_nm - (a.x_nm + t * dx), p.y_nm - (a.y_nm + t * dy));
}

TEST(UniformLayout, CoversTheFieldEvenlyAndIsReproducible) {
  const auto p = uniform_layout(20000, kField, 3);
  ASSERT_EQ(p.size(), 20000u);
  double mx = 0, my = 0;
  int left = 0;
  for (const auto& q : p) {
    ASSERT_GE(q.x_nm, 0);
    ASSERT_LE(q.x_nm, kField.width_nm);
    ASSERT_GE(q.y_nm, 0);
    ASSERT_LE(q.y_nm, kField.height_nm);
    mx += q.x_nm;
    my += q.y_nm;
    left += q.x_nm < kField.width_nm / 4;
  }
  mx /= p.size();
  my /= p.size();
  // Standard error of the mean of U(0, L): L/√(12n).
  EXPECT_NEAR(mx, kField.width_nm / 2, 5 * kField.width_nm / std::sqrt(12.0 * p.size()));
  EXPECT_NEAR(my, kField.height_nm / 2, 5 * kField.height_nm / std::sqrt(12.0 * p.size()));
  EXPECT_NEAR(left / 20000.0, 0.25, 5 * std::sqrt(0.25 * 0.75 / 20000));
  const auto again = uniform_layout(20000, kField, 3);
  const auto other = uniform_layout(20000, kField, 4);
  EXPECT_EQ(again[123].x_nm, p[123].x_nm);
  EXPECT_NE(other[123].x_nm, p[123].x_nm);
  // Molecule i's position does not depend on how many molecules there are.
  EXPECT_EQ(uniform_layout(200, kField, 3)[123].y_nm, p[123].y_nm);
}

TEST(Filaments, AreSmoothChainsInsideTheField) {
  FilamentOptions o;
  o.count = 5;
  const auto fils = random_filaments(kField, o, 7);
  ASSERT_EQ(fils.size(), 5u);
  const double angle_sd = std::sqrt(o.step_nm / o.persistence_length_nm);
  for (const auto& f : fils) {
    ASSERT_GE(f.points.size(), 2u);
    EXPECT_GT(f.length_nm(), 500);  // chains cross a good part of the field
    for (size_t i = 0; i < f.points.size(); ++i) {
      EXPECT_GE(f.points[i].x_nm, 0);
      EXPECT_LE(f.points[i].x_nm, kField.width_nm);
      EXPECT_GE(f.points[i].y_nm, 0);
      EXPECT_LE(f.points[i].y_nm, kField.height_nm);
      if (i >= 2) {
        const double a1 = std::atan2(f.points[i - 1].y_nm - f.points[i - 2].y_nm,
                                     f.points[i - 1].x_nm - f.points[i - 2].x_nm);
        const double a2 = std::atan2(f.points[i].y_nm - f.points[i - 1].y_nm,
                                     f.points[i].x_nm - f.points[i - 1].x_nm);
        double turn = std::fabs(a2 - a1);
        turn = std::min(turn, 2 * M_PI - turn);
        EXPECT_LT(turn, 7 * angle_sd);  // no kinks
      }
      if (i >= 1) {
        const double step = std::hypot(f.points[i].x_nm - f.points[i - 1].x_nm,
                                       f.points[i].y_nm - f.points[i - 1].y_nm);
        EXPECT_NEAR(step, o.step_nm, 1e-9);
      }
    }
  }
}

TEST(Filaments, EmittersLieOnTheChains) {
  FilamentOptions o;
  const auto fils = random_filaments(kField, o, 11);
  const auto p = place_along(fils, 2000, kField, o.jitter_nm, 11);
  ASSERT_EQ(p.size(), 2000u);
  double sum2 = 0;
  for (const auto& q : p) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& f : fils)
      for (size_t i = 1; i < f.points.size(); ++i)
        best = std::min(best, distance_to_segment(q, f.points[i - 1], f.points[i]));
    EXPECT_LT(best, 6 * o.jitter_nm);
    sum2 += best * best;
  }
  // The perpendicular offset is N(0, jitter²): its rms is about the jitter.
  EXPECT_NEAR(std::sqrt(sum2 / p.size()), o.jitter_nm, 0.2 * o.jitter_nm);
}

TEST(Filaments, PackEmittersCloserThanUniform) {
  const int64_t n = 400;
  const auto fil = make_layout(Structure::filaments, n, kField, 5);
  const auto uni = make_layout(Structure::uniform, n, kField, 5);
  const double nn_fil = mean_nearest_neighbour(fil), nn_uni = mean_nearest_neighbour(uni);
  // Uniform in 2D: ≈ 0.5/√(n/A) ≈ 140 nm here; along ~16 µm of filament: ≈ 20 nm.
  EXPECT_NEAR(nn_uni, 0.5 / std::sqrt(n / (kField.width_nm * kField.height_nm)), 0.15 * nn_uni);
  EXPECT_LT(nn_fil, 0.4 * nn_uni);
}

TEST(Filaments, RejectNonsense) {
  FilamentOptions o;
  o.persistence_length_nm = -1;
  EXPECT_THROW(random_filaments(kField, o, 1), Error);
  EXPECT_THROW(random_filaments(Field{0, 100}, FilamentOptions{}, 1), Error);
  EXPECT_THROW(place_along({}, 10, kField, 8, 1), Error);
  EXPECT_TRUE(place_along({}, 0, kField, 8, 1).empty());
}

}  // namespace
}  // namespace smlm::simulation
