// A per-pixel background model in the fits (localization/roi_background.h): spots on a background
// with structure, fitted with the flat model (biased), with the true map as a known offset in the
// likelihood (unbiased, at the CRLB) and subtracted; LM and Ceres, single and multi-emitter.
#include "localization/roi_background.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.h"
#include "kernels/random.h"
#include "localization/localizer.h"
#include "psf/integrated_gaussian.h"
#include "simulation/background_structure.h"

namespace smlm::localization {
namespace {

constexpr int kSize = 64, kGrid = 4, kSpacing = 14;
constexpr double kPhotons = 800, kSigma = 1.3;

struct Movie {
  std::vector<ImageF> frames;  // ADU = photoelectrons + 100
  std::vector<double> x, y;    // truth per frame and grid place [px]
  ImageF map;                  // background [photons/px]
};

// A 4 × 4 grid of spots 14 px apart, each jittered by ±½ px per frame, on 35 − amplitude/2
// photons/px plus fractal Perlin structure of up to `amplitude` photons/px with features ~5 px
// wide (mean ~35 either way): at 60 the background changes by tens of photons across an ROI.
Movie make_movie(int frames, uint64_t seed, double amplitude = 60) {
  Movie m;
  simulation::PerlinSettings p;
  p.amplitude = amplitude;
  p.scale_px = 5;
  p.octaves = 3;
  p.seed = seed;
  m.map = simulation::perlin_background(p, 5 + 30 - amplitude / 2, kSize, kSize);
  kernels::Rng rng(seed, 1);
  for (int f = 0; f < frames; ++f) {
    std::vector<double> mu(m.map.data(), m.map.data() + m.map.size());
    for (int gy = 0; gy < kGrid; ++gy)
      for (int gx = 0; gx < kGrid; ++gx) {
        const double x = 10 + kSpacing * gx + rng.uniform() - 0.5;
        const double y = 10 + kSpacing * gy + rng.uniform() - 0.5;
        m.x.push_back(x);
        m.y.push_back(y);
        const double theta[5] = {x, y, kPhotons, 0.0, kSigma};
        for (int j = -6; j <= 6; ++j)
          for (int i = -6; i <= 6; ++i) {
            const int px = static_cast<int>(std::lround(x)) + i;
            const int py = static_cast<int>(std::lround(y)) + j;
            mu[py * kSize + px] += psf::IntegratedGaussian::value(theta, px, py);
          }
      }
    ImageF img(kSize, kSize);
    for (size_t k = 0; k < mu.size(); ++k)
      img.data()[k] = static_cast<float>(100 + rng.poisson(mu[k]));
    m.frames.push_back(std::move(img));
  }
  return m;
}

struct Accuracy {
  double found = 0, bias_x = 0, rmse = 0, photon_bias = 0, rms_over_crlb = 0;
};

// Each localization matched to its grid place (within 2 px); errors over the matched.
Accuracy accuracy(const Movie& m, const LocalizationTable& t) {
  Accuracy a;
  const auto& fr = t[col::frame];
  const auto& x = t[col::x];
  const auto& y = t[col::y];
  const auto& n = t[col::intensity];
  const auto& u = t[col::uncertainty_xy];
  double sx = 0, s2 = 0, sn = 0, sc = 0;
  int matched = 0;
  for (size_t r = 0; r < t.size(); ++r) {
    const double px = x[r] / 100 - 0.5, py = y[r] / 100 - 0.5;
    const int gx = static_cast<int>(std::lround((px - 10) / kSpacing));
    const int gy = static_cast<int>(std::lround((py - 10) / kSpacing));
    if (gx < 0 || gx >= kGrid || gy < 0 || gy >= kGrid) continue;
    const size_t i = static_cast<size_t>(fr[r]) * kGrid * kGrid + gy * kGrid + gx;
    const double dx = px - m.x[i], dy = py - m.y[i];
    if (std::hypot(dx, dy) > 2) continue;
    ++matched;
    sx += dx;
    s2 += dx * dx + dy * dy;
    sn += n[r] / kPhotons - 1;
    sc += (dx * dx + dy * dy) / 2 / std::pow(u[r] / 100, 2);
  }
  a.found = static_cast<double>(matched) / static_cast<double>(m.x.size());
  a.bias_x = sx / matched;
  a.rmse = std::sqrt(s2 / 2 / matched);
  a.photon_bias = sn / matched;
  a.rms_over_crlb = std::sqrt(sc / matched);
  return a;
}

LocalizationTable run(const Movie& m, LocalizeSettings s) {
  CameraModel cam;
  cam.baseline_adu = 100;
  Localizer loc(cam, s);
  return loc.localize(m.frames, 0);
}

LocalizeSettings settings(bool multi, Fitter fitter) {
  LocalizeSettings s;
  s.multi_emitter = multi;
  s.fit.fitter = fitter;
  return s;
}

TEST(RoiBackground, KnownMapInTheLikelihoodRemovesTheFlatModelsBias) {
  const Movie m = make_movie(60, 3);
  // The control: the same spots on a flat background of the same mean, the flat model's home.
  const Accuracy flat_control = accuracy(make_movie(60, 3, 0), run(make_movie(60, 3, 0), {}));
  std::printf("flat background, flat model: rmse %.3f px photons %+.3f err/crlb %.2f\n",
              flat_control.rmse, flat_control.photon_bias, flat_control.rms_over_crlb);
  for (Fitter fitter : {Fitter::lm, Fitter::ceres}) {
    LocalizeSettings flat = settings(false, fitter);
    const Accuracy a = accuracy(m, run(m, flat));
    LocalizeSettings known = flat;
    known.roi_background = std::make_shared<MapBackground>(m.map, 1.0);
    const Accuracy b = accuracy(m, run(m, known));
    LocalizeSettings sub = known;
    sub.background_use = BackgroundUse::subtract;
    const Accuracy c = accuracy(m, run(m, sub));
    std::printf("%s flat: found %.3f rmse %.3f px photons %+.3f err/crlb %.2f\n",
                fitter == Fitter::lm ? "LM" : "Ceres", a.found, a.rmse, a.photon_bias,
                a.rms_over_crlb);
    std::printf("  map in likelihood: found %.3f rmse %.3f px photons %+.3f err/crlb %.2f\n",
                b.found, b.rmse, b.photon_bias, b.rms_over_crlb);
    std::printf("  map subtracted:    found %.3f rmse %.3f px photons %+.3f err/crlb %.2f\n",
                c.found, c.rmse, c.photon_bias, c.rms_over_crlb);
    // With the true map: photons as on a flat background and positions at the CRLB.
    EXPECT_GT(b.found, 0.95);
    EXPECT_LT(std::fabs(b.photon_bias - flat_control.photon_bias), 0.015);
    EXPECT_LT(b.rms_over_crlb, 1.12);
    EXPECT_GT(b.rms_over_crlb, 0.88);
    // The flat model misreads the structure: photons biased and positions worse.
    EXPECT_GT(std::fabs(a.photon_bias), 3 * std::fabs(b.photon_bias) + 0.03);
    EXPECT_GT(a.rmse, 1.15 * b.rmse);
    // Subtracting is better than nothing but not better than the likelihood.
    EXPECT_LT(c.rmse, a.rmse);
    EXPECT_GE(c.rmse, 0.97 * b.rmse);
  }
}

TEST(RoiBackground, WorksWithMultiEmitterFits) {
  const Movie m = make_movie(30, 5);
  LocalizeSettings s = settings(true, Fitter::lm);
  s.roi_background = std::make_shared<MapBackground>(m.map, 1.0);
  const Accuracy b = accuracy(m, run(m, s));
  EXPECT_GT(b.found, 0.95);
  EXPECT_LT(std::fabs(b.photon_bias), 0.04);
  EXPECT_LT(b.rms_over_crlb, 1.15);
}

TEST(RoiBackground, MapOfAnotherSizeIsAnError) {
  const Movie m = make_movie(2, 7);
  LocalizeSettings s = settings(false, Fitter::lm);
  s.roi_background = std::make_shared<MapBackground>(ImageF(32, 32, 5.f), 1.0);
  EXPECT_THROW(run(m, s), Error);
  ImageF bad(8, 8, 1.f);
  bad.data()[3] = NAN;
  EXPECT_THROW(MapBackground(bad, 1.0), Error);
}

}  // namespace
}  // namespace smlm::localization
