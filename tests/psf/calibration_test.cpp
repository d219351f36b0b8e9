// Tests of bead-stack calibration: a simulated astigmatic bead stack (several beads, sub-pixel
// positions, different heights, Poisson noise) recovers the defocus curves that made it, both
// models report the same z, the HDF5 file round-trips, and the real SMLM Challenge bead stacks
// calibrate with default settings.
#include "psf/calibration.h"

#include <gtest/gtest.h>

#include <array>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/camera.h"
#include "core/error.h"
#include "io/tiff_movie.h"
#include "kernels/random.h"
#include "tests/test_util.h"

namespace smlm::psf {
namespace {

AstigmaticCalibration truth_curves() {
  AstigmaticCalibration cal;
  cal.x.sigma0 = 1.3;
  cal.x.c = -200;
  cal.x.d = 320;
  cal.x.A = 0.1;
  cal.x.B = 0.05;
  cal.y.sigma0 = 1.4;
  cal.y.c = 220;
  cal.y.d = 300;
  cal.y.A = -0.05;
  cal.y.B = 0.02;
  cal.z_min_nm = -1000;
  cal.z_max_nm = 1000;
  return cal;
}

// z where the truth's σx = σy, by bisection between the foci.
double truth_crossing(const AstigmaticCalibration& c) {
  double a = c.x.c, b = c.y.c;
  for (int i = 0; i < 100; ++i) {
    const double m = 0.5 * (a + b);
    ((c.x.sigma(a) - c.y.sigma(a)) * (c.x.sigma(m) - c.y.sigma(m)) <= 0 ? b : a) = m;
  }
  return 0.5 * (a + b);
}

// 61 slices, 20 nm apart (stage z = −600..600 nm), five beads at sub-pixel positions and heights
// ±15 nm, 20000 photons, 8 photons/px background, Poisson noise.
// (x, y [px], height [nm]) of each bead.
using BeadPositions = std::vector<std::array<double, 3>>;
std::vector<ImageF> simulated_beads(const AstigmaticCalibration& cal,
                                    const BeadPositions& beads = {{20.3, 22.7, 0.0},
                                                                  {62.8, 18.4, 12.0},
                                                                  {88.1, 55.6, -9.0},
                                                                  {35.6, 70.2, -15.0},
                                                                  {75.4, 82.9, 6.0}},
                                    int w = 110, int h = 100) {
  const AstigmaticGaussian model(cal, 100.0);
  const int n = 61, roi = 41;
  std::vector<ImageF> st(n, ImageF(w, h, 8.0f));
  std::vector<double> mu(roi * roi);
  for (int k = 0; k < n; ++k) {
    const double stage = -600.0 + 20.0 * k;
    for (const auto& b : beads) {
      const int x0 = static_cast<int>(b[0]) - roi / 2, y0 = static_cast<int>(b[1]) - roi / 2;
      const double theta[5] = {b[0] - x0, b[1] - y0, 20000.0, 0.0, (stage + b[2]) / 100.0};
      model.evaluate_roi(theta, roi, roi, mu.data(), nullptr);
      for (int y = 0; y < roi; ++y)
        for (int x = 0; x < roi; ++x)
          if (x0 + x >= 0 && y0 + y >= 0 && x0 + x < w && y0 + y < h)
            st[k](x0 + x, y0 + y) += static_cast<float>(mu[y * roi + x]);
    }
    kernels::Rng rng(42, k);
    for (float& v : st[k].vec()) v = static_cast<float>(rng.poisson(v));
  }
  return st;
}

// The z [nm] that best explains `roi` under `model` by Poisson likelihood (what the fitters
// maximize), with x, y fixed and N, bg maximizing the likelihood at each z (Newton on the 2×2
// problem): a grid scan at 2 nm steps, enough to compare two models' z.
template <class Model>
double best_z_nm(const Model& model, const ImageF& roi, double x, double y, double z_lo_nm,
                 double z_hi_nm, double pixel_nm) {
  const int n = roi.width() * roi.height();
  std::vector<double> f(n);
  double best = 1e300, best_z = 0;
  for (double z = z_lo_nm; z <= z_hi_nm; z += 2.0) {
    const double theta[5] = {x, y, 1.0, 0.0, z / pixel_nm};
    model.evaluate_roi(theta, roi.width(), roi.height(), f.data(), nullptr);
    double sf = 0, sd = 0;
    for (int i = 0; i < n; ++i) {
      sf += f[i];
      sd += roi.vec()[i];
    }
    double bg = std::max(1e-3, 0.2 * sd / n), nn = std::max(1.0, (sd - bg * n) / sf);
    for (int it = 0; it < 20; ++it) {
      double gn = 0, gb = 0, hnn = 0, hnb = 0, hbb = 0;
      for (int i = 0; i < n; ++i) {
        const double mu = nn * f[i] + bg, d = roi.vec()[i], r = d / (mu * mu);
        gn += f[i] * (1 - d / mu);
        gb += 1 - d / mu;
        hnn += r * f[i] * f[i];
        hnb += r * f[i];
        hbb += r;
      }
      const double det = hnn * hbb - hnb * hnb;
      if (!(det > 0)) break;
      double dn = (hbb * gn - hnb * gb) / det, db = (hnn * gb - hnb * gn) / det;
      double t = 1.0;  // keep N, bg positive
      while (nn - t * dn <= 0 || bg - t * db <= 0) t *= 0.5;
      nn -= t * dn;
      bg -= t * db;
    }
    double nll = 0;
    for (int i = 0; i < n; ++i) {
      const double mu = nn * f[i] + bg;
      nll += mu - roi.vec()[i] * std::log(mu);
    }
    if (nll < best) {
      best = nll;
      best_z = z;
    }
  }
  return best_z;
}

ImageF crop(const ImageF& im, int cx, int cy, int half) {
  ImageF out(2 * half + 1, 2 * half + 1);
  for (int y = 0; y < out.height(); ++y)
    for (int x = 0; x < out.width(); ++x) out(x, y) = im(cx - half + x, cy - half + y);
  return out;
}

class SimulatedBeads : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    truth_ = new AstigmaticCalibration(truth_curves());
    CalibrationSettings s;
    s.z_step_nm = 20.0;
    result_ = new CalibrationResult(calibrate_beads(simulated_beads(*truth_), s));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete truth_;
  }
  static AstigmaticCalibration* truth_;
  static CalibrationResult* result_;
};
AstigmaticCalibration* SimulatedBeads::truth_ = nullptr;
CalibrationResult* SimulatedBeads::result_ = nullptr;

TEST_F(SimulatedBeads, FindsAndAlignsEveryBead) {
  const CalibrationResult& r = *result_;
  ASSERT_EQ(r.beads.size(), 5u);
  EXPECT_EQ(r.psf.num_beads, 5);
  for (const BeadInfo& b : r.beads) {
    EXPECT_TRUE(b.used);
    EXPECT_GT(b.correlation, 0.95);
  }
  // Relative heights: bead 1 sits 12 nm above bead 0 → its slices come 0.6 slice earlier.
  const auto find = [&](int x, int y) {
    for (const BeadInfo& b : r.beads)
      if (std::abs(b.x - x) <= 1 && std::abs(b.y - y) <= 1) return b;
    ADD_FAILURE() << "no bead near " << x << "," << y;
    return BeadInfo{};
  };
  const BeadInfo b0 = find(20, 23), b1 = find(63, 18), b3 = find(36, 70);
  EXPECT_NEAR((b0.dz - b1.dz) * 20.0, 12.0, 6.0);
  EXPECT_NEAR((b0.dz - b3.dz) * 20.0, -15.0, 6.0);
  // Sub-pixel offsets from the window centres: bead 0 (+0.3, −0.3), bead 1 (−0.2, +0.4).
  EXPECT_NEAR(b1.dx - b0.dx, -0.2 - 0.3, 0.1);
  EXPECT_NEAR(b1.dy - b0.dy, 0.4 + 0.3, 0.1);
}

TEST_F(SimulatedBeads, RecoversTheDefocusCurves) {
  const CalibrationResult& r = *result_;
  ASSERT_TRUE(r.psf.has_astigmatic);
  EXPECT_EQ(r.psf.model, "astigmatic");
  EXPECT_EQ(r.psf.z_origin, "astigmatic");
  const AstigmaticCalibration& got = r.psf.astigmatic;
  // The truth on our z axis: z = 0 where σx = σy (the beads' mean height shifts nothing).
  const double zc = truth_crossing(*truth_);
  EXPECT_NEAR(got.x.sigma(0.0), got.y.sigma(0.0), 1e-6);
  const DefocusCurve* g[2] = {&got.x, &got.y};
  const DefocusCurve* t[2] = {&truth_->x, &truth_->y};
  for (int a = 0; a < 2; ++a) {
    EXPECT_NEAR(g[a]->sigma0, t[a]->sigma0, 0.02 * t[a]->sigma0) << "axis " << a;
    EXPECT_NEAR(g[a]->c, t[a]->c - zc, 10.0) << "axis " << a;
    EXPECT_NEAR(g[a]->d, t[a]->d, 0.05 * t[a]->d) << "axis " << a;
    EXPECT_NEAR(g[a]->A, t[a]->A, 0.05) << "axis " << a;
    EXPECT_NEAR(g[a]->B, t[a]->B, 0.03) << "axis " << a;
    for (double z = -450; z <= 450; z += 50)
      EXPECT_NEAR(g[a]->sigma(z), t[a]->sigma(z + zc), 0.03) << "axis " << a << " z " << z;
  }
  std::printf(
      "simulated: crossing %.1f nm; x: s0 %.3f c %.1f d %.1f A %.3f B %.3f (truth %.3f %.1f "
      "%.1f %.3f %.3f); y: s0 %.3f c %.1f d %.1f A %.3f B %.3f (truth %.3f %.1f %.1f %.3f "
      "%.3f)\n",
      zc, got.x.sigma0, got.x.c, got.x.d, got.x.A, got.x.B, t[0]->sigma0, t[0]->c - zc, t[0]->d,
      t[0]->A, t[0]->B, got.y.sigma0, got.y.c, got.y.d, got.y.A, got.y.B, t[1]->sigma0,
      t[1]->c - zc, t[1]->d, t[1]->A, t[1]->B);
  // The averaged-stack widths are the plot's data points, on the same z axis.
  int used = 0;
  for (const SigmaPoint& p : r.psf.sigma_points) used += p.used;
  EXPECT_GT(used, 40);
  EXPECT_FALSE(r.bead_points.empty());
  EXPECT_LT(got.z_min_nm, -400);
  EXPECT_GT(got.z_max_nm, 400);
}

TEST_F(SimulatedBeads, BothModelsReportTheSameZ) {
  const CalibrationResult& r = *result_;
  ASSERT_TRUE(r.psf.has_astigmatic);
  ASSERT_FALSE(r.psf.spline.empty());
  const AstigmaticGaussian astig = r.psf.astigmatic_model();
  const CubicSplinePsf spline = r.psf.spline_model();
  EXPECT_NEAR(spline.cz, r.z0_slice, 1e-12);
  // A fresh noisy emitter from the truth at known z (on the calibration's axis).
  const double zc = truth_crossing(*truth_);
  const AstigmaticGaussian truth(*truth_, 100.0);
  for (double z : {-300.0, -120.0, 0.0, 150.0, 330.0}) {
    ImageF roi(13, 13);
    std::vector<double> mu(13 * 13);
    const double theta[5] = {6.2, 5.7, 5000.0, 5.0, (z + zc) / 100.0};
    truth.evaluate_roi(theta, 13, 13, mu.data(), nullptr);
    kernels::Rng rng(7, static_cast<uint64_t>(z + 1000));
    for (int i = 0; i < 13 * 13; ++i) roi.vec()[i] = static_cast<float>(rng.poisson(mu[i]));
    const double za = best_z_nm(astig, roi, 6.2, 5.7, -600, 600, 100.0);
    const double zs = best_z_nm(spline, roi, 6.2, 5.7, -600, 600, 100.0);
    EXPECT_NEAR(za, z, 30.0) << "astigmatic at " << z;
    EXPECT_NEAR(zs, z, 30.0) << "spline at " << z;
    EXPECT_NEAR(za, zs, 30.0) << z;
  }
}

TEST_F(SimulatedBeads, SavesAndLoadsBothModels) {
  test::TempDir dir;
  const std::string path = dir / "psf.h5";
  save_calibration(path, result_->psf);
  // Only the file itself: the temporary is gone.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename().string(), "psf.h5");
  }
  EXPECT_EQ(files, 1);
  const PsfCalibration c = load_calibration(path);
  EXPECT_EQ(c.model, "astigmatic");
  EXPECT_EQ(c.z_origin, "astigmatic");
  EXPECT_EQ(c.num_beads, 5);
  EXPECT_DOUBLE_EQ(c.z_step_nm, 20.0);
  ASSERT_TRUE(c.has_astigmatic);
  EXPECT_DOUBLE_EQ(c.astigmatic.x.sigma0, result_->psf.astigmatic.x.sigma0);
  EXPECT_DOUBLE_EQ(c.astigmatic.y.B, result_->psf.astigmatic.y.B);
  EXPECT_DOUBLE_EQ(c.astigmatic.z_max_nm, result_->psf.astigmatic.z_max_nm);
  EXPECT_EQ(c.sigma_points.size(), result_->psf.sigma_points.size());
  ASSERT_FALSE(c.spline.empty());
  EXPECT_EQ(c.spline.coefficients(), result_->psf.spline.coefficients());
  const CubicSplinePsf a = c.spline_model(), b = result_->psf.spline_model();
  EXPECT_EQ(a.nx, b.nx);
  EXPECT_DOUBLE_EQ(a.cz, b.cz);
  EXPECT_DOUBLE_EQ(a.cx, b.cx);
  const double theta[5] = {4.1, 3.9, 1000, 2, 1.7};
  std::vector<double> ma(81), mb(81);
  a.evaluate_roi(theta, 9, 9, ma.data(), nullptr);
  b.evaluate_roi(theta, 9, 9, mb.data(), nullptr);
  EXPECT_EQ(ma, mb);
  // Saving over an existing file replaces it.
  PsfCalibration spline_only;
  spline_only.model = "spline";
  spline_only.spline = CubicSpline(std::vector<float>(b.nx * b.ny * b.nz * 64, 0.5f), b);
  save_calibration(path, spline_only);
  const PsfCalibration d = load_calibration(path);
  EXPECT_FALSE(d.has_astigmatic);
  EXPECT_EQ(d.model, "spline");
  EXPECT_THROW(d.astigmatic_model(), Error);
}

// Overwrites one value of a saved calibration: attribute `name` of `group`, or (index >= 0)
// element `index` of dataset `name`.
void poke(const std::string& path, const char* group, const char* name, double value,
          int index = -1) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  if (index < 0) {
    const hid_t g = H5Oopen(f, group, H5P_DEFAULT);
    const hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    ASSERT_GE(a, 0) << name;
    EXPECT_GE(H5Awrite(a, H5T_NATIVE_DOUBLE, &value), 0);
    H5Aclose(a);
    H5Oclose(g);
  } else {
    const hid_t d = H5Dopen2(f, (std::string(group) + "/" + name).c_str(), H5P_DEFAULT);
    ASSERT_GE(d, 0) << name;
    const hid_t space = H5Dget_space(d);
    std::vector<double> v(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    v.at(static_cast<size_t>(index)) = value;
    EXPECT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
    H5Sclose(space);
    H5Dclose(d);
  }
  H5Fclose(f);
}

TEST_F(SimulatedBeads, NonFiniteOrOutOfRangeValuesAreRefusedNamingThem) {
  test::TempDir dir;
  const std::string good = dir / "good.h5";
  save_calibration(good, result_->psf);
  struct Case {
    const char *group, *name;
    double value;
    int index;
    const char* expected;
  };
  const Case cases[] = {
      {"spline", "coefficients", NAN, 5, "dataset 'coefficients' holds nan at index 5"},
      {"spline", "coefficients", INFINITY, 0, "dataset 'coefficients' holds inf"},
      {"astigmatic", "sigma_x", NAN, 2, "dataset 'sigma_x' holds nan"},
      {"/", "pixel_size_nm", NAN, -1, "attribute 'pixel_size_nm' is nan"},
      {"/", "z_step_nm", -20, -1, "attribute 'z_step_nm' is -20"},
      {"spline", "dz_nm", 0, -1, "attribute 'dz_nm' is 0"},
      {"spline", "cz", INFINITY, -1, "attribute 'cz' is inf"},
      {"astigmatic", "x_sigma0", -1, -1, "x_sigma0 must be > 0"},
      {"astigmatic", "z_min_nm", 5000, -1, "astigmatic z range is inverted"},
  };
  for (const Case& c : cases) {
    const std::string bad = dir / (std::string(c.name) + ".h5");
    std::filesystem::copy_file(good, bad, std::filesystem::copy_options::overwrite_existing);
    poke(bad, c.group, c.name, c.value, c.index);
    const std::string msg = test::error_of([&] { load_calibration(bad); });
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expected), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(load_calibration(good));
}

TEST(CalibrationFile, ReportsBadFilesAndLeavesNothingBehind) {
  test::TempDir dir;
  EXPECT_THROW(load_calibration(dir / "missing.h5"), Error);
  std::ofstream(dir / "text.h5") << "not hdf5";
  try {
    load_calibration(dir / "text.h5");
    FAIL() << "expected smlm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text.h5"), std::string::npos) << e.what();
  }
  PsfCalibration empty;
  EXPECT_THROW(save_calibration(dir / "x.h5", empty), Error);  // no model
  PsfCalibration c;
  c.has_astigmatic = true;
  c.astigmatic = truth_curves();
  EXPECT_THROW(save_calibration(dir / "no/such/folder/x.h5", c), Error);
  save_calibration(dir / "a.h5", c);
  EXPECT_EQ(load_calibration(dir / "a.h5").astigmatic.y.c, 220.0);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 2);  // text.h5 and a.h5
}

// A regular grid of beads 16 px apart (1.6 µm) has no bead alone in the default 25 px window:
// the error says how far apart they are and which --bead-window works, and that one does.
TEST(Calibration, CrowdedBeadsSuggestAWindowThatWorks) {
  BeadPositions grid;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 5; ++i) grid.push_back({18.3 + 16 * i, 18.6 + 16 * j, 0.0});
  const std::vector<ImageF> stack = simulated_beads(truth_curves(), grid, 100, 84);
  CalibrationSettings s;
  s.z_step_nm = 20.0;
  const std::string msg = test::error_of([&] { calibrate_beads(stack, s); });
  EXPECT_NE(msg.find("16 px apart"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--bead-window 7"), std::string::npos) << msg;
  s.roi_half_px = 7;
  const CalibrationResult r = calibrate_beads(stack, s);
  EXPECT_GE(r.psf.num_beads, 10);
}

TEST(Calibration, RejectsStacksWithoutBeadsAndImpossibleSettings) {
  std::vector<ImageF> flat(20, ImageF(64, 64, 10.0f));
  CalibrationSettings s;
  EXPECT_THROW(calibrate_beads(flat, s), Error);
  EXPECT_THROW(calibrate_beads(std::vector<ImageF>(3, ImageF(64, 64)), s), Error);
  s.z_step_nm = 0;
  EXPECT_THROW(s.validate(), Error);
  // An astigmatic z origin on a stack without astigmatism (a round Gaussian) fails clearly.
  AstigmaticCalibration round = truth_curves();
  round.y = round.x;
  CalibrationSettings a;
  a.z_step_nm = 20;
  a.z_origin = CalibrationSettings::ZOrigin::kAstigmatic;
  try {
    calibrate_beads(simulated_beads(round), a);
    FAIL() << "expected smlm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("astigmatism"), std::string::npos) << e.what();
  }
  // kAuto takes the sharpest slice instead and builds the spline only.
  a.z_origin = CalibrationSettings::ZOrigin::kAuto;
  const CalibrationResult r = calibrate_beads(simulated_beads(round), a);
  EXPECT_FALSE(r.psf.has_astigmatic);
  EXPECT_EQ(r.psf.model, "spline");
  EXPECT_EQ(r.psf.z_origin, "sharpest");
  // The sharpest slice of a round Gaussian is its focus: stage z ≈ −200 nm (minus the reference
  // bead's height, within ±15 nm).
  EXPECT_NEAR(r.z0_slice * 20.0 - 600.0, -200.0, 35.0);
}

// ----- the SMLM Challenge 2016 bead stacks (100 nm pixels, 10 nm steps, EMCCD) -----

std::vector<ImageF> read_beads(const std::string& path) {
  CameraModel cam;
  cam.photons_per_adu = 45;
  cam.em_gain = 300;
  cam.baseline_adu = 100;
  io::TiffMovieReader r(path);
  std::vector<ImageF> st;
  ImageF f;
  while (r.read(f)) {
    for (float& v : f.vec()) v = static_cast<float>(cam.adu_to_electrons(v));
    st.push_back(f);
  }
  return st;
}

TEST(RealBeads, AstigmaticStackCalibratesBothModels) {
  SMLM_REQUIRE_SHARED_DATA(path, "beads/AS-Exp.tif");
  const std::vector<ImageF> st = read_beads(path);
  ASSERT_EQ(st.size(), 151u);
  CalibrationSettings s;  // defaults: 10 nm, 100 nm pixels
  const CalibrationResult r = calibrate_beads(st, s);
  EXPECT_GE(r.psf.num_beads, 5);
  ASSERT_TRUE(r.psf.has_astigmatic);
  ASSERT_FALSE(r.psf.spline.empty());
  EXPECT_EQ(r.psf.z_origin, "astigmatic");
  // z = 0 near the middle of the stack (focal plane near frame 76 of 151).
  EXPECT_GT(r.z0_slice, 50);
  EXPECT_LT(r.z0_slice, 100);
  const double zlo = -r.z0_slice * 10.0, zhi = (150 - r.z0_slice) * 10.0;
  const AstigmaticCalibration& a = r.psf.astigmatic;
  for (const DefocusCurve* c : {&a.x, &a.y}) {
    EXPECT_GT(c->sigma0, 1.0);
    EXPECT_LT(c->sigma0, 3.0);
    EXPECT_GT(c->c, zlo);
    EXPECT_LT(c->c, zhi);
    EXPECT_GT(c->d, 100);
    EXPECT_LT(c->d, 1000);
  }
  EXPECT_LT(a.x.c * a.y.c, 0);  // the two foci on either side of z = 0
  EXPECT_GT(std::fabs(a.x.c - a.y.c), 150);
  EXPECT_LT(a.z_min_nm, -300);
  EXPECT_GT(a.z_max_nm, 300);
  // Both models read the same z off the averaged bead at known slices.
  const AstigmaticGaussian astig = r.psf.astigmatic_model();
  const CubicSplinePsf spline = r.psf.spline_model();
  const int k0 = static_cast<int>(std::lround(r.z0_slice));
  for (int dk : {-30, -15, 0, 15, 30}) {
    const int k = k0 + dk;
    const double z = (k - r.z0_slice) * 10.0;
    ImageF roi = r.average[k];  // the whole bead window
    for (float& v : roi.vec()) v += 20.0f;
    const double za = best_z_nm(astig, roi, r.centre_x, r.centre_y, -600, 600, 100.0);
    const double zs = best_z_nm(spline, roi, r.centre_x, r.centre_y, -600, 600, 100.0);
    std::printf("slice %d z %.1f astig %.1f spline %.1f\n", k, z, za, zs);
    // The Gaussian misses the real PSF's wings (worst on the +z side): ~50 nm at ±300 nm.
    EXPECT_NEAR(za, z, 60.0) << "astigmatic at slice " << k;
    EXPECT_NEAR(zs, z, 15.0) << "spline at slice " << k;
  }
  std::printf(
      "AS-Exp: %d beads, z0 = slice %.2f; x: s0 %.3f c %.1f d %.1f A %.3f B %.3f; y: s0 "
      "%.3f c %.1f d %.1f A %.3f B %.3f; range %.0f..%.0f nm; spline %dx%dx%d\n",
      r.psf.num_beads, r.z0_slice, a.x.sigma0, a.x.c, a.x.d, a.x.A, a.x.B, a.y.sigma0, a.y.c, a.y.d,
      a.y.A, a.y.B, a.z_min_nm, a.z_max_nm, spline.nx, spline.ny, spline.nz);
}

TEST(RealBeads, DoubleHelixStackCalibratesTheSpline) {
  SMLM_REQUIRE_SHARED_DATA(path, "beads/DH-Exp.tif");
  const std::vector<ImageF> st = read_beads(path);
  CalibrationSettings s;
  const CalibrationResult r = calibrate_beads(st, s);
  EXPECT_GE(r.psf.num_beads, 5);  // two lobes per bead are one bead
  for (const BeadInfo& b : r.beads) EXPECT_GT(b.correlation, 0.9);
  EXPECT_FALSE(r.psf.has_astigmatic);
  EXPECT_EQ(r.psf.model, "spline");
  ASSERT_FALSE(r.psf.spline.empty());
  EXPECT_GT(r.z0_slice, 50);
  EXPECT_LT(r.z0_slice, 100);
  // The spline reads z off the averaged bead.
  const CubicSplinePsf spline = r.psf.spline_model();
  const int cx = static_cast<int>(std::lround(r.centre_x)),
            cy = static_cast<int>(std::lround(r.centre_y));
  for (int k : {40, 75, 110}) {
    ImageF roi = crop(r.average[k], cx, cy, 9);
    for (float& v : roi.vec()) v += 20.0f;
    const double zs =
        best_z_nm(spline, roi, r.centre_x - (cx - 9), r.centre_y - (cy - 9), -800, 800, 100.0);
    EXPECT_NEAR(zs, (k - r.z0_slice) * 10.0, 15.0) << "slice " << k;
  }
  std::printf("DH-Exp: %d beads, z0 = slice %.2f (%s), spline %dx%dx%d\n", r.psf.num_beads,
              r.z0_slice, r.psf.z_origin.c_str(), spline.nx, spline.ny, spline.nz);
}

}  // namespace
}  // namespace smlm::psf
