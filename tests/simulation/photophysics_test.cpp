// Tests of the blinking chain (duty cycle, on times, bleaching) and of the brightness draws.
#include "simulation/photophysics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace smlm::simulation {
namespace {

TEST(BlinkRates, DutyCycleAndEmittingProbability) {
  const BlinkRates r{0.05, 0.5, 0.0};
  EXPECT_NEAR(r.duty_cycle(), 0.05 / 0.55, 1e-15);
  const double d = 0.05 / 0.55;
  EXPECT_NEAR(r.emitting_probability(), d + (1 - d) * (1 - std::exp(-0.05)), 1e-15);
  EXPECT_THROW((BlinkRates{0, 0.5, 0}.validate()), Error);
  EXPECT_THROW((BlinkRates{0.1, -1, 0}.validate()), Error);
  EXPECT_THROW((BlinkRates{0.1, 0.5, NAN}.validate()), Error);
  EXPECT_NO_THROW((BlinkRates{0.1, 0, 0}.validate()));
}

TEST(Photophysics, DutyCycleAndMeanOnTimeMatchTheRates) {
  const BlinkRates r{0.2, 0.5, 0.0};
  const int64_t n = 500, frames = 2000;
  Photophysics ph(n, r, PhotonDistribution::constant, 1.0, 9);
  std::vector<double> f;
  double on = 0;
  int64_t emitting = 0;
  for (int64_t t = 0; t < frames; ++t) {
    ph.next_frame(f);
    for (double v : f) {
      ASSERT_GE(v, 0);
      ASSERT_LE(v, 1);
      on += v;
      emitting += v > 0;
    }
  }
  int64_t periods = 0;
  for (int64_t i = 0; i < n; ++i) {
    periods += ph.blinker(i).on_periods();
    EXPECT_EQ(ph.blinker(i).frames(), frames);
  }
  // ~180 000 on periods; time on per molecule-frame is the duty cycle, the mean on period 1/k_off
  // (the last, truncated period of each molecule biases it by < 1%).
  EXPECT_NEAR(on / (n * frames), r.duty_cycle(), 0.02 * r.duty_cycle());
  EXPECT_NEAR(on / periods, 1 / r.k_off, 0.03 / r.k_off);
  EXPECT_NEAR(static_cast<double>(emitting) / (n * frames), r.emitting_probability(),
              0.02 * r.emitting_probability());
}

TEST(Photophysics, TotalOnTimeBeforeBleachingIsOneOverKBleach) {
  // The on state leaves to "bleached" at rate k_bleach, so the total on time is Exp(1/k_bleach).
  const BlinkRates r{0.2, 0.5, 0.1};
  const int64_t n = 4000;
  Photophysics ph(n, r, PhotonDistribution::constant, 1.0, 5);
  std::vector<double> f;
  double on = 0;
  for (int t = 0; t < 1000; ++t) {
    ph.next_frame(f);
    for (double v : f) on += v;
  }
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(ph.blinker(i).state(), Blinker::State::bleached);
  EXPECT_NEAR(on / n, 1 / r.k_bleach, 5 * (1 / r.k_bleach) / std::sqrt(n));
}

TEST(Photophysics, AlwaysOnWithoutOffAndBleachRates) {
  Photophysics ph(10, BlinkRates{0.1, 0, 0}, PhotonDistribution::constant, 100.0, 1);
  std::vector<double> f;
  for (int t = 0; t < 5; ++t) {
    ph.next_frame(f);
    for (double v : f) EXPECT_EQ(v, 1.0);
  }
}

class BrightnessMean : public ::testing::TestWithParam<PhotonDistribution> {};

TEST_P(BrightnessMean, IsTheRequestedMean) {
  const int64_t n = 100000;
  Photophysics ph(n, BlinkRates{}, GetParam(), 2000.0, 3);
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double b = ph.brightness(i);
    ASSERT_GE(b, 0);
    s += b;
    s2 += b * b;
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 2000.0, 5 * std::sqrt(var / n) + 1e-9);
  if (GetParam() == PhotonDistribution::constant) {
    EXPECT_EQ(var, 0);
  } else if (GetParam() == PhotonDistribution::exponential) {
    EXPECT_NEAR(std::sqrt(var), 2000, 60);
  } else {
    EXPECT_NEAR(std::sqrt(var) / mean, std::sqrt(std::expm1(kLognormalSigma * kLognormalSigma)),
                0.02);
  }
}

INSTANTIATE_TEST_SUITE_P(Distributions, BrightnessMean,
                         ::testing::Values(PhotonDistribution::constant,
                                           PhotonDistribution::exponential,
                                           PhotonDistribution::lognormal));

}  // namespace
}  // namespace smlm::simulation
