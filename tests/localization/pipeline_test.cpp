// The classic pipeline end to end on simulated movies: MovieSimulator → Localizer → matching
// against the truth. Precision against the Cramér–Rao bound, bias, recall, across photon counts.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "localization/localizer.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"
#include "simulation/movie_simulator.h"

namespace smlm {
namespace {

struct Simulated {
  LocalizationTable locs, truth;
};

// Static, always-on emitters (k_off = k_bleach = 0): every truth row is a whole frame's worth
// of photons, so precision can be compared with the CRLB of exactly those photons.
Simulated simulate_and_localize(double photons, double density, int frames, uint64_t seed,
                                CameraModel camera = {}, double background = 20,
                                bool fixed_sigma = false) {
  simulation::SimulationSettings s;
  s.width = s.height = 128;
  s.frames = frames;
  s.density = density;
  s.photons = photons;
  s.background = background;
  s.psf_sigma_nm = 130;
  s.k_on = 50;
  s.k_off = 0;
  s.k_bleach = 0;
  s.camera = camera;
  s.seed = seed;
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> movie(frames);
  Simulated run;
  for (auto& f : movie) EXPECT_TRUE(sim.next(f, run.truth));
  localization::LocalizeSettings ls;
  ls.fit.fixed_sigma = fixed_sigma;
  ls.fit.initial_sigma_px = 1.3;
  localization::Localizer localizer(camera, ls);
  run.locs = localizer.localize(movie, 0);
  return run;
}

// Errors of the matched, isolated localizations: raw [nm] and normalized by each one's own
// reported uncertainty (the CRLB of its fit), whose std is 1 for an efficient estimator.
struct Errors {
  double std_x, std_y, bias_x, bias_y, rms_crlb;
  double norm_std_x, norm_std_y;
  size_t n;
};

// Truth emitters with no other emitter within `radius` nm in their frame: the CRLB of a
// single-emitter fit describes these; overlapping pairs are fitted as one and are outliers.
std::vector<bool> isolated(const LocalizationTable& truth, double radius) {
  const auto& f = truth[col::frame];
  const auto& x = truth[col::x];
  const auto& y = truth[col::y];
  std::vector<bool> ok(truth.size(), true);
  for (size_t i = 0; i < truth.size(); ++i)
    for (size_t j = i + 1; j < truth.size() && f[j] == f[i]; ++j)
      if (std::hypot(x[i] - x[j], y[i] - y[j]) < radius) ok[i] = ok[j] = false;
  return ok;
}

Errors errors(const Simulated& run) {
  const auto matches = reconstruction::match(run.locs, run.truth, {250});
  const std::vector<bool> alone = isolated(run.truth, 1000);
  double sx = 0, sy = 0, sxx = 0, syy = 0, crlb = 0, zxx = 0, zyy = 0;
  size_t used = 0;
  for (const auto& m : matches) {
    if (!alone[m.truth]) continue;
    ++used;
    const double dx = run.locs[col::x][m.loc] - run.truth[col::x][m.truth];
    const double dy = run.locs[col::y][m.loc] - run.truth[col::y][m.truth];
    sx += dx, sy += dy, sxx += dx * dx, syy += dy * dy;
    const double u = run.locs[col::uncertainty_xy][m.loc];
    crlb += u * u;
    zxx += dx * dx / (u * u), zyy += dy * dy / (u * u);
  }
  const double n = static_cast<double>(used);
  Errors e;
  e.n = used;
  e.bias_x = sx / n, e.bias_y = sy / n;
  e.std_x = std::sqrt(sxx / n - e.bias_x * e.bias_x);
  e.std_y = std::sqrt(syy / n - e.bias_y * e.bias_y);
  e.rms_crlb = std::sqrt(crlb / n);
  e.norm_std_x = std::sqrt(zxx / n);
  e.norm_std_y = std::sqrt(zyy / n);
  return e;
}

// The reference case: 2000 photons, 20 background photons/px, 100 nm pixels, PSF sigma
// 130 nm. About 50 emitters per frame over 100 frames, of which the isolated ones (~1000 or more
// localizations; the std of the bias estimate is ~0.15 nm) are compared with their CRLB.
TEST(Pipeline, PrecisionReachesTheCramerRaoBound) {
  const Simulated run = simulate_and_localize(2000, 0.3, 100, 11);
  const Errors e = errors(run);
  ASSERT_GT(e.n, 800u);
  EXPECT_NEAR(e.std_x / e.rms_crlb, 1.0, 0.10);
  EXPECT_NEAR(e.std_y / e.rms_crlb, 1.0, 0.10);
  EXPECT_NEAR(e.norm_std_x, 1.0, 0.10);
  EXPECT_NEAR(e.norm_std_y, 1.0, 0.10);
  EXPECT_LT(std::fabs(e.bias_x), 1.0);
  EXPECT_LT(std::fabs(e.bias_y), 1.0);
}

// Removes rows within `margin` nm of the edges of a square field `size` nm wide: emitters centred
// there are half outside the camera.
void drop_edges(LocalizationTable& t, double size, double margin) {
  std::vector<bool> keep(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    const double x = t[col::x][i], y = t[col::y][i];
    keep[i] = x > margin && y > margin && x < size - margin && y < size - margin;
  }
  t.filter(keep);
}

// Low density: 0.05 emitters/µm², so that ~1.4 % of emitters have a neighbour within 300 nm
// (2.3 sigma), where no single-emitter detector separates two spots. Positions are redrawn for
// each of 20 seeds (static layouts would make recall depend on a single unlucky pair).
TEST(Pipeline, RecallAtLowDensity) {
  int64_t tp = 0, fp = 0, fn = 0;
  for (uint64_t seed = 100; seed < 120; ++seed) {
    Simulated run = simulate_and_localize(2000, 0.05, 5, seed);
    drop_edges(run.truth, 12800, 100);
    drop_edges(run.locs, 12800, 100);
    const auto ev = reconstruction::evaluate(run.locs, run.truth, {250});
    tp += ev.true_positives, fp += ev.false_positives, fn += ev.false_negatives;
  }
  EXPECT_GT(tp + fn, 700);
  EXPECT_GE(static_cast<double>(tp) / (tp + fn), 0.98);  // recall
  EXPECT_GE(static_cast<double>(tp) / (tp + fp), 0.98);  // precision
}

struct SweepCase {
  double photons, background;
};

class PhotonSweep : public ::testing::TestWithParam<SweepCase> {};

// Across 100–10 000 photons the precision follows the CRLB. The dim end is taken at a PALM-like
// 2 background photons/px: at 100 photons on 20 photons/px the spots sit at the detection limit
// (a quarter are found, biased to upward fluctuations) and the free-sigma MLE is not efficient
// (measured ratio ~1.3; ~1.15 with sigma fixed), a regime no single-emitter fitter reaches the
// bound in.
TEST_P(PhotonSweep, PrecisionFollowsTheBound) {
  const auto [photons, background] = GetParam();
  const Simulated run =
      simulate_and_localize(photons, 0.3, 60, 13 + static_cast<uint64_t>(photons), {}, background);
  const Errors e = errors(run);
  ASSERT_GT(e.n, 500u);
  EXPECT_NEAR(e.norm_std_x, 1.0, 0.15) << photons << " photons";
  EXPECT_NEAR(e.norm_std_y, 1.0, 0.15) << photons << " photons";
  // The bound itself scales as 1/sqrt(N) where background does not dominate.
  if (photons >= 1000) {
    EXPECT_LT(e.rms_crlb, 2.0 * 130 / std::sqrt(photons));
  }
}

INSTANTIATE_TEST_SUITE_P(Photons, PhotonSweep,
                         ::testing::Values(SweepCase{100, 2}, SweepCase{300, 20},
                                           SweepCase{1000, 20}, SweepCase{3000, 20},
                                           SweepCase{10000, 20}));

TEST(Pipeline, EmccdPrecisionFollowsTheDoubledBound) {
  CameraModel em;
  em.em_gain = 100;
  em.photons_per_adu = 10;
  em.qe = 0.9;
  const Simulated run = simulate_and_localize(2000, 0.3, 100, 14, em);
  const Errors e = errors(run);
  ASSERT_GT(e.n, 800u);
  // The excess noise doubles the variance; the reported uncertainty includes the factor.
  EXPECT_NEAR(e.norm_std_x, 1.0, 0.12);
  EXPECT_NEAR(e.norm_std_y, 1.0, 0.12);
}

}  // namespace
}  // namespace smlm
