// MleRefiner (every net's --refine mle): candidates a pixel off the truth come back at the CRLB;
// candidates with nothing under them, or whose fit runs off to a neighbour, are rejected. In 3D
// (astigmatic Gaussian and cubic spline) candidates 50 nm and 150 nm in z off the truth of a
// simulated movie come back at the CRLB in x, y and z; on an sCMOS movie the maps give the sCMOS
// CRLB and ignoring them does worse; for_net finds a net's training PSF or says why not.
#include "localization/refine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/camera_maps.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "kernels/random.h"
#include "psf/calibration.h"
#include "psf/integrated_gaussian.h"
#include "simulation/movie_simulator.h"
#include "simulation/psf_spec.h"
#include "simulation/scmos_maps.h"
#include "tests/localization/simulated_3d.h"
#include "tests/localization/simulated_spots.h"
#include "tests/test_util.h"

namespace smlm::localization {
namespace {

using G = psf::IntegratedGaussian;

TEST(MleRefiner, StartsOffByAPixelEndAtTheCrlb) {
  // 400 frames of 15×15 px, one spot each (2000 photons, 20 bg/px, σ 1.3 px), camera: 1 e⁻/ADU,
  // baseline 100; candidates 0.6 px off the truth in a random direction.
  CameraModel camera;
  FitSettings fit;
  fit.initial_sigma_px = 1.3;
  MleRefiner refiner(camera, fit, /*max_shift_px=*/1.5);
  kernels::Rng rng(5, 0);
  const int n = 400, w = 15;
  std::vector<ImageF> frames;
  std::vector<RefineCandidate> candidates;
  std::vector<double> tx, ty;
  for (int k = 0; k < n; ++k) {
    const double theta[G::kNumParams] = {7 + rng.uniform() - 0.5, 7 + rng.uniform() - 0.5, 2000, 20,
                                         1.3};
    const std::vector<float> e = test::simulate_roi(theta, w, w, rng);
    ImageF adu(w, w);
    for (int i = 0; i < w * w; ++i) adu.data()[i] = e[i] + 100.0f;
    frames.push_back(adu);
    const double a = 2 * M_PI * rng.uniform();
    candidates.push_back({k, theta[G::kX] + 0.6 * std::cos(a), theta[G::kY] + 0.6 * std::sin(a)});
    tx.push_back(theta[G::kX]);
    ty.push_back(theta[G::kY]);
  }
  candidates.push_back({0, 1.0, 13.0});  // an empty corner: the fit runs off or fails
  const LocalizationTable t = refiner.refine(frames, 10, candidates);
  ASSERT_GE(t.size(), static_cast<size_t>(n * 0.99));
  EXPECT_LE(t.size(), static_cast<size_t>(n));
  EXPECT_EQ(refiner.stats().refined + refiner.stats().rejected, n + 1);
  // Normalized errors against each fit's own CRLB: std ≈ 1 (x and y pooled).
  double s2 = 0;
  int m = 0;
  for (size_t r = 0; r < t.size(); ++r) {
    const int k = static_cast<int>(t[col::frame][r]) - 10;
    ASSERT_TRUE(k >= 0 && k < n);
    const double px = camera.pixel_size_nm, u = t[col::uncertainty_xy][r];
    const double ex = t[col::x][r] - (tx[k] + 0.5) * px, ey = t[col::y][r] - (ty[k] + 0.5) * px;
    s2 += (ex * ex + ey * ey) / (u * u);
    m += 2;
  }
  const double ratio = std::sqrt(s2 / m);
  EXPECT_GT(ratio, 0.9);
  EXPECT_LT(ratio, 1.1);
  EXPECT_TRUE(t.has(col::loglikelihood));
}

TEST(MleRefiner, ImpossibleSettingsAreErrors) {
  CameraModel camera;
  FitSettings fit;
  EXPECT_THROW(MleRefiner(camera, fit, 0.0), Error);
  fit.roi_radius = 40;  // beyond LM's 15 px
  EXPECT_THROW(MleRefiner(camera, fit, 1.0), Error);
}

// --- 3D and sCMOS --------------------------------------------------------------------------

constexpr double kPixel = 100.0;

// The test curves (σx = σy at z = 0, calibrated over ±800 nm) and the spline of the same PSF.
std::shared_ptr<psf::PsfCalibration> test_calibration() {
  auto cal = std::make_shared<psf::PsfCalibration>();
  cal->model = "astigmatic";
  cal->pixel_size_nm = kPixel;
  cal->has_astigmatic = true;
  cal->astigmatic = test::astigmatic_curves();
  const psf::AstigmaticGaussian m(cal->astigmatic, kPixel);
  cal->spline = std::move(*test::spline_of(m, -800, 800, 20, 2, 8));
  return cal;
}

struct Movie {
  std::vector<ImageF> frames;
  LocalizationTable truth;
};

Movie simulate(const simulation::SimulationSettings& s) {
  simulation::MovieSimulator sim(s);
  Movie m;
  ImageF frame;
  while (sim.next(frame, m.truth)) m.frames.push_back(frame);
  return m;
}

// Truth rows worth a single-emitter fit: at least min_photons emitted in the frame, no other
// emitting molecule within alone_nm, and border_nm inside a w × h nm frame.
std::vector<size_t> isolated(const LocalizationTable& t, double min_photons, double alone_nm,
                             double w_nm, double h_nm, double border_nm) {
  std::vector<size_t> out;
  for (size_t q = 0; q < t.size(); ++q) {
    const double x = t[col::x][q], y = t[col::y][q];
    bool ok = t[col::intensity][q] >= min_photons && x > border_nm && y > border_nm &&
              x < w_nm - border_nm && y < h_nm - border_nm;
    for (size_t u = 0; u < t.size() && ok; ++u)
      ok = u == q || t[col::frame][u] != t[col::frame][q] ||
           std::hypot(t[col::x][u] - x, t[col::y][u] - y) > alone_nm;
    if (ok) out.push_back(q);
  }
  return out;
}

// rms of (row − truth)/uncertainty over the rows, each matched to the nearest chosen truth of its
// frame (they lie > 1 µm apart): x and y over uncertainty_xy (pooled), z over uncertainty_z;
// and the rms lateral error [nm].
struct Normalized {
  double xy = 0, z = 0, rmse_nm = 0, bias_z_nm = 0;
  size_t n = 0;
};
Normalized normalized_errors(const LocalizationTable& rows, const LocalizationTable& truth,
                             const std::vector<size_t>& chosen) {
  const bool is_3d = rows.has(col::z);
  double sxy = 0, sz = 0, se = 0, bz = 0;
  Normalized e;
  for (size_t r = 0; r < rows.size(); ++r) {
    size_t best = chosen.size();
    double best_d = 400;  // nm
    for (size_t i = 0; i < chosen.size(); ++i) {
      const size_t q = chosen[i];
      if (truth[col::frame][q] != rows[col::frame][r]) continue;
      const double d =
          std::hypot(rows[col::x][r] - truth[col::x][q], rows[col::y][r] - truth[col::y][q]);
      if (d < best_d) best_d = d, best = i;
    }
    EXPECT_LT(best, chosen.size()) << "row " << r << " matches no candidate's truth";
    if (best == chosen.size()) continue;
    const size_t q = chosen[best];
    const double dx = rows[col::x][r] - truth[col::x][q], dy = rows[col::y][r] - truth[col::y][q];
    const double u = rows[col::uncertainty_xy][r];
    sxy += (dx * dx + dy * dy) / (2 * u * u);
    se += dx * dx + dy * dy;
    if (is_3d) {
      const double dz = rows[col::z][r] - truth[col::z][q];
      sz += dz * dz / (rows[col::uncertainty_z][r] * rows[col::uncertainty_z][r]);
      bz += dz;
    }
    ++e.n;
  }
  const double n = std::max<double>(e.n, 1);
  e.xy = std::sqrt(sxy / n);
  e.z = std::sqrt(sz / n);
  e.rmse_nm = std::sqrt(se / n);
  e.bias_z_nm = bz / n;
  return e;
}

// A sparse blinking 3D movie (astigmatic PSF, z uniform over ±500 nm, 3000 photons, bg 15): each
// bright isolated molecule's candidate is its truth moved 50 nm in a random direction and 150 nm
// in z (either way). The astigmatic and the spline refiners bring them back at the CRLB.
TEST(MleRefiner, ThreeDCandidatesOffTheTruthEndAtTheCrlb) {
  const auto cal = test_calibration();
  simulation::SimulationSettings s;
  s.width = s.height = 96;
  s.frames = 200;
  s.density = 0.1;
  s.photons = 3000;
  s.background = 15;
  s.k_on = 0.05;
  s.k_off = 1.0;
  s.seed = 21;
  s.psf = simulation::RenderPsf::astigmatic;
  s.astigmatic = cal->astigmatic;
  s.z_min_nm = -500;
  s.z_max_nm = 500;
  const Movie m = simulate(s);
  const std::vector<size_t> chosen = isolated(m.truth, 1500, 1200, 9600, 9600, 800);
  ASSERT_GT(chosen.size(), 250u);
  kernels::Rng rng(33, 0);
  std::vector<RefineCandidate> candidates;
  for (size_t q : chosen) {
    const double a = 2 * M_PI * rng.uniform(), dz = rng.uniform() < 0.5 ? -150.0 : 150.0;
    candidates.push_back({static_cast<int>(m.truth[col::frame][q]),
                          m.truth[col::x][q] / kPixel - 0.5 + 0.5 * std::cos(a),
                          m.truth[col::y][q] / kPixel - 0.5 + 0.5 * std::sin(a),
                          m.truth[col::z][q] + dz});
  }
  for (PsfModel model : {PsfModel::astigmatic, PsfModel::spline}) {
    RefineSettings rs;
    rs.psf = model;
    rs.calibration = cal;
    rs.max_shift_px = 1.5;
    LocalizeSettings ls;
    ls.psf = model;
    ls.calibration = cal;
    rs.fit.roi_radius = default_roi_side(ls) / 2;
    MleRefiner refiner(s.camera, rs);
    const LocalizationTable t = refiner.refine(m.frames, 0, candidates);
    for (auto c : {col::z, col::uncertainty_z, col::uncertainty_xy, col::intensity})
      EXPECT_TRUE(t.has(c)) << c;
    EXPECT_EQ(t.has(col::sigma1), model == PsfModel::astigmatic);
    EXPECT_EQ(refiner.stats().refined, static_cast<int64_t>(t.size()));
    EXPECT_EQ(refiner.stats().refined + refiner.stats().rejected,
              static_cast<int64_t>(candidates.size()));
    const Normalized e = normalized_errors(t, m.truth, chosen);
    std::printf(
        "[ refine 3D ] %-10s %zu of %zu refined (ROI %d px): rms(err/CRLB) xy %.3f z %.3f, "
        "z bias %+.1f nm\n",
        to_string(model), t.size(), candidates.size(), refiner.roi_side(), e.xy, e.z, e.bias_z_nm);
    EXPECT_GE(t.size(), static_cast<size_t>(0.97 * candidates.size())) << to_string(model);
    EXPECT_NEAR(e.xy, 1.0, 0.15) << to_string(model);
    EXPECT_NEAR(e.z, 1.0, 0.15) << to_string(model);
  }
  // Without the net's z the fit starts from a z scan at (x, y): still found.
  for (RefineCandidate& c : candidates) c.z_nm.reset();
  RefineSettings rs;
  rs.psf = PsfModel::astigmatic;
  rs.calibration = cal;
  rs.max_shift_px = 1.5;
  rs.fit.roi_radius = 7;
  MleRefiner refiner(s.camera, rs);
  const LocalizationTable t = refiner.refine(m.frames, 0, candidates);
  EXPECT_GE(t.size(), static_cast<size_t>(0.9 * candidates.size()));
}

// A net trained on a pupil PSF ("pupil:KIND", or "mask:FILE.tif" a phase mask as `design-psf`
// writes it) is refined with the spline the simulator rendered for it: on a movie simulated with
// that PSF, candidates off the truth come back at the CRLB in x, y and z (the same z convention as
// the simulation's). The mask: astigmatism, 0.15 waves rms of Z6 = √6·ρ²·cos 2θ, as a float TIFF.
TEST(MleRefiner, PupilTrainingPsfGivesTheSimulatorsZ) {
  const std::string mask =
      (std::filesystem::temp_directory_path() /
       ("refine_mask_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
        ".tif"))
          .string();
  {
    ImageF phase(48, 48);
    for (int b = 0; b < 48; ++b)
      for (int a = 0; a < 48; ++a) {
        const double u = 2 * (a + 0.5) / 48 - 1, v = 2 * (b + 0.5) / 48 - 1;
        phase(a, b) = static_cast<float>(2 * M_PI * 0.15 * std::sqrt(6.0) * (u * u - v * v));
      }
    io::write_tiff_image(mask, phase);
  }
  for (const std::string& spec : {std::string("pupil:astigmatism"), "mask:" + mask}) {
    simulation::SimulationSettings s;
    s.width = s.height = 64;
    s.frames = 400;
    s.density = 0.1;
    s.photons = 3000;
    s.background = 10;
    s.k_on = 0.05;
    s.k_off = 1.0;
    s.seed = 23;
    s.z_min_nm = -400;
    s.z_max_nm = 400;
    simulation::set_psf_spec(spec, s, "--psf", "--pixel-size");
    const Movie m = simulate(s);
    const std::vector<size_t> chosen = isolated(m.truth, 1500, 1200, 6400, 6400, 800);
    ASSERT_GT(chosen.size(), 250u);
    kernels::Rng rng(35, 0);
    std::vector<RefineCandidate> candidates;
    for (size_t q : chosen) {
      const double a = 2 * M_PI * rng.uniform(), dz = rng.uniform() < 0.5 ? -150.0 : 150.0;
      candidates.push_back({static_cast<int>(m.truth[col::frame][q]),
                            m.truth[col::x][q] / kPixel - 0.5 + 0.5 * std::cos(a),
                            m.truth[col::y][q] / kPixel - 0.5 + 0.5 * std::sin(a),
                            m.truth[col::z][q] + dz});
    }
    NetRefineOptions o;
    o.refine.max_shift_px = 1.5;
    TrainedPsf trained;
    trained.spec = spec;
    trained.z_min_nm = s.z_min_nm;
    trained.z_max_nm = s.z_max_nm;
    trained.pixel_size_nm = s.camera.pixel_size_nm;
    const auto refiner = MleRefiner::for_net(s.camera, o, trained);
    const LocalizationTable t = refiner->refine(m.frames, 0, candidates);
    const Normalized e = normalized_errors(t, m.truth, chosen);
    std::printf(
        "[ refine 3D ] %-5s %zu of %zu refined (ROI %d px): rms(err/CRLB) xy %.3f z %.3f, "
        "z bias %+.1f nm\n",
        spec.substr(0, spec.find(':')).c_str(), t.size(), candidates.size(), refiner->roi_side(),
        e.xy, e.z, e.bias_z_nm);
    EXPECT_GE(t.size(), static_cast<size_t>(0.95 * candidates.size())) << spec;
    EXPECT_NEAR(e.xy, 1.0, 0.15) << spec;
    EXPECT_NEAR(e.z, 1.0, 0.15) << spec;
  }
  std::filesystem::remove(mask);
}

// A 64 × 64 sensor far from uniform (as tests/localization/scmos_test.cpp): offsets ±20 ADU,
// gains ±25 %, read noise around 3 e⁻ rms and 10 % noisy pixels around 20 e⁻ rms.
CameraMaps test_maps() {
  simulation::ScmosMapStatistics ms;
  ms.offset_sd_adu = 20;
  ms.gain_sd = 0.25;
  ms.read_noise_e = 3;
  ms.read_noise_sd = 0.5;
  ms.hot_fraction = 0.1;
  ms.hot_read_noise_e = 20;
  return simulation::random_scmos_maps(64, 64, 2024, ms);
}

// A blinking 2D movie cropped from the mapped sensor, candidates half a pixel off the truth: with
// the maps (conversion per pixel, Huang et al.'s likelihood) the errors are the sCMOS CRLB's; a
// refinement that ignores them (one offset and gain, their means; plain Poisson) lands elsewhere,
// with larger errors than it claims and than the maps' refinement.
TEST(MleRefiner, ScmosMapsGiveTheScmosCrlb) {
  auto maps = std::make_shared<const CameraMaps>(test_maps());
  simulation::SimulationSettings s;
  s.width = 56;
  s.height = 48;
  s.frames = 300;
  s.density = 0.5;
  s.photons = 1000;
  s.background = 10;
  s.k_on = 0.05;
  s.k_off = 1.0;
  s.seed = 17;
  s.camera_maps = maps;
  s.camera_maps_origin = SensorOrigin{5, 11};
  const Movie m = simulate(s);
  const std::vector<size_t> chosen = isolated(m.truth, 500, 800, 5600, 4800, 300);
  ASSERT_GT(chosen.size(), 300u);
  kernels::Rng rng(7, 0);
  std::vector<RefineCandidate> candidates;
  for (size_t q : chosen) {
    const double a = 2 * M_PI * rng.uniform();
    candidates.push_back({static_cast<int>(m.truth[col::frame][q]),
                          m.truth[col::x][q] / kPixel - 0.5 + 0.5 * std::cos(a),
                          m.truth[col::y][q] / kPixel - 0.5 + 0.5 * std::sin(a)});
  }
  RefineSettings rs;
  rs.fit.initial_sigma_px = s.psf_sigma_nm / kPixel;
  rs.max_shift_px = 1.5;
  rs.camera_maps = maps;
  rs.camera_maps_origin = s.camera_maps_origin;
  MleRefiner with_maps(s.camera, rs);
  const LocalizationTable t = with_maps.refine(m.frames, 0, candidates);

  CameraModel uniform = s.camera;  // what a refinement without the maps would assume
  double offset = 0, gain = 0;
  for (size_t i = 0; i < maps->offset.size(); ++i) {
    offset += maps->offset[i] / maps->offset.size();
    gain += maps->gain[i] / maps->gain.size();
  }
  uniform.baseline_adu = offset;
  uniform.photons_per_adu = 1 / gain;
  MleRefiner without(uniform, rs.fit, rs.max_shift_px);
  const LocalizationTable u = without.refine(m.frames, 0, candidates);

  const Normalized e = normalized_errors(t, m.truth, chosen);
  const Normalized eu = normalized_errors(u, m.truth, chosen);
  std::printf(
      "[ refine sCMOS ] with maps %zu of %zu refined: rms(err/CRLB) %.3f, rmse %.2f nm; "
      "without: %zu refined, rms(err/its CRLB) %.3f, rmse %.2f nm\n",
      t.size(), candidates.size(), e.xy, e.rmse_nm, u.size(), eu.xy, eu.rmse_nm);
  EXPECT_GE(t.size(), static_cast<size_t>(0.97 * candidates.size()));
  EXPECT_NEAR(e.xy, 1.0, 0.15);
  EXPECT_GT(eu.rmse_nm, 1.15 * e.rmse_nm);
  EXPECT_GT(eu.xy, 1.2);
  // The same candidates, other answers: each row with maps against the other refinement's row
  // of the same molecule.
  double moved = 0;
  int pairs = 0;
  for (size_t r = 0; r < t.size(); ++r)
    for (size_t v = 0; v < u.size(); ++v)
      if (u[col::frame][v] == t[col::frame][r] &&
          std::hypot(u[col::x][v] - t[col::x][r], u[col::y][v] - t[col::y][r]) < 300) {
        moved += std::hypot(u[col::x][v] - t[col::x][r], u[col::y][v] - t[col::y][r]);
        ++pairs;
      }
  ASSERT_GT(pairs, 100);
  std::printf("[ refine sCMOS ] mean distance between the two refinements' rows: %.2f nm\n",
              moved / pairs);
  EXPECT_GT(moved / pairs, 0.3 * e.rmse_nm);

  // Frames that are not the sensor need their origin.
  rs.camera_maps_origin.reset();
  MleRefiner no_origin(s.camera, rs);
  EXPECT_THROW(no_origin.refine(m.frames, 0, candidates), Error);
  CameraModel em = s.camera;
  em.em_gain = 10;
  EXPECT_THROW(MleRefiner(em, rs), Error);
}

// The refinement's fits on a GPU: the CPU's rows to the LM's agreement criterion (0.01 px), 3D
// spline with sCMOS maps (starts, variances and the spline's coefficients all uploaded).
TEST(MleRefiner, CudaAgreesWithTheCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const auto cal = test_calibration();
  auto maps = std::make_shared<const CameraMaps>(test_maps());
  simulation::SimulationSettings s;
  s.width = s.height = 64;
  s.frames = 100;
  s.density = 0.2;
  s.photons = 3000;
  s.background = 10;
  s.seed = 29;
  s.psf = simulation::RenderPsf::astigmatic;
  s.astigmatic = cal->astigmatic;
  s.z_min_nm = -500;
  s.z_max_nm = 500;
  s.camera_maps = maps;
  const Movie m = simulate(s);
  std::vector<RefineCandidate> candidates;
  for (size_t q = 0; q < m.truth.size(); ++q)
    candidates.push_back({static_cast<int>(m.truth[col::frame][q]),
                          m.truth[col::x][q] / kPixel - 0.3, m.truth[col::y][q] / kPixel - 0.2,
                          m.truth[col::z][q] + 100});
  RefineSettings rs;
  rs.psf = PsfModel::spline;
  rs.calibration = cal;
  rs.fit.roi_radius = 6;
  rs.camera_maps = maps;
  MleRefiner cpu(s.camera, rs);
  rs.fit.device = kernels::Device::cuda(0);
  MleRefiner gpu(s.camera, rs);
  const LocalizationTable a = cpu.refine(m.frames, 0, candidates);
  const LocalizationTable b = gpu.refine(m.frames, 0, candidates);
  ASSERT_GT(a.size(), 100u);
  EXPECT_NEAR(static_cast<double>(b.size()), static_cast<double>(a.size()), 0.01 * a.size());
  // Each CPU row against the GPU row of the same frame nearest to it.
  size_t agree = 0;
  for (size_t r = 0; r < a.size(); ++r) {
    double best = INFINITY;
    size_t at = 0;
    for (size_t v = 0; v < b.size(); ++v) {
      const double d = std::hypot(b[col::x][v] - a[col::x][r], b[col::y][v] - a[col::y][r]);
      if (b[col::frame][v] == a[col::frame][r] && d < best) best = d, at = v;
    }
    agree += best < 1 && std::fabs(b[col::z][at] - a[col::z][r]) < 1;  // nm: 0.01 px
  }
  EXPECT_GE(agree, static_cast<size_t>(0.99 * a.size()));
}

// for_net: a 3D net's refinement fits the user's calibration, else the PSF the net was trained on
// (a calibration file, or a pupil PSF rendered as the simulator renders it), with the ROI of that
// PSF unless the user chose one; what cannot be set up is a one-line error saying why.
TEST(MleRefiner, ForNetFindsTheNetsPsfOrSaysWhy) {
  const auto cal = test_calibration();
  smlm::test::TempDir dir;
  const std::string path = dir / "psf.h5";
  psf::save_calibration(path, *cal);
  const CameraModel camera;
  auto side_of = [&](PsfModel model) {
    LocalizeSettings ls;
    ls.psf = model;
    ls.calibration = cal;
    return default_roi_side(ls);
  };
  NetRefineOptions o;
  TrainedPsf trained;
  trained.spec = "astig:" + path;
  trained.z_min_nm = -500;
  trained.z_max_nm = 500;
  trained.pixel_size_nm = kPixel;
  {
    const auto r = MleRefiner::for_net(camera, o, trained);
    EXPECT_EQ(r->settings().psf, PsfModel::astigmatic);
    EXPECT_EQ(r->roi_side(), side_of(PsfModel::astigmatic));
    EXPECT_TRUE(r->empty_table().has(col::sigma1));
  }
  trained.spec = "spline:" + path;
  {
    const auto r = MleRefiner::for_net(camera, o, trained);
    EXPECT_EQ(r->settings().psf, PsfModel::spline);
    EXPECT_EQ(r->roi_side(), side_of(PsfModel::spline));
    EXPECT_TRUE(r->empty_table().has(col::uncertainty_z));
    EXPECT_FALSE(r->empty_table().has(col::sigma1));
  }
  o.roi_given = true;
  o.refine.fit.roi_radius = 4;
  EXPECT_EQ(MleRefiner::for_net(camera, o, trained)->roi_side(), 9);
  // The user's calibration wins; the training file is not even read.
  trained.spec = "spline:" + (dir / "gone.h5");
  o.refine.psf = PsfModel::astigmatic;
  o.refine.calibration = cal;
  EXPECT_EQ(MleRefiner::for_net(camera, o, trained)->settings().psf, PsfModel::astigmatic);
  // Without it, a training PSF that is gone is named, and --psf suggested.
  o.refine.psf = PsfModel::integrated_gaussian;
  o.refine.calibration.reset();
  std::string msg = smlm::test::error_of([&] { MleRefiner::for_net(camera, o, trained); });
  EXPECT_NE(msg.find("gone.h5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--psf"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  // A pupil PSF: the simulator's spline of it, fitted in z.
  trained.spec = "pupil:astigmatism";
  o.roi_given = false;
  {
    const auto r = MleRefiner::for_net(camera, o, trained);
    EXPECT_EQ(r->settings().psf, PsfModel::spline);
    EXPECT_TRUE(r->empty_table().has(col::z));
    EXPECT_GE(r->roi_side(), 9);
  }
  // A calibration of other pixels, a --psf for a 2D net, a --psf-sigma for a 3D one.
  o.refine.psf = PsfModel::spline;
  o.refine.calibration = cal;
  CameraModel other = camera;
  other.pixel_size_nm = 110;
  msg = smlm::test::error_of([&] { MleRefiner::for_net(other, o, trained); });
  EXPECT_NE(msg.find("nm pixels"), std::string::npos) << msg;
  TrainedPsf gaussian;
  gaussian.sigma_nm = 130;
  msg = smlm::test::error_of([&] { MleRefiner::for_net(camera, o, gaussian); });
  EXPECT_NE(msg.find("--psf"), std::string::npos) << msg;
  o.refine.calibration.reset();
  o.refine.psf = PsfModel::integrated_gaussian;
  o.psf_sigma_nm = 120;
  msg = smlm::test::error_of([&] { MleRefiner::for_net(camera, o, trained); });
  EXPECT_NE(msg.find("--psf-sigma"), std::string::npos) << msg;
}

}  // namespace
}  // namespace smlm::localization
