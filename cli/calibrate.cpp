// `smlm calibrate`: calibrates a 3D PSF from a bead z-stack (astigmatic defocus curves and a cubic
// spline on one z axis), saves it as HDF5 and optionally plots the widths against z.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/plot.h"
#include "io/tiff_movie.h"
#include "kernels/parallel_for.h"
#include "psf/calibration.h"

namespace smlm::cli {

int run_calibrate(int argc, char** argv);

namespace {

// Data points as short horizontal dashes (the chart writer draws lines only).
io::PlotSeries points(const std::vector<double>& z, const std::vector<double>& v, double half_nm,
                      io::Rgb color, const std::string& label) {
  io::PlotSeries s;
  for (size_t i = 0; i < z.size(); ++i) {
    s.x.insert(s.x.end(), {z[i] - half_nm, z[i] + half_nm, NAN});
    s.y.insert(s.y.end(), {v[i], v[i], NAN});
  }
  s.color = color;
  s.label = label;
  return s;
}

// σx(z), σy(z): the averaged bead's fitted widths (dashes) and the defocus curves (lines).
void plot_astigmatic(const std::string& path, const psf::CalibrationResult& r, double step_nm) {
  const psf::AstigmaticCalibration& a = r.psf.astigmatic;
  std::vector<double> z, sx, sy;
  for (const psf::SigmaPoint& p : r.psf.sigma_points)
    if (p.used) {
      z.push_back(p.z_nm);
      sx.push_back(p.sigma_x);
      sy.push_back(p.sigma_y);
    }
  io::LinePlot lp;
  lp.title = "Astigmatic calibration (" + std::to_string(r.psf.num_beads) + " beads)";
  lp.x_label = "z [nm]";
  lp.y_label = "sigma [px]";
  // Each bead's widths, light; the averaged bead's, dark; then the fitted curves.
  auto light = [](io::Rgb c) {
    return io::Rgb{static_cast<uint8_t>((c.r + 3 * 255) / 4),
                   static_cast<uint8_t>((c.g + 3 * 255) / 4),
                   static_cast<uint8_t>((c.b + 3 * 255) / 4)};
  };
  std::vector<double> bz, bx, by;
  for (const psf::SigmaPoint& p : r.bead_points)
    if (p.z_nm >= a.z_min_nm && p.z_nm <= a.z_max_nm && p.sigma_x < 1.2 * a.x.sigma(p.z_nm) + 1 &&
        p.sigma_y < 1.2 * a.y.sigma(p.z_nm) + 1) {
      bz.push_back(p.z_nm);
      bx.push_back(p.sigma_x);
      by.push_back(p.sigma_y);
    }
  lp.series.push_back(points(bz, bx, 0.3 * step_nm, light(io::plot_color(0)), ""));
  lp.series.push_back(points(bz, by, 0.3 * step_nm, light(io::plot_color(1)), ""));
  lp.series.push_back(points(z, sx, 0.3 * step_nm, io::plot_color(0), ""));
  lp.series.push_back(points(z, sy, 0.3 * step_nm, io::plot_color(1), ""));
  io::PlotSeries fx, fy;
  for (double zz = a.z_min_nm; zz <= a.z_max_nm + 1e-9; zz += 2.0) {
    fx.x.push_back(zz);
    fx.y.push_back(a.x.sigma(zz));
    fy.x.push_back(zz);
    fy.y.push_back(a.y.sigma(zz));
  }
  fx.color = io::plot_color(0);
  fy.color = io::plot_color(1);
  fx.label = "sigma x";
  fy.label = "sigma y";
  lp.series.push_back(fx);
  lp.series.push_back(fy);
  io::write_line_plot(path, lp);
}

// Without astigmatism: the rms widths of the averaged bead (second moments) against z.
void plot_moments(const std::string& path, const psf::CalibrationResult& r, double step_nm) {
  io::PlotSeries wx, wy;
  for (size_t k = 0; k < r.average.size(); ++k) {
    const ImageF& im = r.average[k];
    double s = 0, xx = 0, yy = 0;
    for (int y = 0; y < im.height(); ++y)
      for (int x = 0; x < im.width(); ++x) {
        const double v = std::max(0.0f, im(x, y));
        s += v;
        xx += v * (x - r.centre_x) * (x - r.centre_x);
        yy += v * (y - r.centre_y) * (y - r.centre_y);
      }
    const double z = (k - r.z0_slice) * step_nm;
    wx.x.push_back(z);
    wy.x.push_back(z);
    wx.y.push_back(s > 0 ? std::sqrt(xx / s) : NAN);
    wy.y.push_back(s > 0 ? std::sqrt(yy / s) : NAN);
  }
  wx.color = io::plot_color(0);
  wy.color = io::plot_color(1);
  wx.label = "rms width x";
  wy.label = "rms width y";
  io::LinePlot lp;
  lp.title =
      "Averaged bead (" + std::to_string(r.psf.num_beads) + " beads), z origin " + r.psf.z_origin;
  lp.x_label = "z [nm]";
  lp.y_label = "rms width [px]";
  lp.series = {wx, wy};
  io::write_line_plot(path, lp);
}

}  // namespace

int run_calibrate(int argc, char** argv) {
  CameraModel camera;
  psf::CalibrationSettings s;
  std::string stack_path, out, model = "astigmatic", plot, z_origin = "auto";
  double z_step = 0;
  int threads = 0;
  ArgParser p("smlm calibrate BEADS.tif --z-step NM -o PSF.h5 [options]",
              "Calibrates a 3D PSF from a z-stack of fluorescent beads: finds isolated beads, "
              "aligns them in 3D (sub-pixel cross-correlation) and averages them; fits elliptical "
              "Gaussians slice by slice and the defocus curves sigma(z) = s0*sqrt(1 + u^2 + A u^3 "
              "+ B u^4), u = (z - c)/d (Huang et al. 2008), and builds a cubic spline PSF (Li et "
              "al. 2018) from the same average. z = 0 is where sigma x = sigma y (else the "
              "sharpest slice, else the middle one); z grows with the slice index. Both models "
              "go into one HDF5 file.");
  p.positional("BEADS.tif", &stack_path, "bead z-stack: multi-page TIFF, one page per z step");
  p.add("-o", &out, "output PSF calibration (HDF5)", "FILE");
  p.add("--z-step", &z_step, "stage step between slices [nm]");
  p.add("--model", &model,
        "primary model: astigmatic (needs astigmatism; the spline is saved too) or spline", "NAME");
  p.add("--plot", &plot, "write sigma(z) (or rms widths) against z as a PNG chart", "FILE");
  add_camera_options(p, camera, /*with_read_noise=*/false);
  p.section("calibration");
  p.add("--bead-window", &s.roi_half_px, "bead window half-size [px] (side 2h+1)");
  p.add("--max-beads", &s.max_beads, "brightest isolated beads used at most");
  p.add("--max-sigma", &s.max_sigma_px, "slices fitted wider than this [px] leave the curve fit");
  p.add("--z-smoothing", &s.spline_smoothing_nm,
        "Gaussian smoothing along z before the spline [nm] (0 = none)");
  p.add("--z-origin", &z_origin, "auto, astigmatic, sharpest or centre", "NAME");
  p.section("run");
  p.add("--threads", &threads, "CPU threads (0 = all cores)");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o PSF.h5 (see --help)");
  SMLM_CHECK(p.given("--z-step"), "missing --z-step NM (the stage step between slices)");
  SMLM_CHECK(model == "astigmatic" || model == "spline",
             "--model: '" << model << "' is not astigmatic or spline");
  using ZO = psf::CalibrationSettings::ZOrigin;
  if (z_origin == "auto")
    s.z_origin = model == "astigmatic" ? ZO::kAstigmatic : ZO::kAuto;
  else if (z_origin == "astigmatic")
    s.z_origin = ZO::kAstigmatic;
  else if (z_origin == "sharpest")
    s.z_origin = ZO::kSharpest;
  else if (z_origin == "centre")
    s.z_origin = ZO::kCentre;
  else
    SMLM_CHECK(false,
               "--z-origin: '" << z_origin << "' is not auto, astigmatic, sharpest or centre");
  camera.validate();
  s.z_step_nm = z_step;
  s.pixel_size_nm = camera.pixel_size_nm;
  s.validate();
  apply_threads_option(threads);
  check_distinct_files({{"BEADS.tif", stack_path}}, {{"-o", out}, {"--plot", plot}});

  io::TiffMovieReader reader(stack_path);
  std::vector<ImageF> stack;
  ImageF frame;
  while (reader.read(frame)) {
    for (float& v : frame.vec()) v = static_cast<float>(camera.adu_to_electrons(v));
    stack.push_back(frame);
  }
  const psf::CalibrationResult r = psf::calibrate_beads(stack, s);
  SMLM_CHECK(model != "astigmatic" || r.psf.has_astigmatic,
             stack_path << ": no astigmatic model could be fitted; try --model spline");
  psf::PsfCalibration c = r.psf;
  c.model = model;
  AtomicFileGroup outputs;  // the calibration and its plot: both or neither
  psf::save_calibration(out, c);
  if (!plot.empty()) {
    if (r.psf.has_astigmatic)
      plot_astigmatic(plot, r, s.z_step_nm);
    else
      plot_moments(plot, r, s.z_step_nm);
  }
  outputs.commit();

  int used = 0;
  for (const psf::BeadInfo& b : r.beads) used += b.used;
  std::fprintf(stderr, "calibrated %zu slices: %d of %zu beads used, z = 0 at slice %.2f (%s)\n",
               stack.size(), used, r.beads.size(), r.z0_slice, r.psf.z_origin.c_str());
  if (r.psf.has_astigmatic) {
    const psf::AstigmaticCalibration& a = r.psf.astigmatic;
    for (const auto& [name, k] : {std::pair{"x", &a.x}, std::pair{"y", &a.y}})
      std::fprintf(stderr, "  sigma %s: s0 %.3f px, c %.1f nm, d %.1f nm, A %.4f, B %.4f\n", name,
                   k->sigma0, k->c, k->d, k->A, k->B);
    std::fprintf(stderr, "  astigmatic range %.0f .. %.0f nm\n", a.z_min_nm, a.z_max_nm);
  }
  if (!r.psf.spline.empty()) {
    const psf::CubicSplinePsf m = r.psf.spline_model();
    std::fprintf(stderr, "  spline %d x %d x %d voxels, z %.0f .. %.0f nm\n", m.nx, m.ny, m.nz,
                 m.z_min_px() * m.pixel_size_nm, m.z_max_px() * m.pixel_size_nm);
  }
  return 0;
}

}  // namespace smlm::cli
