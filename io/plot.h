// A small chart writer: line plots with axes, ticks, numeric tick labels, a title, axis labels,
// a legend and dashed horizontal threshold lines, drawn with a built-in 5×7 bitmap font into an
// RGB image and written as PNG (drift curves, FRC curves, calibration curves).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace smlm::io {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// The i-th colour of a colour-blind-safe palette (Okabe & Ito), cycling.
Rgb plot_color(int i);

struct PlotSeries {
  std::vector<double> x, y;  // same length; a non-finite point breaks the line
  Rgb color = plot_color(0);
  std::string label;   // legend entry; "" for none
  int line_width = 0;  // pixels (<= 16); 0: the plot's line_width
};

// A dashed horizontal line across the plot, e.g. the FRC threshold 1/7.
struct HorizontalLine {
  double y = 0;
  Rgb color{128, 128, 128};
  std::string label;  // legend entry; "" for none
};

struct LinePlot {
  int width = 800, height = 500;        // pixels; at least 160 × 120
  std::string title, x_label, y_label;  // printable ASCII; other characters are drawn as '?'
  std::vector<PlotSeries> series;
  std::vector<HorizontalLine> lines;
  // Axis ranges. NaN: from the data (every finite point and line), widened to whole tick steps.
  double x_min = std::numeric_limits<double>::quiet_NaN(), x_max = x_min;
  double y_min = x_min, y_max = x_min;
  int font_scale = 2;  // each font pixel is scale × scale image pixels (>= 1)
  int line_width = 2;  // series thickness in pixels (>= 1)
};

// Where render_line_plot put the data: the plot area's pixel bounds (inclusive; x to the right,
// y down from the top row) and its axis ranges.
struct PlotArea {
  int left = 0, top = 0, right = 0, bottom = 0;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  // Data → pixel coordinates (fractional).
  double px(double x) const { return left + (x - x_min) / (x_max - x_min) * (right - left); }
  double py(double y) const { return bottom - (y - y_min) / (y_max - y_min) * (bottom - top); }
};

// Draws the chart on a white background: grid and ticks at 1, 2 or 5 × 10^k steps with their
// values, the frame, dashed lines, the series clipped to the plot area, the legend (for labelled
// series and lines) in the corner of the plot area where it hides the fewest drawn pixels (the
// top-right one on ties), the title above and the axis labels below and (rotated) left of the plot.
// Returns width·height RGB pixels, row 0 at the top; `area` receives the plot area. Throws
// smlm::Error for a size below the minimum, mismatched series lengths, non-finite or empty
// explicit ranges, or a bad font scale / line width.
std::vector<uint8_t> render_line_plot(const LinePlot& plot, PlotArea* area = nullptr);

// render_line_plot, written as an 8-bit RGB PNG through AtomicFile (write_png_rgb).
void write_line_plot(const std::string& path, const LinePlot& plot);

// The built-in 5×7 font, for labels on images: the width in pixels of `text` at `scale`, and
// the text drawn with its top-left corner at (x, y) into an RGB buffer (width × height × 3,
// row-major), clipped to it. Printable ASCII; other characters show as '?'.
int text_width(const std::string& text, int scale);
void draw_text(std::vector<uint8_t>& rgb, int width, int height, int x, int y,
               const std::string& text, int scale, Rgb color);

}  // namespace smlm::io
