// Tests of the Localizer pipeline on generated frames: recall and positions against the truth,
// units and column order, EMCCD and QE scaling, thread-count independence, and validation.
#include "localization/localizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {
namespace {

struct Emitter {
  int frame;
  double x, y;  // px, pixel centres at integers
};

struct Movie {
  std::vector<std::vector<float>> electrons;  // per frame, Poisson counts
  std::vector<Emitter> truth;
  int w = 64, h = 64;
};

// Sparse emitters (≥ 9 px apart, some near the border) on 20 photons/px of background.
Movie make_movie(int frames, int per_frame, double n, uint64_t seed) {
  Movie m;
  kernels::Rng rng(seed, 0);
  for (int f = 0; f < frames; ++f) {
    std::vector<Emitter> here;
    while (static_cast<int>(here.size()) < per_frame) {
      const Emitter e{f, 0.5 + rng.uniform() * (m.w - 2.0), 0.5 + rng.uniform() * (m.h - 2.0)};
      bool ok = true;
      for (const Emitter& o : here) ok = ok && std::hypot(e.x - o.x, e.y - o.y) >= 9.0;
      if (ok) here.push_back(e);
    }
    std::vector<double> mu(static_cast<size_t>(m.w) * m.h, 20.0);
    for (const Emitter& e : here) {
      const double theta[5] = {e.x, e.y, n, 0.0, 1.3};
      for (int j = 0; j < m.h; ++j)
        for (int i = 0; i < m.w; ++i)
          mu[j * m.w + i] += psf::IntegratedGaussian::value(theta, i, j);
    }
    std::vector<float> img(mu.size());
    for (size_t k = 0; k < mu.size(); ++k) img[k] = static_cast<float>(rng.poisson(mu[k]));
    m.electrons.push_back(std::move(img));
    m.truth.insert(m.truth.end(), here.begin(), here.end());
  }
  return m;
}

// ADU frames for a camera: ADU = baseline + e·gain/p.
std::vector<ImageF> to_adu(const Movie& m, const CameraModel& cam) {
  std::vector<ImageF> out;
  for (const auto& e : m.electrons) {
    ImageF img(m.w, m.h);
    for (size_t k = 0; k < e.size(); ++k)
      img.data()[k] =
          static_cast<float>(cam.baseline_adu + e[k] * cam.em_gain / cam.photons_per_adu);
    out.push_back(std::move(img));
  }
  return out;
}

CameraModel plain_camera() {
  CameraModel c;
  c.pixel_size_nm = 100;
  c.baseline_adu = 100;
  c.photons_per_adu = 1;
  return c;
}

TEST(Localizer, FindsSparseEmittersAtTheRightPositions) {
  const Movie m = make_movie(10, 10, 2000, 42);
  Localizer loc(plain_camera(), LocalizeSettings{});
  const LocalizationTable t = loc.localize(to_adu(m, plain_camera()), 10);

  const std::vector<std::string> names = {"frame",         "x",      "y",      "sigma",
                                          "intensity",     "offset", "bkgstd", "uncertainty_xy",
                                          "loglikelihood", "p_value"};
  ASSERT_EQ(t.num_columns(), names.size());
  for (size_t c = 0; c < names.size(); ++c) EXPECT_EQ(t.columns()[c].name, names[c]);
  EXPECT_EQ(t.columns()[1].unit, "nm");
  EXPECT_EQ(t.columns()[4].unit, "photon");

  const auto &fr = t[col::frame], &x = t[col::x], &y = t[col::y];
  std::vector<bool> used(t.size(), false);
  int found = 0;
  double se = 0, unc2 = 0;
  for (const Emitter& e : m.truth) {
    // ThunderSTORM convention: nm = (px + 0.5)·pixel size.
    const double ex = (e.x + 0.5) * 100, ey = (e.y + 0.5) * 100;
    for (size_t r = 0; r < t.size(); ++r) {
      if (used[r] || fr[r] != 10 + e.frame) continue;
      const double d = std::hypot(x[r] - ex, y[r] - ey);
      if (d < 50) {
        used[r] = true;
        ++found;
        se += d * d;
        unc2 += t[col::uncertainty_xy][r] * t[col::uncertainty_xy][r];
        break;
      }
    }
  }
  const int truth = static_cast<int>(m.truth.size());
  const double rms = std::sqrt(se / (2 * found)), unc = std::sqrt(unc2 / found);
  std::printf(
      "[ localizer ] found %d/%d, %zu rows, rms error per axis %.2f nm, mean CRLB %.2f "
      "nm; candidates %lld, rejected %lld\n",
      found, truth, t.size(), rms, unc, static_cast<long long>(loc.stats().candidates),
      static_cast<long long>(loc.stats().rejected));
  EXPECT_GE(found, 0.98 * truth);
  EXPECT_LE(static_cast<int>(t.size()) - found, 0.02 * truth) << "spurious rows";
  EXPECT_NEAR(rms / unc, 1.0, 0.25);

  // Rows sorted by frame; photometry in photons; σ in nm.
  double mean_n = 0, mean_bg = 0, mean_sigma = 0;
  for (size_t r = 0; r < t.size(); ++r) {
    if (r > 0) {
      EXPECT_GE(fr[r], fr[r - 1]);
    }
    EXPECT_LE(t[col::loglikelihood][r], 0.0);
    mean_n += t[col::intensity][r] / t.size();
    mean_bg += t[col::offset][r] / t.size();
    mean_sigma += t[col::sigma][r] / t.size();
  }
  EXPECT_NEAR(mean_n, 2000, 60);
  EXPECT_NEAR(mean_bg, 20, 1);
  EXPECT_NEAR(mean_sigma, 130, 4);

  const LocalizeStats& s = loc.stats();
  EXPECT_EQ(s.frames, 10);
  EXPECT_EQ(s.fitted, static_cast<int64_t>(t.size()));
  EXPECT_EQ(s.candidates, s.fitted + s.rejected);
  EXPECT_LE(s.rejected, 0.05 * s.candidates);
  // Cumulative over calls.
  loc.localize(to_adu(m, plain_camera()), 20);
  EXPECT_EQ(loc.stats().frames, 20);
}

TEST(Localizer, EmccdDoublesTheVarianceAndQeScalesPhotons) {
  const Movie m = make_movie(2, 8, 2000, 7);
  CameraModel em = plain_camera();
  em.em_gain = 100;
  em.qe = 0.5;
  Localizer plain(plain_camera(), LocalizeSettings{}), emccd(em, LocalizeSettings{});
  const LocalizationTable a = plain.localize(to_adu(m, plain_camera()), 0);
  const LocalizationTable b = emccd.localize(to_adu(m, em), 0);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 10u);
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_NEAR(b[col::x][r], a[col::x][r], 1e-6);
    EXPECT_NEAR(b[col::uncertainty_xy][r] / a[col::uncertainty_xy][r], std::sqrt(2.0), 1e-9);
    EXPECT_NEAR(b[col::intensity][r] / a[col::intensity][r], 2.0, 1e-9);
    EXPECT_NEAR(b[col::offset][r] / a[col::offset][r], 2.0, 1e-9);
  }
}

TEST(Localizer, SameTableForAnyThreadCount) {
  const Movie m = make_movie(3, 10, 1500, 9);
  const std::vector<ImageF> adu = to_adu(m, plain_camera());
  const int threads = kernels::cpu_threads();
  kernels::set_cpu_threads(1);
  const LocalizationTable one = Localizer(plain_camera(), {}).localize(adu, 0);
  kernels::set_cpu_threads(3);
  const LocalizationTable three = Localizer(plain_camera(), {}).localize(adu, 0);
  kernels::set_cpu_threads(threads);
  ASSERT_EQ(one.size(), three.size());
  for (size_t c = 0; c < one.num_columns(); ++c)
    for (size_t r = 0; r < one.size(); ++r)
      EXPECT_EQ(one.columns()[c].values[r], three.columns()[c].values[r]);
}

TEST(Localizer, FramesSmallerThanTheRoiAreSkippedAndEmptyBatchesHaveColumns) {
  Localizer loc(plain_camera(), LocalizeSettings{});
  const LocalizationTable empty = loc.localize({}, 0);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.num_columns(), 10u);
  ImageF tiny(5, 5, 100.0f);
  tiny(2, 2) = 400.0f;
  const LocalizationTable t = loc.localize({tiny}, 0);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(loc.stats().frames, 1);
  EXPECT_EQ(loc.stats().fitted + loc.stats().rejected, 0);
}

TEST(Localizer, RejectsImpossibleSettings) {
  LocalizeSettings s;
  s.fit.roi_radius = 0;
  EXPECT_THROW(Localizer(plain_camera(), s), Error);
  s = {};
  s.fit.initial_sigma_px = -1.3;
  EXPECT_THROW(Localizer(plain_camera(), s), Error);
  s = {};
  s.detection.threshold = NAN;
  EXPECT_THROW(Localizer(plain_camera(), s), Error);
  CameraModel bad = plain_camera();
  bad.pixel_size_nm = 0;
  EXPECT_THROW(Localizer(bad, LocalizeSettings{}), Error);
  EXPECT_NO_THROW(Localizer(plain_camera(), LocalizeSettings{}));

  // The LM fitter takes ROIs up to 15 px, Ceres up to 63 px; Ceres runs on the CPU only.
  s = {};
  s.fit.roi_radius = 8;
  EXPECT_THROW(Localizer(plain_camera(), s), Error);
  s.fit.fitter = Fitter::ceres;
  EXPECT_THROW(Localizer(plain_camera(), s), Error);  // multi-emitter fits: 15 px at most
  s.multi_emitter = false;
  EXPECT_NO_THROW(Localizer(plain_camera(), s));
  s = {};
  s.fit.fitter = Fitter::ceres;
  s.fit.device = kernels::Device::cuda(0);
  EXPECT_THROW(Localizer(plain_camera(), s), Error);
  if (kernels::cuda_device_count() == 0) {
    s.fit.fitter = Fitter::lm;
    EXPECT_THROW(Localizer(plain_camera(), s), Error);
  }
  EXPECT_EQ(parse_fitter("lm"), Fitter::lm);
  EXPECT_EQ(parse_fitter("ceres"), Fitter::ceres);
  EXPECT_THROW(parse_fitter("gpufit"), Error);
}

// The same candidates through both fitters: the same rows (the same rejection rule), positions
// within 0.01 px, photons within 0.1 %.
TEST(Localizer, LmAndCeresFittersGiveTheSameTable) {
  const Movie m = make_movie(10, 10, 2000, 17);
  LocalizeSettings lm, ceres;
  ceres.fit.fitter = Fitter::ceres;
  const LocalizationTable a = Localizer(plain_camera(), lm).localize(to_adu(m, plain_camera()), 0);
  const LocalizationTable b =
      Localizer(plain_camera(), ceres).localize(to_adu(m, plain_camera()), 0);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 90u);
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_EQ(a[col::frame][r], b[col::frame][r]);
    EXPECT_NEAR(a[col::x][r], b[col::x][r], 1.0);  // nm: 0.01 px
    EXPECT_NEAR(a[col::y][r], b[col::y][r], 1.0);
    EXPECT_NEAR(a[col::intensity][r] / b[col::intensity][r], 1.0, 1e-3);
    EXPECT_NEAR(a[col::uncertainty_xy][r] / b[col::uncertainty_xy][r], 1.0, 1e-3);
    EXPECT_NEAR(a[col::loglikelihood][r], b[col::loglikelihood][r], 1e-3);
  }
}

}  // namespace
}  // namespace smlm::localization

namespace smlm::localization {
namespace {

// The default ROI holds 95 % of the PSF's photons: ThunderSTORM's 7 px for σ = 1.3 px, wider for
// wider PSFs, within the fitter's limit.
TEST(DefaultRoi, FollowsThePsfWidthWithinTheFitterLimit) {
  LocalizeSettings s;
  s.fit.initial_sigma_px = 1.3;
  EXPECT_EQ(default_roi_side(s), 7);
  s.fit.initial_sigma_px = 2.5;
  EXPECT_EQ(default_roi_side(s), 13);
  s.fit.initial_sigma_px = 1.0;
  EXPECT_EQ(default_roi_side(s), 5);
  s.fit.initial_sigma_px = 6.0;
  EXPECT_EQ(default_roi_side(s), 15);  // LM's largest
  s.fit.fitter = Fitter::ceres;
  EXPECT_EQ(default_roi_side(s), 27);
}

}  // namespace
}  // namespace smlm::localization
