// Tests of Fourier ring correlation: identical images correlate perfectly, and the resolution
// of a simulated structure with known localization precision matches the theory of
// Nieuwenhuizen et al. (2013) for a random split.
#include "reconstruction/frc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/random.h"

#include "core/error.h"

namespace smlm::reconstruction {
namespace {

constexpr double kPi = 3.14159265358979323846;

// M sites uniform in an L × L field, each localized K times with Gaussian noise σ per axis, at
// random frames in [0, frames).
LocalizationTable random_sites(int sites, int k, double field, double sigma, int frames,
                               uint64_t seed) {
  kernels::Rng rng(seed, 0);
  std::vector<double> f, x, y;
  for (int m = 0; m < sites; ++m) {
    const double sx = rng.uniform() * field, sy = rng.uniform() * field;
    for (int j = 0; j < k; ++j) {
      f.push_back(std::floor(rng.uniform() * frames));
      x.push_back(sx + sigma * rng.normal());
      y.push_back(sy + sigma * rng.normal());
    }
  }
  LocalizationTable t;
  t.add_column(col::frame) = f;
  t.add_column(col::x) = x;
  t.add_column(col::y) = y;
  t.resize(f.size());
  return t;
}

// Spatial frequency where the smoothed curve first falls below `level` (interpolated).
double crossing(const FrcResult& r, double level) {
  for (size_t i = 1; i < r.frc.size(); ++i)
    if (r.frc[i] < level) {
      const double f0 = r.frc[i - 1], f1 = r.frc[i];
      return r.q_per_nm[i - 1] + (f0 - level) / (f0 - f1) * (r.q_per_nm[i] - r.q_per_nm[i - 1]);
    }
  return NAN;
}

// Theory (after Nieuwenhuizen et al. 2013, their shot-noise analysis). Let site m contribute
// n1 localizations to half 1 and n2 = K − n1 to half 2 (fair coin per localization), each
// displaced by Gaussian noise of σ, so that one localization's transform at frequency q carries
// the factor g(q) = exp(−2π²σ²q²) on average. With random site positions the cross terms
// between different sites average out over a ring, leaving
//   <F1·F2*> = Σ_m E[n1·n2]·g² = M·K(K − 1)/4·g²
//   <|F1|²>  = Σ_m (E[n1] + E[n1(n1 − 1)]·g²) = M·(K/2 + K(K − 1)/4·g²)
// (the E[n1] term is the shot noise of the localizations themselves). Hence
//   FRC(q) = a / (1 + a),  a = (K − 1)/2 · exp(−4π²σ²q²),
// and FRC = 1/7 where a = 1/6, i.e. exp(−4π²σ²q²) = 1/(3(K − 1)):
//   q* = √ln(3(K − 1)) / (2πσ),  resolution = 1/q* = 2πσ / √ln(3(K − 1)).
// The histogram pixel p quantizes positions, multiplying the signal (not the shot noise) by
// sinc²(π·qx·p)·sinc²(π·qy·p) ≈ exp(−π²p²q²/3): an extra variance p²/12, σ_eff² = σ² + p²/12.
// K = 10, σ = 10 nm, p = 5 nm: resolution = 2π·10.10/√ln 27 = 34.97 nm.
TEST(Frc, ResolutionMatchesTheoryForKnownPrecision) {
  const int k = 10;
  const double sigma = 10, p = 5;
  const LocalizationTable t = random_sites(20000, k, 5000, sigma, 10000, 3);
  FrcSettings s;
  s.pixel_size_nm = p;
  s.seed = 17;
  const FrcResult r = compute_frc(t, s);
  const double sigma_eff = std::sqrt(sigma * sigma + p * p / 12);
  const double expected = 2 * kPi * sigma_eff / std::sqrt(std::log(3.0 * (k - 1)));
  std::printf("FRC resolution: measured %.2f nm, expected %.2f nm (%+.1f%%)\n", r.resolution_nm,
              expected, 100 * (r.resolution_nm / expected - 1));
  EXPECT_NEAR(r.resolution_nm, expected, 0.15 * expected);
  EXPECT_DOUBLE_EQ(r.threshold, 1.0 / 7);
  ASSERT_EQ(r.q_per_nm.size(), r.frc.size());
  ASSERT_EQ(r.q_per_nm.size(), r.frc_raw.size());

  // The whole curve follows a/(1 + a): its 0.5 crossing is at exp(−4π²σ²q²) = 2/(K − 1).
  const double q_half = std::sqrt(std::log((k - 1) / 2.0)) / (2 * kPi * sigma_eff);
  const double q_half_measured = crossing(r, 0.5);
  std::printf("FRC = 0.5 at q = %.5f /nm, expected %.5f /nm\n", q_half_measured, q_half);
  EXPECT_NEAR(q_half_measured, q_half, 0.10 * q_half);

  // Halves by alternate blocks of frames: the localizations' frames are random, so the same.
  s.split = FrcSplit::frames;
  const FrcResult rf = compute_frc(t, s);
  std::printf("FRC resolution, frame split: %.2f nm\n", rf.resolution_nm);
  EXPECT_NEAR(rf.resolution_nm, expected, 0.15 * expected);

  // Worse precision, worse resolution.
  const FrcResult blurred = compute_frc(random_sites(20000, k, 5000, 20, 10000, 4), FrcSettings{});
  EXPECT_GT(blurred.resolution_nm, 1.7 * r.resolution_nm);
}

TEST(Frc, IdenticalImagesCorrelatePerfectly) {
  kernels::Rng rng(5, 0);
  ImageD a(64, 48);
  for (double& v : a.vec()) v = rng.poisson(3);
  const FrcResult r = fourier_ring_correlation(a, a, 10, FrcSettings{});
  ASSERT_EQ(r.q_per_nm.size(), 33u);  // 64 × 64 after padding: rings 0 … 32
  EXPECT_DOUBLE_EQ(r.q_per_nm[1], 1.0 / 640);
  for (size_t i = 0; i < r.frc.size(); ++i) EXPECT_NEAR(r.frc_raw[i], 1.0, 1e-12) << i;
  EXPECT_TRUE(std::isnan(r.resolution_nm));
  // Independent noise: no correlation beyond the lowest rings.
  ImageD b(64, 48);
  for (double& v : b.vec()) v = rng.poisson(3);
  const FrcResult n = fourier_ring_correlation(a, b, 10, FrcSettings{});
  double mean = 0;
  for (size_t i = 5; i < n.frc_raw.size(); ++i) mean += n.frc_raw[i] / (n.frc_raw.size() - 5);
  EXPECT_LT(std::fabs(mean), 0.1);
  EXPECT_THROW(fourier_ring_correlation(a, ImageD(64, 47), 10, FrcSettings{}), Error);
}

TEST(Frc, RejectsBadInput) {
  LocalizationTable t;
  t.add_column(col::x) = {1, 2};
  t.add_column(col::y) = {1, 2};
  t.resize(2);
  FrcSettings s;
  s.split = FrcSplit::frames;
  EXPECT_THROW(compute_frc(t, s), Error);  // no frame column
  s.split = FrcSplit::random;
  s.pixel_size_nm = -1;
  EXPECT_THROW(compute_frc(t, s), Error);
  LocalizationTable one;
  one.add_column(col::x) = {1};
  one.add_column(col::y) = {1};
  one.resize(1);
  EXPECT_THROW(compute_frc(one, FrcSettings{}), Error);  // a half is empty
}

}  // namespace
}  // namespace smlm::reconstruction
