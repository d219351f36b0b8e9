// The 3D pipeline end to end: MovieSimulator with an astigmatic or spline PSF → Localizer with the
// same calibration → matching against the truth in 3D; real beads (SMLM Challenge AS-Exp)
// calibrated and then localized in their own stack; and the `smlm` commands simulate → localize →
// evaluate → render on an astigmatic calibration file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/camera.h"
#include "io/thunderstorm_csv.h"
#include "io/tiff_movie.h"
#include "localization/batch_fit.h"
#include "localization/localizer.h"
#include "psf/calibration.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"
#include "simulation/movie_simulator.h"
#include "tests/localization/simulated_3d.h"
#include "tests/test_util.h"

namespace smlm {
namespace {

constexpr double kPixel = 100.0;

std::shared_ptr<psf::PsfCalibration> astigmatic_calibration(bool with_spline) {
  auto cal = std::make_shared<psf::PsfCalibration>();
  cal->model = "astigmatic";
  cal->pixel_size_nm = kPixel;
  cal->has_astigmatic = true;
  cal->astigmatic = localization::test::astigmatic_curves();
  if (with_spline) {
    const psf::AstigmaticGaussian m(cal->astigmatic, kPixel);
    cal->spline = std::move(*localization::test::spline_of(m, -800, 800, 20, 2, 8));
  }
  return cal;
}

struct Run3d {
  LocalizationTable locs, truth;
};

// Sparse blinking emitters (0.1 emitting /µm² per frame, most on for one frame) uniform in z over
// ±600 nm, 2000 photons per full frame, bg 15.
Run3d simulate_and_localize(const std::shared_ptr<psf::PsfCalibration>& cal,
                            localization::PsfModel model, int frames) {
  simulation::SimulationSettings s;
  s.width = s.height = 128;
  s.frames = frames;
  s.density = 0.1;
  s.photons = 2000;
  s.background = 15;
  s.k_on = 0.05;
  s.k_off = 1.0;
  s.seed = 5;
  s.psf = simulation::RenderPsf::astigmatic;
  s.astigmatic = cal->astigmatic;
  s.z_min_nm = -600;
  s.z_max_nm = 600;
  simulation::MovieSimulator sim(s);
  Run3d run;
  std::vector<ImageF> movie(frames);
  for (auto& f : movie) EXPECT_TRUE(sim.next(f, run.truth));
  localization::LocalizeSettings ls;
  ls.psf = model;
  ls.calibration = cal;
  // The default ROI, as `smlm localize` picks it: the PSF's photons at its widest z.
  const int side = localization::default_roi_side(ls);
  std::printf("default ROI for the %s model over its z range: %d px\n",
              localization::to_string(model), side);
  EXPECT_GE(side, 11);  // the PSF at +-600 nm spills out of 7 px
  ls.fit.roi_radius = side / 2;
  localization::Localizer loc(s.camera, ls);
  run.locs = loc.localize(movie, 0);
  return run;
}

// z errors of matched, bright (≥ 1500 photons: on for most of the frame), isolated (no other
// truth within 1 µm) emitters away from the field edge; recall over those emitters.
// lateral_norm_rms: rms of the x and y errors over uncertainty_xy (the per-axis CRLB).
struct ZErrors {
  double rmse = 0, bias = 0, rms_uncertainty = 0, norm_rms = 0, recall = 0, lateral_norm_rms = 0;
  size_t n = 0;
};
ZErrors z_errors(const Run3d& run) {
  const auto matches = reconstruction::match(run.locs, run.truth, {250});
  const auto& t = run.truth;
  std::vector<bool> wanted(t.size());
  size_t n_wanted = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const double x = t[col::x][i], y = t[col::y][i];
    bool ok = t[col::intensity][i] >= 1500 && x > 800 && y > 800 && x < 12000 && y < 12000;
    for (size_t j = 0; j < t.size() && ok; ++j)
      if (j != i && t[col::frame][j] == t[col::frame][i] &&
          std::hypot(t[col::x][j] - x, t[col::y][j] - y) < 1000)
        ok = false;
    wanted[i] = ok;
    n_wanted += ok;
  }
  double s = 0, ss = 0, uu = 0, nn = 0, nl = 0;
  size_t n = 0;
  for (const auto& m : matches) {
    if (!wanted[m.truth]) continue;
    const double dz = run.locs[col::z][m.loc] - t[col::z][m.truth];
    const double u = run.locs[col::uncertainty_z][m.loc];
    const double dx = run.locs[col::x][m.loc] - t[col::x][m.truth];
    const double dy = run.locs[col::y][m.loc] - t[col::y][m.truth];
    const double uxy = run.locs[col::uncertainty_xy][m.loc];
    nl += (dx * dx + dy * dy) / (2 * uxy * uxy);
    s += dz;
    ss += dz * dz;
    uu += u * u;
    nn += dz * dz / (u * u);
    ++n;
  }
  ZErrors e;
  e.n = n;
  e.recall = static_cast<double>(n) / n_wanted;
  e.norm_rms = std::sqrt(nn / n);
  e.lateral_norm_rms = std::sqrt(nl / n);
  e.bias = s / n;
  e.rmse = std::sqrt(ss / n);
  e.rms_uncertainty = std::sqrt(uu / n);
  return e;
}

TEST(Pipeline3d, AstigmaticMovieGivesZAtTheCrlb) {
  const auto cal = astigmatic_calibration(false);
  const Run3d run = simulate_and_localize(cal, localization::PsfModel::astigmatic, 200);
  for (auto c : {col::z, col::sigma1, col::sigma2, col::uncertainty_z, col::uncertainty_xy})
    EXPECT_TRUE(run.locs.has(c)) << c;
  const ZErrors e = z_errors(run);
  std::printf(
      "astigmatic movie: %zu isolated matches (recall %.3f), z RMSE %.1f nm, bias %.2f "
      "nm, rms uncertainty_z %.1f nm, rms(dz/uncertainty_z) %.3f, rms(dxy/uncertainty_xy) "
      "%.3f\n",
      e.n, e.recall, e.rmse, e.bias, e.rms_uncertainty, e.norm_rms, e.lateral_norm_rms);
  ASSERT_GT(e.n, 400u);
  EXPECT_GT(e.recall, 0.97);
  EXPECT_NEAR(e.norm_rms, 1.0, 0.10);  // within 1.10x the CRLB with the default ROI
  EXPECT_NEAR(e.lateral_norm_rms, 1.0, 0.10);
  EXPECT_NEAR(e.rmse / e.rms_uncertainty, 1.0, 0.10);
  EXPECT_LT(std::fabs(e.bias), 4.0);
  // sigma1/sigma2 are the calibration's σx(z), σy(z) at the fitted z.
  const psf::AstigmaticCalibration& a = cal->astigmatic;
  for (size_t i = 0; i < std::min<size_t>(run.locs.size(), 20); ++i) {
    EXPECT_NEAR(run.locs[col::sigma1][i], a.x.sigma(run.locs[col::z][i]) * kPixel, 1e-6);
    EXPECT_NEAR(run.locs[col::sigma2][i], a.y.sigma(run.locs[col::z][i]) * kPixel, 1e-6);
  }
}

TEST(Pipeline3d, SplineMovieGivesZAtTheCrlb) {
  const auto cal = astigmatic_calibration(true);
  const Run3d run = simulate_and_localize(cal, localization::PsfModel::spline, 160);
  EXPECT_TRUE(run.locs.has(col::z));
  EXPECT_FALSE(run.locs.has(col::sigma1));
  const ZErrors e = z_errors(run);
  std::printf(
      "spline movie: %zu isolated matches (recall %.3f), z RMSE %.1f nm, bias %.2f nm, "
      "rms uncertainty_z %.1f nm, rms(dz/uncertainty_z) %.3f, rms(dxy/uncertainty_xy) %.3f\n",
      e.n, e.recall, e.rmse, e.bias, e.rms_uncertainty, e.norm_rms, e.lateral_norm_rms);
  ASSERT_GT(e.n, 300u);
  EXPECT_GT(e.recall, 0.97);
  EXPECT_NEAR(e.norm_rms, 1.0, 0.10);  // within 1.10x the CRLB with the default ROI
  EXPECT_NEAR(e.lateral_norm_rms, 1.0, 0.10);
  EXPECT_NEAR(e.rmse / e.rms_uncertainty, 1.0, 0.10);
  EXPECT_LT(std::fabs(e.bias), 4.0);
}

TEST(Pipeline3d, ThreeDModelsNeedTheLmFitterAndACalibration) {
  localization::LocalizeSettings ls;
  ls.psf = localization::PsfModel::astigmatic;
  EXPECT_THROW(localization::Localizer(CameraModel{}, ls), Error);
  ls.calibration = astigmatic_calibration(false);
  ls.fit.fitter = localization::Fitter::ceres;
  EXPECT_THROW(localization::Localizer(CameraModel{}, ls), Error);
  ls.fit.fitter = localization::Fitter::lm;
  CameraModel wrong;
  wrong.pixel_size_nm = 160;
  EXPECT_THROW(localization::Localizer(wrong, ls), Error);
  EXPECT_NO_THROW(localization::Localizer(CameraModel{}, ls));
  EXPECT_EQ(localization::parse_psf_model("spline"), localization::PsfModel::spline);
  EXPECT_THROW(localization::parse_psf_model("biplane"), Error);
}

// The challenge's AS-Exp bead stack: calibrate, then fit each used bead's own frames (13 × 13 ROI
// at the bead) with the calibration, over the central 1 µm; the fitted z must follow the stage
// (slice − the bead's axial offset found by the calibration − z0) to within 15 nm RMS (spline).
TEST(Pipeline3d, RealBeadsLocalizeInTheirOwnStack) {
  SMLM_REQUIRE_SHARED_DATA(path, "beads/AS-Exp.tif");
  CameraModel cam;
  cam.photons_per_adu = 45;
  cam.em_gain = 300;
  cam.baseline_adu = 100;
  io::TiffMovieReader reader(path);
  std::vector<ImageF> stack;
  ImageF f;
  while (reader.read(f)) {
    for (float& v : f.vec()) v = static_cast<float>(cam.adu_to_electrons(v));
    stack.push_back(f);
  }
  const psf::CalibrationResult r = psf::calibrate_beads(stack, psf::CalibrationSettings{});
  ASSERT_TRUE(r.psf.has_astigmatic);
  ASSERT_FALSE(r.psf.spline.empty());
  const int roi = 13, half = roi / 2;
  double rms[2] = {0, 0};
  size_t n[2] = {0, 0};
  for (int which = 0; which < 2; ++which) {
    const localization::BatchModel model =
        which == 0 ? localization::BatchModel::of(r.psf.spline_model())
                   : localization::BatchModel::of(r.psf.astigmatic_model());
    localization::BatchFitter fitter(model.default_settings(), model);
    for (const psf::BeadInfo& b : r.beads) {
      if (!b.used) continue;
      localization::RoiBatch batch;
      batch.w = batch.h = roi;
      std::vector<double> truth;
      for (int k = 0; k < static_cast<int>(stack.size()); ++k) {
        const double z = (k - b.dz - r.z0_slice) * 10.0;
        if (std::fabs(z) > 500) continue;
        truth.push_back(z);
        for (int y = -half; y <= half; ++y)
          for (int x = -half; x <= half; ++x) batch.pixels.push_back(stack[k](b.x + x, b.y + y));
      }
      const auto res = fitter.fit(batch);
      for (size_t i = 0; i < res.size(); ++i) {
        EXPECT_EQ(res[i].status, localization::LmStatus::converged);
        const double dz = res[i].theta[4] * kPixel - truth[i];
        rms[which] += dz * dz;
        ++n[which];
      }
    }
    rms[which] = std::sqrt(rms[which] / n[which]);
  }
  std::printf(
      "AS-Exp beads, central 1 um: z RMS %.1f nm (spline, %zu fits), %.1f nm (astigmatic "
      "Gaussian, %zu fits)\n",
      rms[0], n[0], rms[1], n[1]);
  ASSERT_GT(n[0], 300u);
  EXPECT_LT(rms[0], 15.0);
  EXPECT_LT(rms[1], 150.0);  // the Gaussian misses the real PSF's wings (see calibration_test)
}

// The real AS-Exp PSF, calibrated as a spline, drawn into a sparse movie of molecules on for every
// frame (±600 nm): its defocused images are wide rings whose band-passed image has several maxima.
// With 8-connected maxima and every fit kept, most defocused molecules came out twice; the default
// PSF-sized suppression and the merging of fits that converge on one spot leave one each.
TEST(Pipeline3d, RealSplineGivesOneLocalizationPerMolecule) {
  SMLM_REQUIRE_SHARED_DATA(path, "beads/AS-Exp.tif");
  CameraModel cam;
  cam.photons_per_adu = 45;
  cam.em_gain = 300;
  cam.baseline_adu = 100;
  cam.qe = 0.9;
  io::TiffMovieReader reader(path);
  std::vector<ImageF> stack;
  ImageF f;
  while (reader.read(f)) {
    for (float& v : f.vec()) v = static_cast<float>(cam.adu_to_electrons(v));
    stack.push_back(f);
  }
  auto cal = std::make_shared<psf::PsfCalibration>(
      psf::calibrate_beads(stack, psf::CalibrationSettings{}).psf);
  ASSERT_FALSE(cal->spline.empty());
  ASSERT_NEAR(cal->pixel_size_nm, kPixel, 1e-9);

  // Thirty short movies (other molecules in each) of always-on molecules; scored on the isolated
  // ones (no other within 1.5 µm, 1 µm from the edge): how many localizations lie within 400 nm
  // of each, and the errors of the nearest one.
  struct Score {
    int molecules = 0, missed = 0, twice = 0;
    double se_xy = 0, se_z = 0, crlb_xy = 0, crlb_z = 0;
  };
  auto run = [&](int nms_radius, std::optional<double> duplicates, bool multi_emitter) {
    localization::LocalizeSettings ls;
    ls.multi_emitter = multi_emitter;
    ls.psf = localization::PsfModel::spline;
    ls.calibration = cal;
    ls.fit.roi_radius = localization::default_roi_side(ls) / 2;
    ls.detection.nms_radius = nms_radius;
    ls.duplicate_distance_px = duplicates;
    Score sc;
    for (int movie_seed = 1; movie_seed <= 30; ++movie_seed) {
      simulation::SimulationSettings s;
      s.width = s.height = 96;
      s.frames = 2;
      s.density = 0.1;
      s.photons = 4000;
      s.background = 20;
      s.k_on = 1;  // always on: each molecule in every frame
      s.k_off = 0;
      s.seed = static_cast<uint64_t>(movie_seed);
      s.camera = cam;
      s.psf = simulation::RenderPsf::spline;
      s.spline = std::make_shared<psf::CubicSpline>(cal->spline);
      s.z_min_nm = -600;
      s.z_max_nm = 600;
      simulation::MovieSimulator sim(s);
      LocalizationTable t;
      std::vector<ImageF> movie(s.frames);
      for (auto& fr : movie) EXPECT_TRUE(sim.next(fr, t));
      localization::Localizer loc(cam, ls);
      const LocalizationTable l = loc.localize(movie, 0);
      const double edge = 1000, far = s.width * kPixel - 1000;
      for (size_t i = 0; i < t.size(); ++i) {
        const double x = t[col::x][i], y = t[col::y][i];
        bool isolated = x > edge && y > edge && x < far && y < far;
        for (size_t j = 0; j < t.size() && isolated; ++j)
          isolated = j == i || t[col::frame][j] != t[col::frame][i] ||
                     std::hypot(t[col::x][j] - x, t[col::y][j] - y) > 1500;
        if (!isolated) continue;
        ++sc.molecules;
        int near = 0;
        double best = 1e9;
        size_t k = 0;
        for (size_t j = 0; j < l.size(); ++j) {
          if (l[col::frame][j] != t[col::frame][i]) continue;
          const double d = std::hypot(l[col::x][j] - x, l[col::y][j] - y);
          if (d < 400) ++near;
          if (d < best) best = d, k = j;
        }
        if (near == 0) {
          ++sc.missed;
          continue;
        }
        sc.twice += near > 1;
        sc.se_xy += best * best / 2;
        sc.se_z += std::pow(l[col::z][k] - t[col::z][i], 2);
        sc.crlb_xy += std::pow(l[col::uncertainty_xy][k], 2);
        sc.crlb_z += std::pow(l[col::uncertainty_z][k], 2);
      }
    }
    return sc;
  };
  const Score before = run(1, 0.0, false);  // 8-connected maxima, every single fit kept
  // Single emitters with the automatic radius and merging; then the defaults (multi-emitter fits,
  // which report each emitter from the ROI of its nearest candidate only).
  const Score single = run(0, std::nullopt, false);
  EXPECT_LE(single.twice, single.molecules / 50);
  EXPECT_LE(single.missed, before.missed + single.molecules / 100);
  const Score after = run(0, std::nullopt, true);
  const int found = after.molecules - after.missed;
  const double xy = std::sqrt(after.se_xy / after.crlb_xy),
               z = std::sqrt(after.se_z / after.crlb_z);
  std::printf(
      "real AS-Exp spline, %d isolated molecule images: 8-connected maxima, every fit kept: %d "
      "missed, %d found twice; defaults: %d missed, %d found twice, rms error / CRLB %.2f "
      "(x, y), %.2f (z)\n",
      before.molecules, before.missed, before.twice, after.missed, after.twice, xy, z);
  ASSERT_GT(after.molecules, 120);
  EXPECT_GT(before.twice, before.molecules / 10);  // what the defaults mend
  EXPECT_LE(after.twice, after.molecules / 50);
  EXPECT_LE(after.missed, before.missed + after.molecules / 100);
  EXPECT_LE(after.missed, after.molecules / 30);
  EXPECT_GT(found, 0);
  EXPECT_LT(xy, 1.3);
  EXPECT_LT(z, 1.3);
}

// The commands: simulate --psf astig:FILE → localize --psf FILE → evaluate (3D keys).
TEST(Pipeline3d, CommandsSimulateLocalizeEvaluateIn3d) {
  test::TempDir dir;
  const std::string psf = dir / "psf.h5", movie = dir / "movie.tif", truth = dir / "truth.csv",
                    locs = dir / "locs.csv";
  psf::save_calibration(psf, *astigmatic_calibration(false));
  const std::string smlm = test::smlm_cli();
  std::string out;
  ASSERT_EQ(test::run_command(smlm + " simulate -o " + movie + " --truth " + truth +
                                  " --psf astig:" + psf +
                                  " --z-range -500,500 --frames 40 --size 64 --density 0.2 "
                                  "--photons 3000 --background 15 --seed 3",
                              &out),
            0)
      << out;
  ASSERT_EQ(test::run_command(smlm + " localize " + movie + " -o " + locs + " --psf " + psf +
                                  " --roi 13 --threads 1",
                              &out),
            0)
      << out;
  const LocalizationTable t = io::read_thunderstorm_csv(truth), l = io::read_thunderstorm_csv(locs);
  ASSERT_TRUE(t.has(col::z));
  ASSERT_TRUE(l.has(col::z));
  ASSERT_TRUE(l.has(col::uncertainty_z));
  ASSERT_GT(l.size(), 100u);
  ASSERT_EQ(test::run_command(smlm + " evaluate " + locs + " --truth " + truth, &out), 0) << out;
  for (const char* key :
       {"\"rmse_axial_nm\"", "\"bias_z_nm\"", "\"efficiency_axial\"", "\"rmse_lateral_nm\""})
    EXPECT_NE(out.find(key), std::string::npos) << key << " in " << out;
  const auto ev = reconstruction::evaluate(l, t, {});
  EXPECT_TRUE(ev.is_3d);
  // A plumbing check (blinking emitters, many dim partial frames and overlaps): the numbers of the
  // pipeline itself are checked above.
  EXPECT_GT(ev.jaccard, 0.5);
  EXPECT_LT(ev.rmse_axial_nm, 100.0);
  std::printf("CLI 3D: jaccard %.3f, rmse lateral %.1f nm, axial %.1f nm, efficiency axial %.1f\n",
              ev.jaccard, ev.rmse_lateral_nm, ev.rmse_axial_nm, ev.efficiency_axial);
}

}  // namespace
}  // namespace smlm
