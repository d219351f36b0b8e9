// Tests of render(): histogram placement and counts, Gaussian weight and width, the σ floor,
// field-of-view sizing, errors, and thread-count independence.
#include "reconstruction/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/parallel_for.h"

namespace smlm::reconstruction {
namespace {

LocalizationTable make_table(const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>* unc = nullptr) {
  LocalizationTable t;
  t.add_column(col::x);
  t.add_column(col::y);
  if (unc) t.add_column(col::uncertainty_xy);
  t.resize(x.size());
  t[col::x] = x;
  t[col::y] = y;
  if (unc) t[col::uncertainty_xy] = *unc;
  return t;
}

double total(const ImageF& im) {
  double s = 0;
  for (float v : im.vec()) s += v;
  return s;
}

// Centroid and standard deviations (nm) of an image, pixel centres at x0 + (i + ½)·p.
struct Moments {
  double mx, my, sx, sy;
};
Moments moments(const ImageF& im, const RenderSettings& s) {
  double w = 0, mx = 0, my = 0;
  for (int j = 0; j < im.height(); ++j)
    for (int i = 0; i < im.width(); ++i) {
      w += im(i, j);
      mx += im(i, j) * (s.x0_nm + (i + 0.5) * s.pixel_size_nm);
      my += im(i, j) * (s.y0_nm + (j + 0.5) * s.pixel_size_nm);
    }
  mx /= w, my /= w;
  double vx = 0, vy = 0;
  for (int j = 0; j < im.height(); ++j)
    for (int i = 0; i < im.width(); ++i) {
      const double dx = s.x0_nm + (i + 0.5) * s.pixel_size_nm - mx;
      const double dy = s.y0_nm + (j + 0.5) * s.pixel_size_nm - my;
      vx += im(i, j) * dx * dx;
      vy += im(i, j) * dy * dy;
    }
  return {mx, my, std::sqrt(vx / w), std::sqrt(vy / w)};
}

TEST(Render, HistogramCountsLandInTheirPixels) {
  RenderSettings s;
  s.method = RenderMethod::histogram;
  s.pixel_size_nm = 10;
  s.x0_nm = 100, s.y0_nm = 200, s.width_nm = 1000, s.height_nm = 500;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // In the FOV: (155, 235) ×2 → pixel (5, 3); (100, 200) → (0, 0); (1099.9, 699.9) → (99, 49).
  // Outside: x < x0, x = x0 + width, y = y0 + height, y < y0, NaN.
  const LocalizationTable t = make_table({155, 155.9, 100, 1099.9, 99.9, 1100, 500, 500, nan},
                                         {235, 239.9, 200, 699.9, 300, 300, 700, 199.9, 300});
  const ImageF im = render(t, s);
  ASSERT_EQ(im.width(), 100);
  ASSERT_EQ(im.height(), 50);
  EXPECT_EQ(total(im), 4.0);
  EXPECT_EQ(im(5, 3), 2.0f);
  EXPECT_EQ(im(0, 0), 1.0f);
  EXPECT_EQ(im(99, 49), 1.0f);
}

TEST(Render, HistogramSumsToInFovCountForRandomData) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-500, 2500);
  std::vector<double> x(20000), y(20000);
  int inside = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    x[k] = u(rng), y[k] = u(rng);
    inside += x[k] >= 0 && x[k] < 2000 && y[k] >= 0 && y[k] < 1500;
  }
  RenderSettings s;
  s.method = RenderMethod::histogram;
  s.pixel_size_nm = 20;
  s.width_nm = 2000, s.height_nm = 1500;
  const ImageF im = render(make_table(x, y), s);
  EXPECT_EQ(im.width(), 100);
  EXPECT_EQ(im.height(), 75);
  EXPECT_EQ(total(im), inside);
}

TEST(Render, FieldOfViewFromTheData) {
  RenderSettings s;
  s.method = RenderMethod::histogram;
  s.pixel_size_nm = 10;
  ImageF im = render(make_table({5, 995}, {5, 412}), s);
  EXPECT_EQ(im.width(), 100);
  EXPECT_EQ(im.height(), 42);
  im = render(make_table({5, 1000}, {5, 420}), s);  // a point on a pixel edge is still inside
  EXPECT_EQ(im.width(), 101);
  EXPECT_EQ(im.height(), 43);
  EXPECT_EQ(total(im), 2.0);
}

TEST(Render, GaussianConservesWeightAwayFromEdges) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> pos(300, 1700), sig(3, 40);
  std::vector<double> x(2000), y(2000), unc(2000);
  for (size_t k = 0; k < x.size(); ++k) x[k] = pos(rng), y[k] = pos(rng), unc[k] = sig(rng);
  RenderSettings s;
  s.pixel_size_nm = 7;
  s.width_nm = s.height_nm = 2000;
  const ImageF im = render(make_table(x, y, &unc), s);
  EXPECT_NEAR(total(im), 2000.0, 2000.0 * 1e-5);
  // Near an edge part of the weight is lost.
  const std::vector<double> one = {20.0};
  const ImageF edge = render(make_table({0.0}, {1000.0}, &one), s);
  EXPECT_NEAR(total(edge), 0.5, 0.01);
}

TEST(Render, GaussianWidthMatchesUncertainty) {
  RenderSettings s;
  s.pixel_size_nm = 5;
  s.width_nm = s.height_nm = 1000;
  const std::vector<double> unc = {30.0};
  const ImageF im = render(make_table({503.7}, {498.2}, &unc), s);
  const Moments m = moments(im, s);
  EXPECT_NEAR(m.mx, 503.7, 0.05);
  EXPECT_NEAR(m.my, 498.2, 0.05);
  // The ±3σ cut narrows σ by ~1.3 %, pixel integration widens it by p²/12.
  EXPECT_NEAR(m.sx, 30.0, 0.9);
  EXPECT_NEAR(m.sy, 30.0, 0.9);
  EXPECT_LT(m.sx, 30.0);
  // The peak pixel holds about p²/(2πσ²) of the weight.
  const double peak = 25.0 / (2 * M_PI * 900.0);
  EXPECT_NEAR(im(100, 99), peak, 0.03 * peak);
}

TEST(Render, MinSigmaFloorsTheUncertainty) {
  RenderSettings s;
  s.pixel_size_nm = 5;
  s.width_nm = s.height_nm = 1000;
  const std::vector<double> unc = {1.0};
  const LocalizationTable t = make_table({501.2}, {502.9}, &unc);
  EXPECT_LT(moments(render(t, s), s).sx, 3.0);
  s.min_sigma_nm = 30;
  const Moments m = moments(render(t, s), s);
  EXPECT_NEAR(m.sx, 30.0, 0.9);
  EXPECT_NEAR(m.sy, 30.0, 0.9);
}

TEST(Render, FixedSigmaWithoutUncertaintyColumn) {
  RenderSettings s;
  s.pixel_size_nm = 4;
  s.width_nm = s.height_nm = 800;
  s.fixed_sigma_nm = 20;
  const LocalizationTable t = make_table({401}, {399});
  Moments m = moments(render(t, s), s);
  EXPECT_NEAR(m.sx, 20.0, 0.6);
  s.fixed_sigma_nm = 40;
  m = moments(render(t, s), s);
  EXPECT_NEAR(m.sy, 40.0, 1.2);
  // A NaN uncertainty falls back to the fixed σ as well.
  const std::vector<double> unc = {std::numeric_limits<double>::quiet_NaN()};
  m = moments(render(make_table({401}, {399}, &unc), s), s);
  EXPECT_NEAR(m.sx, 40.0, 1.2);
}

TEST(Render, OversizeFovThrowsNamingTheSize) {
  RenderSettings s;
  s.pixel_size_nm = 1;
  s.width_nm = 3e9, s.height_nm = 2e6;
  try {
    render(make_table({1}, {1}), s);
    FAIL() << "expected smlm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3000000000 x 2000000"), std::string::npos) << e.what();
  }
  s.width_nm = 200, s.height_nm = 100;
  s.max_pixels = 100 * 100;
  EXPECT_THROW(render(make_table({1}, {1}), s), Error);
  s.max_pixels = 200 * 100;
  EXPECT_NO_THROW(render(make_table({1}, {1}), s));
}

TEST(Render, RejectsBadSettingsAndEmptyFov) {
  const LocalizationTable t = make_table({10}, {10});
  RenderSettings s;
  s.pixel_size_nm = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(render(t, s), Error);
  s = {};
  s.pixel_size_nm = 0;
  EXPECT_THROW(render(t, s), Error);
  s = {};
  s.min_sigma_nm = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(render(t, s), Error);
  s = {};
  s.x0_nm = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(render(t, s), Error);
  s = {};
  s.width_nm = -5;
  EXPECT_THROW(render(t, s), Error);
  s = {};
  EXPECT_THROW(render(make_table({}, {}), s), Error);  // nothing to size the FOV from
  s.x0_nm = 50;
  EXPECT_THROW(render(t, s), Error);  // all data left of x0
}

TEST(Render, SameImageForAnyThreadCount) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> pos(0, 3000), sig(2, 60);
  std::vector<double> x(30000), y(30000), unc(30000);
  for (size_t k = 0; k < x.size(); ++k) x[k] = pos(rng), y[k] = pos(rng), unc[k] = sig(rng);
  const LocalizationTable t = make_table(x, y, &unc);
  RenderSettings s;
  s.pixel_size_nm = 10;
  const int threads = kernels::cpu_threads();
  kernels::set_cpu_threads(1);
  const ImageF one = render(t, s);
  kernels::set_cpu_threads(4);
  const ImageF four = render(t, s);
  kernels::set_cpu_threads(threads);
  ASSERT_EQ(one.size(), four.size());
  EXPECT_EQ(one.vec(), four.vec());
}

}  // namespace
}  // namespace smlm::reconstruction

namespace smlm::reconstruction {
namespace {

LocalizationTable two_depths() {
  LocalizationTable t;
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::z);
  t.add_column(col::uncertainty_xy);
  t.resize(2);
  t[col::x] = {200, 800};
  t[col::y] = {500, 500};
  t[col::z] = {-400, 300};
  t[col::uncertainty_xy] = {20, 20};
  return t;
}

TEST(RenderZ, WeightedRenderOverDensityIsTheMeanZ) {
  const LocalizationTable t = two_depths();
  RenderSettings s;
  s.width_nm = s.height_nm = 1000;
  const ImageF d = render(t, s);
  s.weight_column = std::string(col::z);
  const ImageF zs = render(t, s);
  EXPECT_NEAR(zs(20, 50) / d(20, 50), -400, 1e-3);
  EXPECT_NEAR(zs(80, 50) / d(80, 50), 300, 1e-3);
  s.weight_column = "nope";
  EXPECT_THROW(render(t, s), Error);
}

TEST(RenderZ, HueFollowsDepth) {
  RenderSettings s;
  s.width_nm = s.height_nm = 1000;
  const RgbImage img = render_z_colored(two_depths(), s, -500, 500);
  ASSERT_EQ(img.width, 100);
  const uint8_t* deep = &img.rgb[(50 * 100 + 20) * 3];
  const uint8_t* high = &img.rgb[(50 * 100 + 80) * 3];
  EXPECT_GT(deep[2], deep[0]);                 // blue side of turbo
  EXPECT_GT(high[0], high[2]);                 // red side
  EXPECT_EQ(img.rgb[(10 * 100 + 50) * 3], 0);  // empty pixels stay black
  LocalizationTable flat = two_depths();
  flat.remove_column(col::z);
  EXPECT_THROW(render_z_colored(flat, s, -500, 500), Error);
  EXPECT_THROW(render_z_colored(two_depths(), s, 500, -500), Error);
}

TEST(RenderZ, TurboRunsBlueGreenRed) {
  uint8_t lo[3], mid[3], hi[3], below[3];
  turbo_color(0.15, lo);
  turbo_color(0.5, mid);
  turbo_color(0.85, hi);
  turbo_color(-3, below);  // clamped to the end
  EXPECT_GT(lo[2], std::max(lo[0], lo[1]));
  EXPECT_GT(mid[1], std::max(mid[0], mid[2]));
  EXPECT_GT(hi[0], std::max(hi[1], hi[2]));
  uint8_t zero[3];
  turbo_color(0, zero);
  EXPECT_EQ(std::vector<uint8_t>(below, below + 3), std::vector<uint8_t>(zero, zero + 3));
}

}  // namespace
}  // namespace smlm::reconstruction

namespace smlm::reconstruction {
namespace {

TEST(RenderAsh, IsTheMeanOfShiftedHistograms) {
  LocalizationTable t;
  t.add_column(col::x);
  t.add_column(col::y);
  t.resize(3);
  t[col::x] = {305, 512, 515};
  t[col::y] = {405, 600, 612};
  RenderSettings s;
  s.pixel_size_nm = 10;
  s.width_nm = s.height_nm = 1000;
  s.method = RenderMethod::ash;
  s.ash_shifts = 3;
  const ImageF ash = render(t, s);
  // Brute force: histograms with 30 nm bins shifted by 0, 10, 20 nm in x and y, each spread
  // back over its 3×3 fine pixels, averaged.
  ImageF ref(100, 100);
  for (int sx = 0; sx < 3; ++sx)
    for (int sy = 0; sy < 3; ++sy)
      for (size_t k = 0; k < t.size(); ++k) {
        const int bx = static_cast<int>(std::floor((t[col::x][k] / 10 + sx) / 3));
        const int by = static_cast<int>(std::floor((t[col::y][k] / 10 + sy) / 3));
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) {
            const int x = bx * 3 - sx + i, y = by * 3 - sy + j;
            if (x >= 0 && y >= 0 && x < 100 && y < 100) ref(x, y) += 1.0f / 9 / 9;
          }
      }
  double total = 0;
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 100; ++x) {
      EXPECT_NEAR(ash(x, y), ref(x, y), 1e-6) << x << "," << y;
      total += ash(x, y);
    }
  EXPECT_NEAR(total, 3.0, 1e-5);
  s.ash_shifts = 0;
  EXPECT_THROW(render(t, s), Error);
}

}  // namespace
}  // namespace smlm::reconstruction
