// Tests of io/plot: the PNG has the requested size and RGB format, series are drawn where their
// data maps to, the threshold line and text appear, and bad charts are rejected.
#include "io/plot.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "io/png_image.h"
#include "tests/test_util.h"

namespace smlm::io {
namespace {

bool is(const std::vector<uint8_t>& rgb, int width, int x, int y, Rgb c) {
  const uint8_t* p = &rgb[(size_t(y) * width + x) * 3];
  return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

LinePlot sample() {
  LinePlot p;
  p.width = 640;
  p.height = 400;
  p.title = "FRC";
  p.x_label = "spatial frequency [1/nm]";
  p.y_label = "FRC";
  p.x_min = 0, p.x_max = 1, p.y_min = 0, p.y_max = 1;
  PlotSeries flat;
  flat.x = {0, 1};
  flat.y = {0.75, 0.75};
  flat.color = plot_color(1);
  flat.label = "flat";
  PlotSeries rise;
  rise.x = {0, 0.5, NAN, 0.6, 1};  // NaN breaks the line
  rise.y = {0, 0.5, NAN, 0.6, 1};
  rise.color = plot_color(2);
  p.series = {flat, rise};
  p.lines = {{1.0 / 7, {200, 0, 0}, "1/7"}};
  return p;
}

TEST(Plot, DrawsSeriesWhereTheDataIs) {
  const LinePlot p = sample();
  PlotArea a;
  const std::vector<uint8_t> rgb = render_line_plot(p, &a);
  ASSERT_EQ(rgb.size(), size_t(640 * 400 * 3));
  EXPECT_GT(a.left, 20);  // room for tick labels and the y label
  EXPECT_LT(a.right, 639);
  EXPECT_GT(a.top, 10);  // room for the title
  EXPECT_DOUBLE_EQ(a.x_min, 0);
  EXPECT_DOUBLE_EQ(a.y_max, 1);

  // The flat series: a row of its colour at y = 0.75 (but where the diagonal crosses it, and
  // perhaps under the legend).
  const int y75 = static_cast<int>(std::lround(a.py(0.75)));
  int hits = 0;
  for (int x = a.left + 1; x < a.right; ++x) hits += is(rgb, 640, x, y75, p.series[0].color);
  EXPECT_GT(hits, (a.right - a.left) * 2 / 3);
  // The legend went to the emptiest corner, the top-left one (the diagonal ends top-right):
  // its sample line of the flat series sits there.
  int legend = 0;
  for (int y = a.top + 1; y < a.top + 40; ++y)
    for (int x = a.left + 1; x < a.left + 40; ++x) legend += is(rgb, 640, x, y, p.series[0].color);
  EXPECT_GT(legend, 20);
  // The diagonal: its colour at (0.25, 0.25) and (0.8, 0.8), not in the gap at 0.55.
  auto near_colour = [&](double x, double y, Rgb c) {
    const int px = static_cast<int>(std::lround(a.px(x))),
              py = static_cast<int>(std::lround(a.py(y)));
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (is(rgb, 640, px + dx, py + dy, c)) return true;
    return false;
  };
  EXPECT_TRUE(near_colour(0.25, 0.25, p.series[1].color));
  EXPECT_TRUE(near_colour(0.8, 0.8, p.series[1].color));
  EXPECT_FALSE(near_colour(0.55, 0.55, p.series[1].color));
  // The dashed threshold: some but not all of its row.
  const int y7 = static_cast<int>(std::lround(a.py(1.0 / 7)));
  int dashes = 0;
  for (int x = a.left + 1; x < a.right; ++x) dashes += is(rgb, 640, x, y7, p.lines[0].color);
  EXPECT_GT(dashes, (a.right - a.left) / 3);
  EXPECT_LT(dashes, a.right - a.left - 10);
  // Empty plot area (away from lines and grid) stays white; text is black.
  EXPECT_TRUE(
      is(rgb, 640, static_cast<int>(a.px(0.15)), static_cast<int>(a.py(0.9)), {255, 255, 255}));
  int black_title = 0, black_labels = 0;
  for (int y = 0; y < a.top; ++y)
    for (int x = 0; x < 640; ++x) black_title += is(rgb, 640, x, y, {0, 0, 0});
  for (int y = a.bottom + 2; y < 400; ++y)
    for (int x = 0; x < 640; ++x) black_labels += is(rgb, 640, x, y, {0, 0, 0});
  EXPECT_GT(black_title, 20);
  EXPECT_GT(black_labels, 200);
}

TEST(Plot, WritesAnRgbPngOfTheRightSize) {
  test::TempDir dir;
  const std::string path = dir / "plot.png";
  LinePlot p = sample();
  p.x_min = p.x_max = p.y_min = p.y_max = NAN;  // ranges from the data
  write_line_plot(path, p);
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&img, path.c_str())) << img.message;
  EXPECT_EQ(img.width, 640u);
  EXPECT_EQ(img.height, 400u);
  EXPECT_TRUE(img.format & PNG_FORMAT_FLAG_COLOR);
  img.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> decoded(PNG_IMAGE_SIZE(img));
  ASSERT_TRUE(png_image_finish_read(&img, nullptr, decoded.data(), 0, nullptr)) << img.message;
  EXPECT_EQ(decoded, render_line_plot(p));
}

TEST(Plot, AutomaticRangesCoverTheData) {
  LinePlot p;
  PlotSeries s;
  s.x = {0, 1000, 4999};
  s.y = {-120.5, 3, 88};
  p.series = {s};
  PlotArea a;
  render_line_plot(p, &a);
  EXPECT_LE(a.x_min, 0);
  EXPECT_GE(a.x_max, 4999);
  EXPECT_LE(a.y_min, -120.5);
  EXPECT_GE(a.y_max, 88);
  EXPECT_LT(a.y_max - a.y_min, 2 * 208.5);  // widened to whole steps, not more
  // A constant series still gets a range.
  p.series[0].y = {5, 5, 5};
  render_line_plot(p, &a);
  EXPECT_LT(a.y_min, 5);
  EXPECT_GT(a.y_max, 5);
}

TEST(Plot, RejectsBadCharts) {
  LinePlot p = sample();
  p.width = 100;
  EXPECT_THROW(render_line_plot(p), Error);
  p = sample();
  p.series[0].y.pop_back();
  EXPECT_THROW(render_line_plot(p), Error);
  p = sample();
  p.x_min = 2;  // above x_max
  EXPECT_THROW(render_line_plot(p), Error);
  EXPECT_THROW(write_png_rgb("/nonexistent-folder/x.png", 2, 2, std::vector<uint8_t>(12)), Error);
  test::TempDir dir;
  EXPECT_THROW(write_png_rgb(dir / "x.png", 2, 2, std::vector<uint8_t>(11)), Error);
}

}  // namespace
}  // namespace smlm::io
