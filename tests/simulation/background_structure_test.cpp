// Tests of the structured backgrounds: Perlin noise's range, continuity and determinism, the
// fractal map's feature size, the spec parser, and movies whose mean frame is the map.
#include "simulation/background_structure.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/error.h"
#include "kernels/random.h"
#include "simulation/movie_simulator.h"

namespace smlm::simulation {
namespace {

TEST(PerlinNoise, IsZeroOnLatticePointsAndBoundedAndContinuous) {
  kernels::Rng rng(7, 0);
  double lo = 1, hi = -1, max_jump = 0;
  for (int i = 0; i < 100000; ++i) {
    const double x = 200 * rng.uniform() - 100, y = 200 * rng.uniform() - 100;
    const double n = perlin_noise(x, y, 11);
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    max_jump = std::max(max_jump, std::fabs(perlin_noise(x + 1e-4, y, 11) - n));
  }
  EXPECT_GE(lo, -std::sqrt(0.5) - 1e-12);
  EXPECT_LE(hi, std::sqrt(0.5) + 1e-12);
  EXPECT_LT(lo, -0.3);  // it uses its range
  EXPECT_GT(hi, 0.3);
  EXPECT_LT(max_jump, 1e-3);  // Lipschitz: unit gradients, smooth fade
  for (int i = -3; i <= 3; ++i)
    for (int j = -3; j <= 3; ++j) EXPECT_NEAR(perlin_noise(i, j, 11), 0.0, 1e-15);
}

TEST(PerlinNoise, SameSeedSameMapOtherSeedAnother) {
  PerlinSettings s;
  s.amplitude = 30;
  s.scale_px = 8;
  s.seed = 5;
  const ImageF a = perlin_background(s, 10, 40, 30), b = perlin_background(s, 10, 40, 30);
  s.seed = 6;
  const ImageF c = perlin_background(s, 10, 40, 30);
  double differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a.data()[i], b.data()[i]);
    differ += std::fabs(a.data()[i] - c.data()[i]);
    ASSERT_GE(a.data()[i], 10.f);
    ASSERT_LE(a.data()[i], 40.f);
  }
  EXPECT_GT(differ / a.size(), 1.0);
}

// Correlation of the map with itself shifted by `lag` px along x.
double autocorrelation(const ImageF& m, int lag) {
  double mean = 0;
  for (size_t i = 0; i < m.size(); ++i) mean += m.data()[i];
  mean /= static_cast<double>(m.size());
  double num = 0, den = 0;
  for (int y = 0; y < m.height(); ++y)
    for (int x = 0; x < m.width(); ++x) {
      const double a = m(x, y) - mean;
      den += a * a;
      if (x + lag < m.width()) num += a * (m(x + lag, y) - mean);
    }
  return num / den * m.width() / (m.width() - lag);
}

TEST(PerlinNoise, FeaturesHaveTheScaleAsked) {
  PerlinSettings s;
  s.amplitude = 1;
  s.octaves = 1;
  s.scale_px = 16;
  s.seed = 3;
  const ImageF m = perlin_background(s, 0, 512, 512);
  // Smooth within an eighth of the lattice spacing, uncorrelated two spacings away.
  EXPECT_GT(autocorrelation(m, 2), 0.8);
  EXPECT_LT(std::fabs(autocorrelation(m, 32)), 0.15);
  // More octaves add finer structure: less correlation at short lags.
  s.octaves = 5;
  s.persistence = 0.8;
  EXPECT_LT(autocorrelation(perlin_background(s, 0, 512, 512), 2), autocorrelation(m, 2) - 0.05);
  // The fractal map's values spread over [0, 1] around ½.
  double mean = 0, var = 0;
  for (size_t i = 0; i < m.size(); ++i) mean += m.data()[i];
  mean /= static_cast<double>(m.size());
  for (size_t i = 0; i < m.size(); ++i) var += (m.data()[i] - mean) * (m.data()[i] - mean);
  EXPECT_NEAR(mean, 0.5, 0.05);
  EXPECT_GT(std::sqrt(var / static_cast<double>(m.size())), 0.08);
}

TEST(PerlinNoise, SpecParsesAndRefusesNonsense) {
  const PerlinSettings s = parse_perlin_spec("perlin:25:2000:3:0.6", 100, 9);
  EXPECT_EQ(s.amplitude, 25);
  EXPECT_EQ(s.scale_px, 20);
  EXPECT_EQ(s.octaves, 3);
  EXPECT_EQ(s.persistence, 0.6);
  EXPECT_EQ(s.seed, 9u);
  const PerlinSettings d = parse_perlin_spec("perlin:5:1000", 100, 1);
  EXPECT_EQ(d.octaves, 4);
  EXPECT_EQ(d.persistence, 0.5);
  for (const char* bad :
       {"perlin", "perlin:5", "perlin:x:1000", "perlin:-1:1000", "perlin:5:10", "perlin:5:1000:0",
        "perlin:5:1000:2.5", "perlin:5:1000:4:1.5", "noise:5:1000", "perlin:5:1000:4:0.5:1"}) {
    try {
      parse_perlin_spec(bad, 100, 1);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--background-structure"), std::string::npos) << bad;
    }
  }
}

TEST(MovieSimulator, MeanFrameIsTheBackgroundMap) {
  SimulationSettings s;
  s.width = 24;
  s.height = 20;
  s.frames = 400;
  s.density = 0;
  s.camera.baseline_adu = 100;
  s.camera.photons_per_adu = 1;
  s.camera.em_gain = 1;
  s.camera.qe = 1;
  s.camera.read_noise_e = 0;
  PerlinSettings p;
  p.amplitude = 60;
  p.scale_px = 6;
  p.seed = 4;
  s.background_map = std::make_shared<const ImageF>(perlin_background(p, 5, s.width, s.height));
  MovieSimulator sim(s);
  std::vector<double> sum(static_cast<size_t>(s.width) * s.height, 0.0);
  ImageF adu;
  LocalizationTable truth;
  while (sim.next(adu, truth))
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += adu.data()[i] - 100.0;
  // Per pixel, (mean − b)/√(b/frames) is standard normal (rounding adds 1/12 to the variance).
  double z2 = 0;
  for (size_t i = 0; i < sum.size(); ++i) {
    const double b = s.background_map->data()[i], mean = sum[i] / s.frames;
    z2 += (mean - b) * (mean - b) / ((b + 1.0 / 12) / s.frames);
  }
  const double rms_z = std::sqrt(z2 / static_cast<double>(sum.size()));
  EXPECT_GT(rms_z, 0.85);
  EXPECT_LT(rms_z, 1.15);
}

TEST(MovieSimulator, RefusesABackgroundMapOfAnotherSizeOrNegative) {
  SimulationSettings s;
  s.width = 16;
  s.height = 16;
  s.background_map = std::make_shared<const ImageF>(ImageF(16, 15));
  EXPECT_THROW(s.validate(), Error);
  ImageF neg(16, 16);
  neg.data()[17] = -1;
  s.background_map = std::make_shared<const ImageF>(neg);
  EXPECT_THROW(s.validate(), Error);
  neg.data()[17] = NAN;
  s.background_map = std::make_shared<const ImageF>(neg);
  EXPECT_THROW(s.validate(), Error);
}

}  // namespace
}  // namespace smlm::simulation
