// Tests of the camera chain: pixel statistics of emitter-free frames (CCD/sCMOS and EMCCD excess
// noise, sCMOS per-pixel maps), rounding and clamping, random sCMOS maps.
#include "simulation/camera_noise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "simulation/movie_simulator.h"
#include "simulation/scmos_maps.h"

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

// sCMOS: every pixel of emitter-free frames has mean offset + g·QE·μ and variance
// g²·QE·μ + v (+ 1/12 of rounding) [ADU, ADU²] of its own map values, on a movie cropped from a
// larger sensor (the origin places each frame pixel on its map pixel).
TEST(CameraNoise, ScmosMapsGiveEveryPixelItsOwnMeanAndVariance) {
  ScmosMapStatistics ms;  // strongly non-uniform: wide gains and offsets, many noisy pixels
  ms.offset_sd_adu = 30;
  ms.gain_sd = 0.3;
  ms.read_noise_e = 3;
  ms.hot_fraction = 0.1;
  auto maps = std::make_shared<const CameraMaps>(random_scmos_maps(24, 20, 11, ms));
  SimulationSettings s;
  s.width = s.height = 16;
  s.frames = 3000;
  s.density = 0;
  s.background = 50;
  s.camera.qe = 0.8;
  s.camera_maps = maps;
  s.camera_maps_origin = SensorOrigin{5, 3};
  MovieSimulator sim(s);
  const int n = s.width * s.height;
  std::vector<std::vector<double>> samples(n);
  ImageF adu;
  LocalizationTable truth;
  while (sim.next(adu, truth))
    for (int i = 0; i < n; ++i) samples[i].push_back(adu.vec()[i]);
  int hot = 0;
  for (int i = 0; i < n; ++i) {
    const int x = i % s.width, y = i / s.width;
    const size_t m = static_cast<size_t>(y + 3) * maps->width + x + 5;
    const double o = maps->offset[m], g = maps->gain[m], v = maps->variance[m];
    const double e = s.camera.qe * s.background;
    const double mean = o + g * e, var = g * g * e + v + 1 / 12.;
    const Stats st = stats(samples[i]);
    EXPECT_NEAR(st.mean, mean, 5 * std::sqrt(var / st.n)) << "pixel " << x << ", " << y;
    EXPECT_NEAR(st.var, var, 5 * st.var_se) << "pixel " << x << ", " << y;
    hot += v > 100 * g * g;  // read noise > 10 e⁻
  }
  EXPECT_GT(hot, 5);  // the test saw noisy pixels
}

TEST(CameraNoise, WithoutMapsEveryPixelDrawsTheUniformChain) {
  CameraNoise c = CameraNoise::from(CameraModel{});
  c.read_noise_e = 2;
  for (int i = 0; i < 100; ++i) {
    kernels::Rng a(5, i), b(5, i);
    EXPECT_EQ(c.adu(30.0, a), c.adu(30.0, b, i % 7, i / 7));
  }
}

TEST(CameraNoise, RandomScmosMapsHaveTypicalValues) {
  const CameraMaps m = random_scmos_maps(200, 100, 7);
  EXPECT_EQ(m.width, 200);
  EXPECT_EQ(m.height, 100);
  m.validate();
  const size_t n = m.offset.size();
  ASSERT_EQ(n, 20000u);
  auto median = [](std::vector<float> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return double(v[v.size() / 2]);
  };
  std::vector<float> read_e(n);
  double mean_offset = 0;
  int hot = 0;
  for (size_t i = 0; i < n; ++i) {
    read_e[i] = std::sqrt(m.variance[i]) / m.gain[i];
    mean_offset += m.offset[i] / n;
    hot += read_e[i] > 8;
  }
  EXPECT_NEAR(mean_offset, 100, 0.2);
  EXPECT_NEAR(median(m.gain), 0.5, 0.005);
  EXPECT_NEAR(median(read_e), 2.0, 0.05);
  EXPECT_NEAR(hot / double(n), 0.01, 0.003);
  // One stream per pixel: the same seed, the same maps; another seed, others.
  const CameraMaps again = random_scmos_maps(200, 100, 7), other = random_scmos_maps(200, 100, 8);
  EXPECT_EQ(again.offset, m.offset);
  EXPECT_EQ(again.variance, m.variance);
  EXPECT_NE(other.gain, m.gain);
}

TEST(CameraNoise, MapsMustHoldTheFramesAndGoWithoutEmGain) {
  SimulationSettings s;
  s.width = s.height = 32;
  s.camera_maps = std::make_shared<const CameraMaps>(random_scmos_maps(40, 32, 1));
  EXPECT_THROW(s.validate(), Error);  // 40 × 32 maps, 32 × 32 frames, no origin
  s.camera_maps_origin = SensorOrigin{8, 0};
  EXPECT_NO_THROW(s.validate());
  s.camera_maps_origin = SensorOrigin{9, 0};
  EXPECT_THROW(s.validate(), Error);  // off the sensor
  s.camera_maps_origin = SensorOrigin{0, 0};
  s.camera.em_gain = 100;
  EXPECT_THROW(s.validate(), Error);
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
