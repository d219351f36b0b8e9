// Tests of the camera chain: pixel statistics of emitter-free frames (CCD/sCMOS and EMCCD excess
// noise), rounding and clamping.
#include "simulation/camera_noise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulation/movie_simulator.h"

namespace smlm::simulation {
namespace {

struct Stats {
  double mean = 0, var = 0, var_se = 0;  // var_se: standard error of the sample variance
  size_t n = 0;
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  s.n = v.size();
  for (double x : v) s.mean += x;
  s.mean /= s.n;
  double m2 = 0, m4 = 0;
  for (double x : v) {
    const double d = (x - s.mean) * (x - s.mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= s.n;
  m4 /= s.n;
  s.var = m2;
  s.var_se = std::sqrt((m4 - m2 * m2) / s.n);
  return s;
}

// One emitter-free 512 × 512 frame, as values of `transform(adu)`.
template <class F>
std::vector<double> empty_frame(const SimulationSettings& base, F transform) {
  SimulationSettings s = base;
  s.width = s.height = 512;
  s.frames = 1;
  s.density = 0;
  MovieSimulator sim(s);
  EXPECT_EQ(sim.num_molecules(), 0);
  ImageF adu;
  LocalizationTable truth;
  EXPECT_TRUE(sim.next(adu, truth));
  EXPECT_EQ(truth.size(), 0u);
  std::vector<double> v;
  for (float a : adu.vec()) {
    EXPECT_EQ(a, std::round(a));
    v.push_back(transform(a));
  }
  return v;
}

TEST(CameraNoise, CcdFrameHasPoissonPlusReadNoiseStatistics) {
  SimulationSettings s;
  s.background = 50;
  s.camera.qe = 0.8;
  s.camera.photons_per_adu = 0.5;  // 2 ADU per electron
  s.camera.baseline_adu = 100;
  s.camera.read_noise_e = 3;
  const Stats st = stats(empty_frame(s, [](float a) { return double(a); }));
  const double p = s.camera.photons_per_adu, e = s.camera.qe * s.background;
  const double mean = s.camera.baseline_adu + e / p;
  // Poisson + read noise, in ADU², plus the rounding's 1/12 (the read noise makes it uniform).
  const double var =
      e / (p * p) + s.camera.read_noise_e * s.camera.read_noise_e / (p * p) + 1 / 12.;
  EXPECT_NEAR(st.mean, mean, 5 * std::sqrt(var / st.n));
  EXPECT_NEAR(st.var, var, 5 * st.var_se);
}

TEST(CameraNoise, CcdWithoutReadNoiseIsPoissonInElectrons) {
  SimulationSettings s;
  s.background = 7.5;
  s.camera.qe = 0.9;
  s.camera.photons_per_adu = 1;
  const Stats st = stats(empty_frame(s, [&](float a) { return a - s.camera.baseline_adu; }));
  const double e = s.camera.qe * s.background;
  EXPECT_NEAR(st.mean, e, 5 * std::sqrt(e / st.n));
  EXPECT_NEAR(st.var, e, 5 * st.var_se);
}

TEST(CameraNoise, EmccdDoublesThePoissonVariance) {
  SimulationSettings s;
  s.background = 50;
  s.camera.qe = 0.8;
  s.camera.em_gain = 300;
  s.camera.photons_per_adu = 10;
  s.camera.read_noise_e = 50;
  const double to_e = s.camera.photons_per_adu / s.camera.em_gain;  // ADU → input electrons
  const Stats st =
      stats(empty_frame(s, [&](float a) { return (a - s.camera.baseline_adu) * to_e; }));
  const double e = s.camera.qe * s.background;
  const double read = s.camera.read_noise_e / s.camera.em_gain;  // in input electrons
  const double var = 2 * e + read * read + to_e * to_e / 12;
  EXPECT_NEAR(st.mean, e, 5 * std::sqrt(var / st.n));
  EXPECT_NEAR(st.var, var, 5 * st.var_se);
  EXPECT_GT(st.var / st.mean, 1.9);  // excess-noise factor ≈ 2
}

TEST(CameraNoise, RoundsAndClampsTo16Bits) {
  CameraNoise c;
  c.baseline_adu = 100;
  kernels::Rng rng(1, 2);
  EXPECT_EQ(c.adu(0.0, rng), 100.0f);  // no photons, no read noise: the baseline exactly
  EXPECT_EQ(c.adu(1e9, rng), 65535.0f);
  c.baseline_adu = 0;
  c.read_noise_e = 1000;
  int zeros = 0;
  for (int i = 0; i < 1000; ++i) {
    const float a = c.adu(0.0, rng);
    EXPECT_GE(a, 0.0f);
    EXPECT_EQ(a, std::round(a));
    zeros += a == 0;
  }
  EXPECT_GT(zeros, 400);  // negative read-outs clamp to 0
}

TEST(CameraNoise, PixelStreamsAreDisjointFromMoleculeStreams) {
  const uint64_t s = pixel_stream(3, 4096, 17);
  EXPECT_EQ(s >> streams::kIndexBits, streams::kPixel >> streams::kIndexBits);
  EXPECT_EQ(s & streams::kIndexMask, 3u * 4096 + 17);
  EXPECT_NE(pixel_stream(3, 4096, 18), s);
  EXPECT_NE(pixel_stream(4, 4096, 17), s);
}

}  // namespace
}  // namespace smlm::simulation
