// Chart rendering: layout from the label sizes, nice tick steps, clipped thick polylines, and a
// 5×7 bitmap font (printable ASCII; each glyph row is 5 bits, the leftmost pixel the highest).
#include "io/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "core/error.h"
#include "io/png_image.h"

namespace smlm::io {
namespace {

// Glyphs for the characters 32 (' ') to 126 ('~').
constexpr uint8_t kFont[95][7] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // space
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04},  // !
    {0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00},  // "
    {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a},  // #
    {0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04},  // $
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},  // %
    {0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d},  // &
    {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00},  // '
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02},  // (
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},  // )
    {0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00},  // *
    {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00},  // +
    {0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08},  // ,
    {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00},  // -
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c},  // .
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00},  // /
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e},  // 0
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e},  // 1
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f},  // 2
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e},  // 3
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02},  // 4
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e},  // 5
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e},  // 6
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 7
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e},  // 8
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c},  // 9
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00},  // :
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08},  // ;
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02},  // <
    {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00},  // =
    {0x10, 0x08, 0x04, 0x02, 0x04, 0x08, 0x10},  // >
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04},  // ?
    {0x0e, 0x11, 0x01, 0x0d, 0x15, 0x15, 0x0e},  // @
    {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11},  // A
    {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e},  // B
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e},  // C
    {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c},  // D
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f},  // E
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10},  // F
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f},  // G
    {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11},  // H
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e},  // I
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c},  // J
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},  // K
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f},  // L
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11},  // M
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},  // N
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e},  // O
    {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10},  // P
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d},  // Q
    {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11},  // R
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e},  // S
    {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},  // T
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e},  // U
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04},  // V
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a},  // W
    {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11},  // X
    {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04},  // Y
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f},  // Z
    {0x07, 0x04, 0x04, 0x04, 0x04, 0x04, 0x07},  // [
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00},  // backslash
    {0x1c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x1c},  // ]
    {0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00},  // ^
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f},  // _
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},  // `
    {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f},  // a
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e},  // b
    {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e},  // c
    {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f},  // d
    {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e},  // e
    {0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08},  // f
    {0x00, 0x0f, 0x11, 0x11, 0x0f, 0x01, 0x0e},  // g
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11},  // h
    {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e},  // i
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0c},  // j
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12},  // k
    {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e},  // l
    {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11},  // m
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11},  // n
    {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e},  // o
    {0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10},  // p
    {0x00, 0x00, 0x0d, 0x13, 0x0f, 0x01, 0x01},  // q
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10},  // r
    {0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e},  // s
    {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06},  // t
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d},  // u
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04},  // v
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a},  // w
    {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11},  // x
    {0x00, 0x00, 0x11, 0x11, 0x0f, 0x01, 0x0e},  // y
    {0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f},  // z
    {0x03, 0x04, 0x04, 0x08, 0x04, 0x04, 0x03},  // {
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},  // |
    {0x18, 0x04, 0x04, 0x02, 0x04, 0x04, 0x18},  // }
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00},  // ~
};

constexpr int kPad = 8;   // outer margin, pixels
constexpr int kTick = 5;  // tick length, pixels
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kBorder{160, 160, 160};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(size_t(w) * h * 3, 255) {}

  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  void fill(int x0, int y0, int x1, int y1, Rgb c) {  // inclusive
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) set(x, y, c);
  }
  // Whether (x, y) holds something other than background or grid.
  bool inked(int x, int y) const {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return false;
    const uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
    const bool white = p[0] == 255 && p[1] == 255 && p[2] == 255;
    const bool grid = p[0] == kGrid.r && p[1] == kGrid.g && p[2] == kGrid.b;
    return !white && !grid;
  }
  std::vector<uint8_t>& pixels() { return px_; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  int w_, h_;
  std::vector<uint8_t> px_;
};

// Glyph indices of a string: printable ASCII as is, any other character (a UTF-8 sequence
// counts once) as '?'.
std::vector<int> glyphs(const std::string& s) {
  std::vector<int> g;
  for (unsigned char c : s) {
    if (c >= 32 && c <= 126)
      g.push_back(c - 32);
    else if (c < 0x80 || c >= 0xC0)
      g.push_back('?' - 32);
  }
  return g;
}

// Horizontal text with its top-left corner at (x, y).
void draw_text(Canvas& c, int x, int y, const std::string& s, int scale, Rgb color) {
  io::draw_text(c.pixels(), c.width(), c.height(), x, y, s, scale, color);
}

// Text rotated a quarter turn anticlockwise (read from bottom to top): it fills the columns
// [x, x + 7·scale); the first character starts at row y and the text runs upwards.
void draw_text_up(Canvas& c, int x, int y, const std::string& s, int scale, Rgb color) {
  const std::vector<int> g = glyphs(s);
  for (size_t i = 0; i < g.size(); ++i)
    for (int gy = 0; gy < 7; ++gy)
      for (int gx = 0; gx < 5; ++gx)
        if (kFont[g[i]][gy] & (0x10 >> gx)) {
          const int px = x + gy * scale, py = y - (int(i) * 6 + gx + 1) * scale + 1;
          c.fill(px, py, px + scale - 1, py + scale - 1, color);
        }
}

double nice_step(double range, int target) {
  const double raw = range / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

std::string tick_text(double v, double step) {
  if (std::fabs(v) < step * 1e-9) v = 0;
  char buf[64];
  const double big = std::fabs(v);
  if (big >= 1e7 || step < 1e-5) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

// An axis range: explicit ends kept, automatic ones from the data widened to whole steps.
struct Axis {
  double lo, hi, step;
  std::vector<double> ticks;
};

Axis make_axis(const char* name, double want_lo, double want_hi, double data_lo, double data_hi,
               int target) {
  const bool auto_lo = std::isnan(want_lo), auto_hi = std::isnan(want_hi);
  SMLM_CHECK(
      (auto_lo || std::isfinite(want_lo)) && (auto_hi || std::isfinite(want_hi)),
      "plot: the " << name << " range must be finite, got [" << want_lo << ", " << want_hi << "]");
  if (!auto_lo && !auto_hi)
    SMLM_CHECK(want_lo < want_hi,
               "plot: the " << name << " range [" << want_lo << ", " << want_hi << "] is empty");
  if (!(data_lo <= data_hi)) data_lo = 0, data_hi = 1;  // no data
  double lo = auto_lo ? data_lo : want_lo, hi = auto_hi ? data_hi : want_hi;
  if (!(lo < hi)) {  // a constant series, or data beyond the one explicit end
    const double d = std::fabs(auto_lo ? hi : lo) * 0.1 + 1;
    if (auto_lo && auto_hi)
      lo -= d, hi += d;
    else if (auto_lo)
      lo = hi - d;
    else
      hi = lo + d;
  }
  Axis a;
  a.step = nice_step(hi - lo, target);
  if (auto_lo) lo = std::floor(lo / a.step + 1e-9) * a.step;
  if (auto_hi) hi = std::ceil(hi / a.step - 1e-9) * a.step;
  a.lo = lo, a.hi = hi;
  for (double t = std::ceil(lo / a.step - 1e-9); t * a.step <= hi + a.step * 1e-9; t += 1)
    a.ticks.push_back(t * a.step);
  return a;
}

// Liang–Barsky: clips the segment to the rectangle; false if nothing is left.
bool clip(double& x0, double& y0, double& x1, double& y1, double l, double t, double r, double b) {
  double u0 = 0, u1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  const double p[4] = {-dx, dx, -dy, dy}, q[4] = {x0 - l, r - x0, y0 - t, b - y0};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double u = q[i] / p[i];
    if (p[i] < 0)
      u0 = std::max(u0, u);
    else
      u1 = std::min(u1, u);
    if (u0 > u1) return false;
  }
  const double ax = x0 + u0 * dx, ay = y0 + u0 * dy;
  x1 = x0 + u1 * dx, y1 = y0 + u1 * dy;
  x0 = ax, y0 = ay;
  return true;
}

// A thick segment: squares of side `width` stamped along it; dashed: `dash` on, `gap` off.
void draw_segment(Canvas& c, double x0, double y0, double x1, double y1, int width, Rgb color,
                  int dash = 0, int gap = 0) {
  const int steps = static_cast<int>(std::ceil(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))));
  const int lo = -(width - 1) / 2, hi = width / 2;
  for (int i = 0; i <= steps; ++i) {
    if (dash > 0 && i % (dash + gap) >= dash) continue;
    const double t = steps ? double(i) / steps : 0.0;
    const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
    const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
    c.fill(x + lo, y + lo, x + hi, y + hi, color);
  }
}

}  // namespace

Rgb plot_color(int i) {
  static constexpr Rgb kPalette[] = {{0, 114, 178}, {213, 94, 0},   {0, 158, 115},  {204, 121, 167},
                                     {230, 159, 0}, {86, 180, 233}, {240, 228, 66}, {0, 0, 0}};
  constexpr int n = sizeof kPalette / sizeof kPalette[0];
  return kPalette[((i % n) + n) % n];
}

std::vector<uint8_t> render_line_plot(const LinePlot& plot, PlotArea* area_out) {
  SMLM_CHECK(
      plot.width >= 160 && plot.height >= 120,
      "plot: the image must be at least 160x120 pixels, got " << plot.width << "x" << plot.height);
  SMLM_CHECK(plot.font_scale >= 1 && plot.font_scale <= 8,
             "plot: the font scale must be in [1, 8], got " << plot.font_scale);
  SMLM_CHECK(plot.line_width >= 1 && plot.line_width <= 16,
             "plot: the line width must be in [1, 16], got " << plot.line_width);
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    SMLM_CHECK(s.line_width >= 0 && s.line_width <= 16,
               "plot: series " << k + 1 << " has line width " << s.line_width
                               << ", expected 0 (the plot's) to 16");
    SMLM_CHECK(s.x.size() == s.y.size(), "plot: series " << k + 1 << " has " << s.x.size()
                                                         << " x values and " << s.y.size()
                                                         << " y values");
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
    }
  }
  for (const HorizontalLine& l : plot.lines)
    if (std::isfinite(l.y)) ylo = std::min(ylo, l.y), yhi = std::max(yhi, l.y);

  const int sc = plot.font_scale, ch = 7 * sc;
  const Axis ax = make_axis("x", plot.x_min, plot.x_max, xlo, xhi, std::max(2, plot.width / 110));
  const Axis ay = make_axis("y", plot.y_min, plot.y_max, ylo, yhi, std::max(2, plot.height / 70));
  std::vector<std::string> ylabels, xlabels;
  int ylabel_w = 0;
  for (double t : ay.ticks) {
    ylabels.push_back(tick_text(t, ay.step));
    ylabel_w = std::max(ylabel_w, text_width(ylabels.back(), sc));
  }
  for (double t : ax.ticks) xlabels.push_back(tick_text(t, ax.step));

  PlotArea a;
  a.left = kPad + (plot.y_label.empty() ? 0 : ch + kPad) + ylabel_w + kTick + 4;
  a.top = kPad + (plot.title.empty() ? ch / 2 : ch + kPad);
  const int last_x_half = xlabels.empty() ? 0 : text_width(xlabels.back(), sc) / 2;
  a.right = plot.width - 1 - std::max(2 * kPad, last_x_half + kPad);
  a.bottom = plot.height - 1 - (kTick + 4 + ch + (plot.x_label.empty() ? 0 : kPad + ch) + kPad);
  SMLM_CHECK(a.right - a.left >= 40 && a.bottom - a.top >= 40,
             "plot: " << plot.width << "x" << plot.height
                      << " pixels leave no room for the plot with these labels");
  a.x_min = ax.lo, a.x_max = ax.hi, a.y_min = ay.lo, a.y_max = ay.hi;

  Canvas c(plot.width, plot.height);
  // Grid.
  for (double t : ax.ticks) {
    const int x = static_cast<int>(std::lround(a.px(t)));
    c.fill(x, a.top, x, a.bottom, kGrid);
  }
  for (double t : ay.ticks) {
    const int y = static_cast<int>(std::lround(a.py(t)));
    c.fill(a.left, y, a.right, y, kGrid);
  }
  const double l = a.left, t = a.top, r = a.right, b = a.bottom;
  for (const HorizontalLine& hl : plot.lines) {
    if (!std::isfinite(hl.y)) continue;
    double x0 = l, y0 = a.py(hl.y), x1 = r, y1 = y0;
    if (clip(x0, y0, x1, y1, l, t, r, b)) draw_segment(c, x0, y0, x1, y1, 1, hl.color, 6, 4);
  }
  for (const PlotSeries& s : plot.series) {
    const size_t n = s.x.size();
    const int lw = s.line_width > 0 ? s.line_width : plot.line_width;
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const bool prev = i > 0 && std::isfinite(s.x[i - 1]) && std::isfinite(s.y[i - 1]);
      const bool next = i + 1 < n && std::isfinite(s.x[i + 1]) && std::isfinite(s.y[i + 1]);
      if (!prev && !next) {  // an isolated point: a dot
        double x0 = a.px(s.x[i]), y0 = a.py(s.y[i]), x1 = x0, y1 = y0;
        if (clip(x0, y0, x1, y1, l, t, r, b)) draw_segment(c, x0, y0, x1, y1, lw + 2, s.color);
      }
      if (!next) continue;
      double x0 = a.px(s.x[i]), y0 = a.py(s.y[i]), x1 = a.px(s.x[i + 1]), y1 = a.py(s.y[i + 1]);
      if (clip(x0, y0, x1, y1, l, t, r, b)) draw_segment(c, x0, y0, x1, y1, lw, s.color);
    }
  }
  // Frame, ticks and their labels.
  c.fill(a.left, a.top, a.right, a.top, kBlack);
  c.fill(a.left, a.bottom, a.right, a.bottom, kBlack);
  c.fill(a.left, a.top, a.left, a.bottom, kBlack);
  c.fill(a.right, a.top, a.right, a.bottom, kBlack);
  for (size_t i = 0; i < ax.ticks.size(); ++i) {
    const int x = static_cast<int>(std::lround(a.px(ax.ticks[i])));
    c.fill(x, a.bottom + 1, x, a.bottom + kTick, kBlack);
    draw_text(c, x - text_width(xlabels[i], sc) / 2, a.bottom + kTick + 4, xlabels[i], sc, kBlack);
  }
  for (size_t i = 0; i < ay.ticks.size(); ++i) {
    const int y = static_cast<int>(std::lround(a.py(ay.ticks[i])));
    c.fill(a.left - kTick, y, a.left - 1, y, kBlack);
    draw_text(c, a.left - kTick - 4 - text_width(ylabels[i], sc), y - ch / 2, ylabels[i], sc,
              kBlack);
  }
  // Axis labels and title.
  if (!plot.x_label.empty())
    draw_text(c, (a.left + a.right) / 2 - text_width(plot.x_label, sc) / 2,
              a.bottom + kTick + 4 + ch + kPad, plot.x_label, sc, kBlack);
  if (!plot.y_label.empty())
    draw_text_up(c, kPad, (a.top + a.bottom) / 2 + text_width(plot.y_label, sc) / 2, plot.y_label,
                 sc, kBlack);
  if (!plot.title.empty())
    draw_text(c, (a.left + a.right) / 2 - text_width(plot.title, sc) / 2, kPad, plot.title, sc,
              kBlack);

  // Legend in the corner of the plot area where it hides the fewest drawn pixels.
  struct Entry {
    std::string label;
    Rgb color;
    bool dashed;
    int width;
  };
  std::vector<Entry> entries;
  for (const PlotSeries& s : plot.series)
    if (!s.label.empty())
      entries.push_back(
          {s.label, s.color, false, s.line_width > 0 ? s.line_width : plot.line_width});
  for (const HorizontalLine& hl : plot.lines)
    if (!hl.label.empty()) entries.push_back({hl.label, hl.color, true, 1});
  if (!entries.empty()) {
    int w = 0;
    for (const Entry& e : entries) w = std::max(w, text_width(e.label, sc));
    const int sample = 24, row = ch + 6;
    const int bw = 6 + sample + 6 + w + 6, bh = 6 + row * int(entries.size());
    int x0 = a.right - 6 - bw, y0 = a.top + 6;
    int64_t fewest = -1;
    for (const auto& [cx, cy] : {std::pair{a.right - 6 - bw, a.top + 6},
                                 {a.left + 6, a.top + 6},
                                 {a.right - 6 - bw, a.bottom - 6 - bh},
                                 {a.left + 6, a.bottom - 6 - bh}}) {
      int64_t ink = 0;
      for (int y = cy; y <= cy + bh; ++y)
        for (int x = cx; x <= cx + bw; ++x) ink += c.inked(x, y);
      if (fewest < 0 || ink < fewest) fewest = ink, x0 = cx, y0 = cy;
    }
    c.fill(x0, y0, x0 + bw, y0 + bh, Rgb{255, 255, 255});
    c.fill(x0, y0, x0 + bw, y0, kBorder);
    c.fill(x0, y0 + bh, x0 + bw, y0 + bh, kBorder);
    c.fill(x0, y0, x0, y0 + bh, kBorder);
    c.fill(x0 + bw, y0, x0 + bw, y0 + bh, kBorder);
    for (size_t i = 0; i < entries.size(); ++i) {
      const int ty = y0 + 6 + row * int(i), ly = ty + ch / 2;
      const Entry& e = entries[i];
      draw_segment(c, x0 + 6, ly, x0 + 6 + sample, ly, e.width, e.color, e.dashed ? 6 : 0,
                   e.dashed ? 4 : 0);
      draw_text(c, x0 + 6 + sample + 6, ty, e.label, sc, kBlack);
    }
  }
  if (area_out) *area_out = a;
  return std::move(c.pixels());
}

void write_line_plot(const std::string& path, const LinePlot& plot) {
  const std::vector<uint8_t> rgb = render_line_plot(plot);
  write_png_rgb(path, plot.width, plot.height, rgb);
}

int text_width(const std::string& s, int scale) {
  const int n = static_cast<int>(glyphs(s).size());
  return n == 0 ? 0 : (6 * n - 1) * scale;
}

void draw_text(std::vector<uint8_t>& rgb, int width, int height, int x, int y, const std::string& s,
               int scale, Rgb color) {
  const std::vector<int> g = glyphs(s);
  auto set = [&](int px, int py) {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    uint8_t* p = &rgb[(size_t(py) * width + px) * 3];
    p[0] = color.r, p[1] = color.g, p[2] = color.b;
  };
  for (size_t i = 0; i < g.size(); ++i)
    for (int gy = 0; gy < 7; ++gy)
      for (int gx = 0; gx < 5; ++gx)
        if (kFont[g[i]][gy] & (0x10 >> gx))
          for (int dy = 0; dy < scale; ++dy)
            for (int dx = 0; dx < scale; ++dx)
              set(x + (int(i) * 6 + gx) * scale + dx, y + gy * scale + dy);
}

}  // namespace smlm::io
