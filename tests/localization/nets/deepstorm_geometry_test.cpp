// Deep-STORM's half-pixel bookkeeping: spike targets land in the fine pixel that holds the emitter,
// the upsampling layer maps a camera pixel onto fine pixels centred on it, and the post-processing
// returns a spike's position (and the nm convention) exactly; plus normalization and the patches.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "localization/nets/deepstorm/postprocess.h"
#include "localization/nets/deepstorm/training_data.h"
#include "nn/layers/upsample.h"

namespace smlm::localization::nets::deepstorm {
namespace {

TEST(DeepStormGeometry, SpikeLandsInTheFinePixelHoldingTheEmitter) {
  for (int u : {1, 2, 4, 8}) {
    for (double x : {-0.49, -0.2, 0.0, 0.3, 3.2, 7.49}) {
      const int k = fine_index(x, u);
      // Fine pixel k spans [k/U − ½, (k + 1)/U − ½] in camera pixel coordinates.
      EXPECT_LE(k / double(u) - 0.5, x + 1e-12) << "U " << u << " x " << x;
      EXPECT_GT((k + 1) / double(u) - 0.5, x) << "U " << u << " x " << x;
      EXPECT_LE(std::abs(fine_to_camera(k, u) - x), 0.5 / u + 1e-12);
    }
  }
  std::vector<float> t(16 * 4 * 16 * 4);
  spike_target({{3.2, 5.7, 1000}, {3.2, 5.7, 500}, {20, 1, 1}}, 16, 4, 100, t.data());
  const int kx = fine_index(3.2, 4), ky = fine_index(5.7, 4);
  EXPECT_EQ(kx, 14);
  EXPECT_EQ(ky, 24);
  EXPECT_FLOAT_EQ(t[ky * 64 + kx], 200.f);  // two emitters in one fine pixel add up
  EXPECT_FLOAT_EQ(std::accumulate(t.begin(), t.end(), 0.f), 200.f);  // outside: dropped
}

TEST(DeepStormGeometry, NearestUpsamplingIsCentredOnTheCameraPixel) {
  for (int u : {2, 4, 8}) {
    nn::Upsample up(u);
    std::vector<float> img(6 * 5, 0.f);
    img[3 * 6 + 2] = 1.f;  // camera pixel (2, 3)
    const auto fine = up.forward(nn::Tensor::from_host({1, 1, 5, 6}, img), false).host();
    double sw = 0, sx = 0, sy = 0;
    for (int j = 0; j < 5 * u; ++j)
      for (int i = 0; i < 6 * u; ++i) {
        const double v = fine[j * 6 * u + i];
        sw += v, sx += v * i, sy += v * j;
      }
    EXPECT_NEAR(fine_to_camera(sx / sw, u), 2.0, 1e-12);
    EXPECT_NEAR(fine_to_camera(sy / sw, u), 3.0, 1e-12);
  }
}

TEST(DeepStormGeometry, PeaksComeBackWhereTheSpikesWere) {
  // Emitters through spike_target, the spikes split over neighbours as a net's output would be,
  // then find_peaks: each comes back at its fine pixel's centre (within the grid's resolution)
  // and, for a split spike, at the weighted centroid exactly.
  const int u = 4, p = 16, f = p * u;
  std::vector<PatchEmitter> emitters = {{3.2, 5.7, 1}, {10.9, 2.1, 1}, {7.0, 12.0, 1}};
  std::vector<float> map(f * f);
  spike_target(emitters, p, u, 100, map.data());
  // Split the third emitter's spike 30/70 between its fine pixel and the one to its right.
  const int kx = fine_index(7.0, u), ky = fine_index(12.0, u);
  map[ky * f + kx] = 30, map[ky * f + kx + 1] = 70;
  PostprocessSettings s;
  const auto peaks = find_peaks(map.data(), f, f, u, 100, s);
  ASSERT_EQ(peaks.size(), 3u);
  // Raster order of the maxima: (10.9, 2.1), (3.2, 5.7), (7.0, 12.0).
  EXPECT_NEAR(peaks[0].x, fine_to_camera(fine_index(10.9, u), u), 1e-9);
  EXPECT_NEAR(peaks[0].y, fine_to_camera(fine_index(2.1, u), u), 1e-9);
  EXPECT_NEAR(peaks[1].x, 3.2, 0.5 / u);
  EXPECT_NEAR(peaks[1].y, 5.7, 0.5 / u);
  EXPECT_NEAR(peaks[2].x, fine_to_camera(kx + 0.7, u), 1e-9);
  EXPECT_NEAR(peaks[2].y, fine_to_camera(ky, u), 1e-9);
  for (const auto& pk : peaks) EXPECT_NEAR(pk.value, 1.0, 1e-6);
  // In nm (ThunderSTORM, 100 nm pixels): fine pixel k's centre is at (k + ½)·25 nm.
  EXPECT_NEAR((peaks[0].x + 0.5) * 100, (fine_index(10.9, u) + 0.5) * 25, 1e-9);
}

TEST(DeepStormGeometry, ThresholdAndSuppression) {
  const int u = 4, f = 32;
  std::vector<float> map(f * f, 0.f);
  map[10 * f + 10] = 20;                         // 0.2 emitters: below the default threshold 0.3
  map[20 * f + 20] = 60, map[20 * f + 22] = 40;  // one emitter split two pixels apart
  PostprocessSettings s;
  const auto peaks = find_peaks(map.data(), f, f, u, 100, s);
  ASSERT_EQ(peaks.size(), 1u);
  EXPECT_NEAR(peaks[0].value, 1.0, 1e-6);
  EXPECT_NEAR(peaks[0].x, fine_to_camera(20.8, u), 1e-9);
  s.threshold = 0.1;
  EXPECT_EQ(find_peaks(map.data(), f, f, u, 100, s).size(), 2u);
}

TEST(DeepStormData, NormalizationAndPatches) {
  std::vector<float> v = {100, 110, 120, 130};
  normalize_frame(v.data(), 4, {0.5, 0.25}, v.data());
  EXPECT_FLOAT_EQ(v[0], -2.f);
  EXPECT_FLOAT_EQ(v[3], 2.f);
  DataSettings s;
  s.patch = 16;
  s.density = 3;
  std::vector<float> a, b;
  std::vector<PatchEmitter> ea, eb;
  simulate_patch(s, 7, 3, a, ea);
  simulate_patch(s, 7, 3, b, eb);
  EXPECT_EQ(a, b);  // deterministic
  ASSERT_EQ(ea.size(), eb.size());
  simulate_patch(s, 7, 4, b, eb);
  EXPECT_NE(a, b);
  // The mean count over many patches is density × area (2.56 µm²).
  double count = 0;
  for (int i = 0; i < 400; ++i) simulate_patch(s, 9, i, a, ea), count += ea.size();
  EXPECT_NEAR(count / 400, 3 * 2.56, 0.5);
  const Normalization n = estimate_normalization(s, 5, 64);
  EXPECT_GT(n.mean, 0.0);
  EXPECT_LT(n.mean, 0.5);
  EXPECT_GT(n.std, 0.05);
  const Batch batch = make_batch(s, 4, n, 11, 0, 3);
  EXPECT_EQ(batch.input.shape().h, 16);
  EXPECT_EQ(batch.target.shape().w, 64);
}

}  // namespace
}  // namespace smlm::localization::nets::deepstorm
