// Tests of MovieSimulator: photon bookkeeping against the truth, density and blinking at steady
// state, the ThunderSTORM position convention, determinism, and settings validation.
#include "simulation/movie_simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::simulation {
namespace {

// Fraction of a Gaussian centred at x (nm) with width s (nm) that falls on [0, len] nm.
double inside_fraction(double x, double s, double len) {
  return 0.5 * (std::erf((len - x) / (std::sqrt(2.0) * s)) - std::erf(-x / (std::sqrt(2.0) * s)));
}

TEST(MovieSimulator, StreamsTheRequestedFramesThenStops) {
  SimulationSettings s;
  s.width = 20;
  s.height = 12;
  s.frames = 3;
  MovieSimulator sim(s);
  EXPECT_EQ(sim.num_frames(), 3);
  ImageF adu;
  LocalizationTable truth;
  for (int f = 0; f < 3; ++f) {
    EXPECT_EQ(sim.frame_index(), f);
    ASSERT_TRUE(sim.next(adu, truth));
    EXPECT_EQ(adu.width(), 20);
    EXPECT_EQ(adu.height(), 12);
  }
  EXPECT_FALSE(sim.next(adu, truth));
  for (auto c : {col::frame, col::x, col::y, col::intensity, col::molecule}) EXPECT_TRUE(truth.has(c));
  EXPECT_EQ(truth.num_columns(), 5u);
  for (size_t r = 0; r < truth.size(); ++r) {
    EXPECT_GE(truth[col::frame][r], 0);
    EXPECT_LT(truth[col::frame][r], 3);
    EXPECT_GT(truth[col::intensity][r], 0);
    EXPECT_LE(truth[col::intensity][r], s.photons * (1 + 1e-12));
    EXPECT_GE(truth[col::x][r], 0);
    EXPECT_LE(truth[col::x][r], 20 * s.camera.pixel_size_nm);
    const auto id = static_cast<size_t>(truth[col::molecule][r]);
    ASSERT_LT(id, sim.positions().size());
    EXPECT_EQ(truth[col::x][r], sim.positions()[id].x_nm);
    EXPECT_EQ(truth[col::y][r], sim.positions()[id].y_nm);
  }
}

TEST(MovieSimulator, PhotonsInTheFrameMatchTheTruthIntensities) {
  SimulationSettings s;
  s.frames = 20;
  s.density = 1.0;
  s.background = 0;
  s.photon_distribution = PhotonDistribution::exponential;
  s.camera.qe = 0.9;
  s.camera.photons_per_adu = 1;
  s.camera.baseline_adu = 100;
  MovieSimulator sim(s);
  ImageF adu;
  LocalizationTable truth;
  double observed = 0;
  while (sim.next(adu, truth))
    for (float a : adu.vec()) observed += (a - s.camera.baseline_adu) * s.camera.photons_per_adu;
  observed /= s.camera.qe;
  ASSERT_GT(truth.size(), 100u);
  // Expected photons on the sensor: each emitter's intensity times the part of its PSF that
  // falls on the frame.
  const double w = s.width * s.camera.pixel_size_nm, h = s.height * s.camera.pixel_size_nm;
  double expected = 0, total = 0;
  for (size_t r = 0; r < truth.size(); ++r) {
    const double n = truth[col::intensity][r];
    total += n;
    expected += n * inside_fraction(truth[col::x][r], s.psf_sigma_nm, w) *
                inside_fraction(truth[col::y][r], s.psf_sigma_nm, h);
  }
  EXPECT_LT(expected, total);
  // Photoelectrons are Poisson(QE · expected).
  EXPECT_NEAR(observed, expected, 5 * std::sqrt(s.camera.qe * expected) / s.camera.qe);
}

TEST(MovieSimulator, TruthRowsPerFrameMatchTheDensityAndOnTimesTheRates) {
  SimulationSettings s;
  s.frames = 600;
  s.density = 1.0;
  s.k_on = 0.05;
  s.k_off = 0.5;
  MovieSimulator sim(s);
  EXPECT_EQ(sim.num_molecules(), s.num_molecules());
  EXPECT_NEAR(sim.num_molecules(), s.density * s.area_um2() / s.rates().emitting_probability(),
              0.5);
  ImageF adu;
  LocalizationTable truth;
  while (sim.next(adu, truth)) {
  }
  const double per_frame = static_cast<double>(truth.size()) / s.frames;
  EXPECT_NEAR(per_frame, s.density * s.area_um2(), 0.05 * s.density * s.area_um2());
  // Mean on time: the summed on fraction (intensity / brightness) over the number of on periods,
  // counted as runs of consecutive frames. Sub-frame off gaps merge runs; first-frame and
  // last-frame truncations shorten them: so "1/k_off-ish" within 15%.
  std::map<int64_t, int64_t> last_frame;
  double on_time = 0;
  int64_t runs = 0;
  for (size_t r = 0; r < truth.size(); ++r) {
    const auto id = static_cast<int64_t>(truth[col::molecule][r]);
    const auto f = static_cast<int64_t>(truth[col::frame][r]);
    on_time += truth[col::intensity][r] / s.photons;
    auto it = last_frame.find(id);
    if (it == last_frame.end() || it->second != f - 1) ++runs;
    last_frame[id] = f;
  }
  EXPECT_NEAR(on_time / runs, 1 / s.k_off, 0.15 / s.k_off);
  // Duty cycle: the time on per molecule-frame.
  EXPECT_NEAR(on_time / (sim.num_molecules() * s.frames), s.rates().duty_cycle(),
              0.05 * s.rates().duty_cycle());
}

TEST(MovieSimulator, TruthPositionsFollowTheThunderstormConvention) {
  // Bright isolated emitters: the centroid of each frame's photons, at pixel centres
  // (i + 0.5)·pixel, must agree with the truth to a few nm (a half-pixel slip would be 50 nm).
  SimulationSettings s;
  s.width = s.height = 32;
  s.frames = 200;
  s.density = 0.15;
  s.background = 0;
  s.photons = 5000;
  s.camera.baseline_adu = 100;
  MovieSimulator sim(s);
  ImageF adu;
  LocalizationTable truth;
  const double ps = s.camera.pixel_size_nm;
  int checked = 0;
  double sum_dx = 0, sum_dy = 0;
  while (sim.next(adu, truth)) {
    const double f = static_cast<double>(sim.frame_index() - 1);
    std::vector<size_t> rows;
    for (size_t r = 0; r < truth.size(); ++r)
      if (truth[col::frame][r] == f) rows.push_back(r);
    if (rows.size() != 1 || truth[col::intensity][rows[0]] < 2000) continue;
    const double tx = truth[col::x][rows[0]], ty = truth[col::y][rows[0]];
    if (tx < 8 * ps || tx > 24 * ps || ty < 8 * ps || ty > 24 * ps) continue;
    double sw = 0, sx = 0, sy = 0;
    for (int y = 0; y < s.height; ++y)
      for (int x = 0; x < s.width; ++x) {
        const double v = adu(x, y) - s.camera.baseline_adu;
        sw += v;
        sx += v * (x + 0.5) * ps;
        sy += v * (y + 0.5) * ps;
      }
    sum_dx += sx / sw - tx;
    sum_dy += sy / sw - ty;
    EXPECT_NEAR(sx / sw, tx, 15);
    EXPECT_NEAR(sy / sw, ty, 15);
    ++checked;
  }
  ASSERT_GE(checked, 5);
  EXPECT_NEAR(sum_dx / checked, 0, 5);
  EXPECT_NEAR(sum_dy / checked, 0, 5);
}

void run_movie(const SimulationSettings& s, std::vector<ImageF>& frames, LocalizationTable& truth) {
  MovieSimulator sim(s);
  ImageF adu;
  while (sim.next(adu, truth)) frames.push_back(adu);
}

TEST(MovieSimulator, SameSeedSameMovieDifferentSeedDifferentMovie) {
  SimulationSettings s;
  s.width = 48;
  s.height = 40;
  s.frames = 10;
  s.density = 2;
  s.structure = Structure::filaments;
  s.photon_distribution = PhotonDistribution::lognormal;
  s.camera.em_gain = 100;
  s.camera.read_noise_e = 20;
  std::vector<ImageF> a, b, c;
  LocalizationTable ta, tb, tc;
  run_movie(s, a, ta);
  const int threads = kernels::cpu_threads();
  kernels::set_cpu_threads(1);  // the thread count must not matter
  run_movie(s, b, tb);
  kernels::set_cpu_threads(threads);
  s.seed = 2;
  run_movie(s, c, tc);
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 10u);
  for (size_t f = 0; f < a.size(); ++f) EXPECT_EQ(a[f].vec(), b[f].vec()) << "frame " << f;
  ASSERT_EQ(ta.size(), tb.size());
  for (auto col_name : {col::frame, col::x, col::y, col::intensity, col::molecule})
    EXPECT_EQ(ta[col_name], tb[col_name]);
  int differing = 0;
  for (size_t f = 0; f < a.size(); ++f) differing += a[f].vec() != c[f].vec();
  EXPECT_EQ(differing, 10);
  EXPECT_NE(ta[col::x], tc[col::x]);
}

TEST(MovieSimulator, AppendsToAnExistingTable) {
  SimulationSettings s;
  s.width = s.height = 16;
  s.frames = 2;
  s.density = 3;
  s.k_off = 0;  // always on: every molecule in every frame
  MovieSimulator sim(s);
  LocalizationTable truth;
  truth.add_column("extra", 1.0);
  ImageF adu;
  while (sim.next(adu, truth)) {
  }
  EXPECT_EQ(truth.size(), static_cast<size_t>(2 * sim.num_molecules()));
  EXPECT_TRUE(std::isnan(truth["extra"][0]));
  EXPECT_EQ(truth[col::frame].back(), 1.0);
  EXPECT_EQ(truth[col::intensity][0], s.photons);
}

// Expects validate() to throw an Error whose message contains `what`.
void expect_rejected(const SimulationSettings& s, const std::string& what) {
  try {
    s.validate();
    ADD_FAILURE() << "accepted settings with bad " << what;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  EXPECT_THROW(MovieSimulator{s}, Error);
}

TEST(SimulationSettings, ValidateRejectsImpossibleValues) {
  EXPECT_NO_THROW(SimulationSettings{}.validate());
  SimulationSettings s;
  s.width = 0;
  expect_rejected(s, "frame size");
  s = {};
  s.height = -3;
  expect_rejected(s, "frame size");
  s = {};
  s.frames = 0;
  expect_rejected(s, "frames");
  s = {};
  s.density = NAN;
  expect_rejected(s, "density");
  s = {};
  s.density = -1;
  expect_rejected(s, "density");
  s = {};
  s.density = 500;  // five emitters per 100 nm pixel
  expect_rejected(s, "too high");
  s = {};
  s.density = 50;
  s.k_on = 1e-6;  // tens of millions of molecules
  expect_rejected(s, "too high");
  s = {};
  s.photons = -5;
  expect_rejected(s, "photons");
  s = {};
  s.background = NAN;
  expect_rejected(s, "background");
  s = {};
  s.psf_sigma_nm = 0;
  expect_rejected(s, "PSF sigma");
  s = {};
  s.k_on = 0;
  expect_rejected(s, "k_on");
  s = {};
  s.k_off = -0.1;
  expect_rejected(s, "k_off");
  s = {};
  s.k_bleach = INFINITY;
  expect_rejected(s, "k_bleach");
  s = {};
  s.camera.qe = 1.5;
  expect_rejected(s, "QE");
  s = {};
  s.camera.pixel_size_nm = NAN;
  expect_rejected(s, "pixel size");
}

TEST(MovieSimulator, CudaDeviceIsRefusedWithoutAGpu) {
  if (gpu_available()) GTEST_SKIP() << "a GPU is present";
  SimulationSettings s;
  s.frames = 1;
  MovieSimulator sim(s);
  EXPECT_THROW(sim.set_device(kernels::Device::cuda(0)), Error);
  EXPECT_FALSE(sim.device().is_cuda());
  ImageF adu;
  LocalizationTable truth;
  EXPECT_TRUE(sim.next(adu, truth));  // still renders on the CPU
}

}  // namespace
}  // namespace smlm::simulation
