// MleRefiner (every net's --refine mle): candidates a pixel off the truth come back at the CRLB;
// candidates with nothing under them, or whose fit runs off to a neighbour, are rejected.
#include "localization/refine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/random.h"
#include "psf/integrated_gaussian.h"
#include "tests/localization/simulated_spots.h"

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
    const double theta[G::kNumParams] = {7 + rng.uniform() - 0.5, 7 + rng.uniform() - 0.5, 2000,
                                         20, 1.3};
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

}  // namespace
}  // namespace smlm::localization
