// `smlm render`: a localization table becomes a superresolved image, as a 32-bit float TIFF
// (quantitative) or an 8/16-bit PNG (for looking at).
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/error.h"
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
}  // namespace

int run_render(int argc, char** argv) {
  reconstruction::RenderSettings s;
  std::string in, out, method = "gaussian";
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
  p.add("--method", &method, "histogram or gaussian", "NAME");
  p.add("--min-sigma", &s.min_sigma_nm, "gaussian: smallest sigma drawn [nm]");
  p.add("--sigma", &s.fixed_sigma_nm, "gaussian: sigma when the table has no uncertainty [nm]");
  p.add("--camera-pixel-size", &table_pixel,
        "camera pixel size [nm] for Picasso files without a sidecar");
  p.section("field of view (default: from 0 to the largest coordinate)");
  p.add("--x0", &s.x0_nm, "left edge [nm]");
  p.add("--y0", &s.y0_nm, "top edge [nm]");
  p.add("--width", &s.width_nm, "width [nm]");
  p.add("--height", &s.height_nm, "height [nm]");
  p.section("PNG output");
  p.add("--bits", &bits, "8 or 16");
  p.add("--percentile", &percentile, "percentile of non-empty pixels mapped to white");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o IMAGE (see --help)");
  if (method == "histogram") {
    s.method = reconstruction::RenderMethod::histogram;
  } else if (method == "gaussian") {
    s.method = reconstruction::RenderMethod::gaussian;
  } else {
    throw Error("--method: '" + method + "' is not histogram or gaussian");
  }
  SMLM_CHECK(bits == 8 || bits == 16, "--bits: " << bits << " must be 8 or 16");
  SMLM_CHECK(percentile > 0 && percentile <= 100,
             "--percentile: " << percentile << " not in (0, 100]");
  const bool png = ends_with(out, ".png");
  SMLM_CHECK(png || ends_with(out, ".tif") || ends_with(out, ".tiff"),
             out << ": output must end in .png, .tif or .tiff");

  const LocalizationTable table = io::read_table(in, {table_pixel, 0, 0, 0});
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
