// `smlm render`: a localization table becomes a superresolved image, as a 32-bit float TIFF
// (quantitative) or an 8/16-bit PNG (for looking at).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/plot.h"
#include "io/png_image.h"
#include "io/table_file.h"
#include "io/tiff_movie.h"
#include "reconstruction/display.h"
#include "reconstruction/render.h"

namespace smlm::cli {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Writes the image with a strip below it: the colour map from lo to hi with its ends labelled.
void write_with_color_bar(const std::string& path, const reconstruction::RgbImage& img, double lo,
                          double hi) {
  const int scale = img.width >= 600 ? 2 : 1;
  const int strip = 16 * scale + 7 * scale + 12;
  const int w = std::max(img.width, 40 * scale + 20), h = img.height + strip;
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, 0);
  for (int y = 0; y < img.height; ++y)
    std::copy_n(&img.rgb[static_cast<size_t>(y) * img.width * 3], img.width * 3,
                &rgb[static_cast<size_t>(y) * w * 3]);
  const int x0 = 8, x1 = w - 9, y0 = img.height + 4, y1 = y0 + 12 * scale;
  for (int x = x0; x <= x1; ++x) {
    uint8_t c[3];
    reconstruction::turbo_color(double(x - x0) / std::max(1, x1 - x0), c);
    for (int y = y0; y <= y1; ++y) std::copy_n(c, 3, &rgb[(static_cast<size_t>(y) * w + x) * 3]);
  }
  char a[32], b[32];
  std::snprintf(a, sizeof a, "%.0f nm", lo);
  std::snprintf(b, sizeof b, "%.0f nm", hi);
  const io::Rgb white{255, 255, 255};
  io::draw_text(rgb, w, h, x0, y1 + 4, a, scale, white);
  io::draw_text(rgb, w, h, x1 + 1 - io::text_width(b, scale), y1 + 4, b, scale, white);
  io::draw_text(rgb, w, h, (w - io::text_width("z", scale)) / 2, y1 + 4, "z", scale, white);
  io::write_png_rgb(path, w, h, rgb);
}

}  // namespace

int run_render(int argc, char** argv) {
  reconstruction::RenderSettings s;
  std::string in, out, method = "gaussian", color = "none", view = "xy", z_range;
  int bits = 8;
  double percentile = 99.5;
  ArgParser p(
      "smlm render LOCS.csv -o IMAGE.(tif|png) [options]",
      "Renders localizations as a histogram or as normalized Gaussians, each of its own "
      "uncertainty (uncertainty_xy column; --sigma when absent). A .tif output holds 32-bit "
      "float densities; a .png output is scaled so that the --percentile brightest "
      "non-empty pixel is white.");
  double table_pixel = 0;
  p.positional("LOCS.csv", &in, "localizations (.csv, .hdf5, .ply or .smlm)");
  p.add("-o", &out, "output image (.tif/.tiff or .png)", "FILE");
  p.add("--pixel-size", &s.pixel_size_nm, "output pixel size [nm]");
  p.add("--method", &method, "histogram, gaussian or ash (average shifted histogram)", "NAME");
  p.add("--ash-shifts", &s.ash_shifts, "ash: shifted histograms per axis");
  p.add("--min-sigma", &s.min_sigma_nm, "gaussian: smallest sigma drawn [nm]");
  p.add("--sigma", &s.fixed_sigma_nm, "gaussian: sigma when the table has no uncertainty [nm]");
  p.add("--max-pixels", &s.max_pixels, "largest image (width x height pixels) allowed");
  p.add("--camera-pixel-size", &table_pixel,
        "camera pixel size [nm] for Picasso files without a sidecar");
  p.section("field of view (default: from 0 to the largest coordinate)");
  p.add("--x0", &s.x0_nm, "left edge [nm]");
  p.add("--y0", &s.y0_nm, "top edge [nm]");
  p.add("--width", &s.width_nm, "width [nm]");
  p.add("--height", &s.height_nm, "height [nm]");
  p.section("3D");
  p.add("--color", &color, "none, or z: hue by depth (turbo), with a colour bar in nm (PNG)",
        "NAME");
  p.add("--z-range", &z_range, "z of the colour map's ends [nm] (default: 1st..99th percentile)",
        "MIN,MAX");
  p.add("--view", &view,
        "xy (top), xz or yz (side views: z downwards; each localization drawn with the larger "
        "of its lateral and axial uncertainties)",
        "NAME");
  p.section("PNG output");
  p.add("--bits", &bits, "8 or 16");
  p.add("--percentile", &percentile, "percentile of non-empty pixels mapped to white");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o IMAGE (see --help)");
  if (method == "histogram") {
    s.method = reconstruction::RenderMethod::histogram;
  } else if (method == "gaussian") {
    s.method = reconstruction::RenderMethod::gaussian;
  } else if (method == "ash") {
    s.method = reconstruction::RenderMethod::ash;
  } else {
    throw Error("--method: '" + method + "' is not histogram, gaussian or ash");
  }
  SMLM_CHECK(bits == 8 || bits == 16, "--bits: " << bits << " must be 8 or 16");
  SMLM_CHECK(percentile > 0 && percentile <= 100,
             "--percentile: " << percentile << " not in (0, 100]");
  const bool png = ends_with(out, ".png");
  SMLM_CHECK(png || ends_with(out, ".tif") || ends_with(out, ".tiff"),
             out << ": output must end in .png, .tif or .tiff");

  SMLM_CHECK(color == "none" || color == "z", "--color: '" << color << "' is not none or z");
  SMLM_CHECK(view == "xy" || view == "xz" || view == "yz",
             "--view: '" << view << "' is not xy, xz or yz");
  check_distinct_files({{"LOCS.csv", in}}, {{"-o", out}});
  LocalizationTable table = io::read_table(in, {table_pixel, 0, 0, 0});
  if (view != "xy" || color == "z")
    SMLM_CHECK(table.has(col::z), in << ": --view " << view << " and --color z need a z column");
  if (view != "xy") reconstruction::side_view(table, view == "xz" ? col::x : col::y, s);

  if (color == "z") {
    SMLM_CHECK(png, out << ": colour by z is written as PNG");
    double z_lo, z_hi;
    if (z_range.empty()) {
      reconstruction::percentile_range(table[col::z], z_lo, z_hi);
    } else {
      parse_range("--z-range", z_range, z_lo, z_hi, /*strict=*/true);
    }
    const auto rgb = reconstruction::render_z_colored(table, s, z_lo, z_hi, percentile);
    write_with_color_bar(out, rgb, z_lo, z_hi);
    std::fprintf(stderr, "rendered %zu localizations into %dx%d pixels of %g nm, z %g..%g nm\n",
                 table.size(), rgb.width, rgb.height, s.pixel_size_nm, z_lo, z_hi);
    return 0;
  }
  const ImageF image = reconstruction::render(table, s);
  if (png) {
    io::write_png(out, reconstruction::to_display(image, bits, percentile), bits);
  } else {
    io::write_tiff_image(out, image);
  }
  std::fprintf(stderr, "rendered %zu localizations into %dx%d pixels of %g nm\n", table.size(),
               image.width(), image.height(), s.pixel_size_nm);
  return 0;
}

}  // namespace smlm::cli
