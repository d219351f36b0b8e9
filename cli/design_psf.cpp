// `smlm design-psf`: learns a pupil phase mask jointly with a DeepSTORM3D localization net (the
// paper's PSF-learning mode) and writes the mask, its PSF stack and its CRLB against z.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "core/error.h"
#include "io/plot.h"
#include "io/tiff_movie.h"
#include "localization/nets/deepstorm3d/psf_design.h"

namespace smlm::cli {

namespace ds3 = localization::nets::deepstorm3d;

namespace {
std::string with_suffix(const std::string& path, const std::string& suffix) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + suffix)).string();
}
}  // namespace

int run_design_psf(int argc, char** argv) {
  ds3::DesignSettings s;
  std::string out, stack, plot, z_range, photons = "2000:8000", background = "10:30";
  int64_t steps = 500;
  s.net.width = 16, s.net.slices = 16, s.net.upsampling = 2;
  ArgParser p("smlm design-psf -o MASK.tif --z-range MIN:MAX [options]",
              "Learns a pupil phase mask together with a DeepSTORM3D localization net (Nehme et "
              "al. 2020): frames are rendered through the differentiable pupil model with the "
              "current mask and the differentiable noise x + sqrt(x)*eps, and the net's loss "
              "trains both. Writes the mask (32-bit float TIFF, radians over the pupil's "
              "diameter: --psf mask:MASK.tif for train deepstorm3d), its PSF stack "
              "(TIFF, one page per 50 nm of z) and a PNG of its CRLB against z beside the "
              "tetrapod's. Optics: NA 1.49, 660 nm, n 1.518.");
  p.add("-o", &out, "output mask (float TIFF, radians)", "FILE");
  p.add("--stack", &stack, "output PSF stack (default: MASK_psf.tif)", "FILE");
  p.add("--plot", &plot, "output CRLB plot (default: MASK_crlb.png)", "FILE");
  p.add("--pixel-size", &s.data.camera.pixel_size_nm, "back-projected pixel size [nm]");
  p.section("simulation");
  p.add("--z-range", &z_range, "emitters uniform in z over MIN:MAX [nm]", "MIN:MAX");
  p.add("--photons", &photons, "photons per emitter, uniform over MIN:MAX", "MIN:MAX");
  p.add("--background", &background, "background [photons/px], uniform over MIN:MAX", "MIN:MAX");
  p.add("--density", &s.data.density, "emitters per um^2");
  p.add("--patch", &s.data.patch, "frame side [camera pixels]");
  p.section("mask, network and training");
  p.add("--init", &s.initial_mask, "the mask's start: tetrapod, double-helix, astigmatism, none",
        "MASK");
  p.add("--pupil-samples", &s.pupil_samples, "pupil samples across the NA radius");
  p.add("--window", &s.window_px, "PSF window side [camera px], odd");
  p.add("--width", &s.net.width, "features of the net's residual layers");
  p.add("--slices", &s.net.slices, "z slices of the net's volume");
  p.add("--upsampling", &s.net.upsampling, "lateral fine pixels per camera pixel: 1, 2 or 4");
  p.add("--steps", &steps, "training steps");
  p.add("--batch", &s.batch, "frames per step");
  p.add("--lr", &s.lr, "the net's Adam learning rate");
  p.add("--mask-lr", &s.mask_lr, "the mask's Adam learning rate [rad]");
  p.add("--seed", &s.seed, "random seed");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o MASK.tif (see --help)");
  SMLM_CHECK(!z_range.empty(), "missing --z-range MIN:MAX [nm]");
  SMLM_CHECK(steps >= 1, "--steps: " << steps << " must be >= 1");
  parse_range("--z-range", z_range, s.data.z_min_nm, s.data.z_max_nm, /*strict=*/true);
  parse_range("--photons", photons, s.data.photons_min, s.data.photons_max);
  parse_range("--background", background, s.data.background_min, s.data.background_max);
  if (stack.empty()) stack = with_suffix(out, "_psf.tif");
  if (plot.empty()) plot = with_suffix(out, "_crlb.png");
  check_distinct_files({}, {{"-o", out}, {"--stack", stack}, {"--plot", plot}});
  s.data.psf_spec = "pupil:" + s.initial_mask;

  ds3::PsfDesigner designer(s);
  std::fprintf(stderr,
               "designing a mask (from %s) over z %.0f..%.0f nm with a net of width %d, %d slices, "
               "on %dx%d frames, batch %d\n",
               s.initial_mask.c_str(), s.data.z_min_nm, s.data.z_max_nm, s.net.width, s.net.slices,
               s.data.patch, s.data.patch, s.batch);
  TrainDisplay display(steps);
  const auto start = std::chrono::steady_clock::now();
  double loss = 0;
  while (designer.steps_done() < steps) {
    loss = designer.step();
    const double t =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    display.update(designer.steps_done(), loss, designer.lr(), designer.steps_done() / t);
  }
  display.clear();

  const ImageF mask = designer.mask_image();
  std::vector<double> z;
  for (double v = s.data.z_min_nm; v <= s.data.z_max_nm + 1e-9; v += 50) z.push_back(v);
  const std::vector<ImageF> psfs =
      ds3::mask_psf_stack(mask, s.data.camera.pixel_size_nm, z, s.window_px);
  const double n = 0.5 * (s.data.photons_min + s.data.photons_max);
  const double b = 0.5 * (s.data.background_min + s.data.background_max);
  const auto learned = ds3::pupil_crlb(mask, "", s.data.camera.pixel_size_nm, z, n, b, s.window_px);
  const auto tetrapod =
      ds3::pupil_crlb(ImageF(), "tetrapod", s.data.camera.pixel_size_nm, z, n, b, s.window_px);
  io::LinePlot lp;
  lp.title = "CRLB at " + std::to_string(static_cast<int>(n)) + " photons, background " +
             std::to_string(static_cast<int>(b));
  lp.x_label = "z [nm]";
  lp.y_label = "CRLB [nm]";
  double mean_learned = 0, mean_tetrapod = 0;
  auto add = [&](const std::vector<ds3::Crlb>& c, bool lateral, const std::string& label, int k) {
    io::PlotSeries ps;
    ps.color = io::plot_color(k);
    ps.label = label;
    for (size_t i = 0; i < z.size(); ++i) {
      ps.x.push_back(z[i]);
      ps.y.push_back(lateral ? std::sqrt(0.5 * (c[i].x * c[i].x + c[i].y * c[i].y)) : c[i].z);
    }
    lp.series.push_back(ps);
  };
  add(learned, true, "learned xy", 0);
  add(learned, false, "learned z", 1);
  add(tetrapod, true, "tetrapod xy", 2);
  add(tetrapod, false, "tetrapod z", 3);
  for (size_t i = 0; i < z.size(); ++i) {
    mean_learned += std::sqrt((learned[i].x * learned[i].x + learned[i].y * learned[i].y +
                               learned[i].z * learned[i].z) /
                              3) /
                    z.size();
    mean_tetrapod += std::sqrt((tetrapod[i].x * tetrapod[i].x + tetrapod[i].y * tetrapod[i].y +
                                tetrapod[i].z * tetrapod[i].z) /
                               3) /
                     z.size();
  }
  io::write_tiff_image(out, mask);
  {
    io::TiffMovieWriter w(stack, psfs[0].width(), psfs[0].height(), io::PixelType::f32);
    for (const ImageF& f : psfs) w.write(f);
    w.close();
  }
  io::write_line_plot(plot, lp);
  std::fprintf(stderr,
               "%lld steps in %.1f s, last loss %.4g; mean 3D CRLB %.1f nm (tetrapod %.1f nm); "
               "wrote %s, %s, %s\n",
               static_cast<long long>(designer.steps_done()),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               loss, mean_learned, mean_tetrapod, out.c_str(), stack.c_str(), plot.c_str());
  return 0;
}

}  // namespace smlm::cli
