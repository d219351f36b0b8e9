// Tests of wavelet detection: the per-pixel pieces, isolated spots found (borders included), few
// false positives on pure Poisson background, and settings validation.
#include "localization/detect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "kernels/random.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {
namespace {

ImageF background(int w, int h, double bg, kernels::Rng& rng) {
  ImageF img(w, h);
  for (float& v : img.vec()) v = static_cast<float>(rng.poisson(bg));
  return img;
}

// Adds Poisson photons of an integrated Gaussian spot at (x, y).
void add_spot(ImageF& img, double x, double y, double n, double sigma, kernels::Rng& rng) {
  const double theta[5] = {x, y, n, 0.0, sigma};
  for (int j = 0; j < img.height(); ++j)
    for (int i = 0; i < img.width(); ++i)
      img(i, j) += static_cast<float>(rng.poisson(psf::IntegratedGaussian::value(theta, i, j)));
}

TEST(Detect, MirrorIndexReflectsAboutThePixelEdge) {
  EXPECT_EQ(mirror_index(-1, 5), 0);
  EXPECT_EQ(mirror_index(-4, 5), 3);
  EXPECT_EQ(mirror_index(5, 5), 4);
  EXPECT_EQ(mirror_index(8, 5), 1);
  EXPECT_EQ(mirror_index(-5, 3), 1);
  EXPECT_EQ(mirror_index(2, 3), 2);
  EXPECT_EQ(mirror_index(4, 2), 0);
  EXPECT_EQ(mirror_index(7, 1), 0);
}

TEST(Detect, WaveletOfAConstantImageIsZero) {
  const ImageF flat(9, 6, 42.0f);
  const WaveletLevels lv = atrous_wavelet(flat);
  for (float v : lv.f1.vec()) EXPECT_NEAR(v, 0.0f, 1e-4f);
  for (float v : lv.f2.vec()) EXPECT_NEAR(v, 0.0f, 1e-4f);
  EXPECT_TRUE(detect(flat, DetectionSettings{}).empty());
}

TEST(Detect, LocalMaximumTiesGoToTheFirstPixel) {
  // A two-pixel plateau yields one maximum, at the first pixel in raster order.
  const float f[9] = {0, 0, 0, 0, 5, 5, 0, 0, 0};
  EXPECT_TRUE(is_local_maximum(f, 3, 3, 1, 1));
  EXPECT_FALSE(is_local_maximum(f, 3, 3, 2, 1));
  EXPECT_FALSE(is_local_maximum(f, 3, 3, 0, 0));
}

TEST(Detect, SuppressionRadiusWidensTheMaximum) {
  // Two peaks 3 px apart: both are 8-connected maxima; within radius 3 only the higher (and on a
  // tie the first in raster order) is.
  ImageF f(16, 16, 0.0f);
  f(5, 8) = 10;
  f(8, 8) = 12;
  f(8, 12) = 12;  // 4 px below (8, 8): outside radius 3
  EXPECT_TRUE(is_local_maximum(f.data(), 16, 16, 5, 8, 1));
  EXPECT_FALSE(is_local_maximum(f.data(), 16, 16, 5, 8, 3));
  EXPECT_TRUE(is_local_maximum(f.data(), 16, 16, 8, 8, 3));
  EXPECT_TRUE(is_local_maximum(f.data(), 16, 16, 8, 12, 3));
  EXPECT_FALSE(is_local_maximum(f.data(), 16, 16, 8, 12, 4));  // the tie goes to (8, 8)
  EXPECT_TRUE(is_local_maximum(f.data(), 16, 16, 8, 8, 4));
}

TEST(Detect, SuppressionRadiusKeepsOneCandidatePerWideSpot) {
  // A defocused 3D spot seen through the wavelet filter: two lobes 4 px apart of one molecule,
  // beside an ordinary spot 9 px away. Radius 1 finds both lobes; the PSF's radius one of them,
  // and the ordinary spot still. No two candidates lie within the radius of each other.
  kernels::Rng rng(3, 0);
  int lobes_r1 = 0, lobes_r4 = 0, single_r4 = 0;
  for (int trial = 0; trial < 20; ++trial) {
    ImageF img = background(48, 32, 20, rng);
    add_spot(img, 14, 16, 1500, 1.3, rng);
    add_spot(img, 18, 16, 1500, 1.3, rng);
    add_spot(img, 27.4, 15.6, 1500, 1.3, rng);
    for (int r : {1, 4}) {
      const std::vector<Candidate> c = detect(img, DetectionSettings{1.0, r});
      for (size_t i = 0; i < c.size(); ++i)
        for (size_t j = i + 1; j < c.size(); ++j)
          EXPECT_GT(std::max(std::abs(c[i].x - c[j].x), std::abs(c[i].y - c[j].y)), r);
      for (const Candidate& k : c) {
        const bool lobe = k.x >= 12 && k.x <= 20 && std::abs(k.y - 16) <= 2;
        (r == 1 ? lobes_r1 : lobes_r4) += lobe;
        if (r == 4) single_r4 += std::hypot(k.x - 27.4, k.y - 15.6) <= 1.0;
      }
    }
  }
  EXPECT_GE(lobes_r1, 38);  // two per trial, nearly always
  EXPECT_EQ(lobes_r4, 20);  // one per trial
  EXPECT_EQ(single_r4, 20);
}

TEST(Detect, FindsIsolatedSpotsIncludingAtTheBorder) {
  kernels::Rng rng(1, 0);
  ImageF img = background(64, 64, 20, rng);
  const double spots[][2] = {{10.3, 12.6}, {30.0, 8.5},  {50.7, 20.2}, {20.4, 40.9}, {45.5, 47.1},
                             {1.2, 30.4},  {62.6, 55.3}, {33.1, 62.7}, {8.8, 58.2},  {40.2, 30.6}};
  for (const auto& s : spots) add_spot(img, s[0], s[1], 1000, 1.3, rng);
  const std::vector<Candidate> c = detect(img, DetectionSettings{});
  int unmatched = static_cast<int>(c.size());
  for (const auto& s : spots) {
    int hits = 0;
    for (const Candidate& k : c)
      if (std::hypot(k.x - s[0], k.y - s[1]) <= 1.0) ++hits;
    EXPECT_EQ(hits, 1) << "spot at " << s[0] << ", " << s[1];
    unmatched -= hits;
  }
  EXPECT_LE(unmatched, 2);
  // Candidates come in raster order.
  for (size_t i = 1; i < c.size(); ++i)
    EXPECT_TRUE(c[i].y > c[i - 1].y || (c[i].y == c[i - 1].y && c[i].x > c[i - 1].x));
}

TEST(Detect, FewFalsePositivesOnPureBackground) {
  kernels::Rng rng(2, 0);
  int total = 0;
  const int frames = 4, w = 128;
  for (int f = 0; f < frames; ++f) total += detect(background(w, w, 20, rng), {}).size();
  const double per_kpx = 1000.0 * total / (frames * w * w);
  std::printf("[ detect    ] pure background: %.2f false candidates per 1000 px\n", per_kpx);
  EXPECT_LT(per_kpx, 1.0);
  // A stricter threshold finds fewer.
  kernels::Rng rng2(2, 0);
  int strict = 0;
  for (int f = 0; f < frames; ++f) strict += detect(background(w, w, 20, rng2), {2.0}).size();
  EXPECT_LE(strict, total);
}

TEST(Detect, RejectsBadThresholds) {
  const ImageF img(8, 8, 1.0f);
  EXPECT_THROW(detect(img, {NAN}), Error);
  EXPECT_THROW(detect(img, {-1.0}), Error);
  EXPECT_THROW(detect(img, {INFINITY}), Error);
  EXPECT_THROW(detect(img, {1.0, -1}), Error);
  EXPECT_THROW(detect(img, {1.0, DetectionSettings::kMaxNmsRadius + 1}), Error);
}

}  // namespace
}  // namespace smlm::localization
