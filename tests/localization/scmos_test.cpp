// sCMOS (Huang et al. 2013) from the simulator's camera chain to the fits: spots drawn through a
// strongly non-uniform per-pixel map (offset, gain, read noise with a tail of noisy pixels), then
// fitted by the sCMOS MLE (LM and Ceres), which must be unbiased and reach the sCMOS CRLB, and by
// plain Poisson fits of the same data, which must do measurably worse; and the Localizer on a
// simulated sCMOS movie cropped from a larger sensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/camera_maps.h"
#include "core/error.h"
#include "kernels/random.h"
#include "localization/crlb.h"
#include "localization/lm_fit.h"
#include "localization/lm_models.h"
#include "localization/localizer.h"
#include "localization/mle_fit.h"
#include "psf/integrated_gaussian.h"
#include "simulation/camera_noise.h"
#include "simulation/movie_simulator.h"
#include "simulation/scmos_maps.h"

namespace smlm::localization {
namespace {

using G = psf::IntegratedGaussian;
using M = LmIntegratedGaussian;
constexpr int kSide = 7, kPixels = kSide * kSide;

// A 64 × 64 sensor far from uniform: offsets ±20 ADU, gains ±25 %, read noise around 3 e⁻ rms
// and 10 % noisy pixels around 20 e⁻ rms.
CameraMaps test_maps() {
  simulation::ScmosMapStatistics ms;
  ms.offset_sd_adu = 20;
  ms.gain_sd = 0.25;
  ms.read_noise_e = 3;
  ms.read_noise_sd = 0.5;
  ms.hot_fraction = 0.1;
  ms.hot_read_noise_e = 20;
  return simulation::random_scmos_maps(64, 64, 2024, ms);
}

// A 7 × 7 ROI at (x0, y0) on the sensor with a spot near its centre, in ADU.
struct Spot {
  int x0, y0;
  double truth[5];
  float adu[kPixels];
};

// `count` spots of `photons` on `bg` photons/px (QE 1, σ 1.3 px) at random places on the sensor,
// each pixel drawn by the simulator's camera chain with the maps.
std::vector<Spot> draw_spots(const CameraMaps& maps, int count, double photons, double bg,
                             uint64_t seed) {
  std::vector<Spot> spots(count);
  for (int i = 0; i < count; ++i) {
    kernels::Rng rng(seed, i);
    Spot& s = spots[i];
    s.x0 = static_cast<int>(rng.uniform() * (maps.width - kSide + 1));
    s.y0 = static_cast<int>(rng.uniform() * (maps.height - kSide + 1));
    const double c = 0.5 * (kSide - 1);
    const double truth[5] = {c + rng.uniform() - 0.5, c + rng.uniform() - 0.5, photons, bg, 1.3};
    std::copy(truth, truth + 5, s.truth);
    double mu[kPixels];
    G::evaluate_roi(s.truth, kSide, kSide, mu, nullptr);
    const auto camera =
        simulation::CameraNoise::from(CameraModel{}, maps.view().shifted(s.x0, s.y0));
    for (int k = 0; k < kPixels; ++k) s.adu[k] = camera.adu(mu[k], rng, k % kSide, k / kSide);
  }
  return spots;
}

enum class Method {
  scmos_lm,     // maps' conversion, sCMOS likelihood, LM
  scmos_ceres,  // the same through Ceres
  poisson_lm,   // maps' conversion, plain Poisson likelihood (read noise ignored)
  uniform_lm,   // one offset and gain for the sensor (their means), plain Poisson
};

struct Outcome {
  int usable = 0;
  double bias[2] = {0, 0}, sd[2] = {0, 0};  // px
  double crlb[2] = {0, 0};                  // mean sCMOS CRLB at the truth [px²]
  double reported[2] = {0, 0};              // mean CRLB the fit reports [px²]
  double photons = 0;                       // mean fitted N / true N
  double ratio(int a) const { return sd[a] / std::sqrt(crlb[a]); }
  double rmse() const {
    return std::sqrt(sd[0] * sd[0] + bias[0] * bias[0] + sd[1] * sd[1] + bias[1] * bias[1]);
  }
};

Outcome fit_all(const std::vector<Spot>& spots, const CameraMaps& maps, Method method) {
  const MleFitter ceres(FitSettings{});
  const LmSettings settings = M::settings(false);
  CameraModel uniform;
  double mean_offset = 0, mean_gain = 0;
  for (size_t i = 0; i < maps.offset.size(); ++i) {
    mean_offset += maps.offset[i] / maps.offset.size();
    mean_gain += maps.gain[i] / maps.gain.size();
  }
  uniform.baseline_adu = mean_offset;
  uniform.photons_per_adu = 1 / mean_gain;
  Outcome o;
  double s1[2] = {0, 0}, s2[2] = {0, 0};
  for (const Spot& s : spots) {
    const PixelCamera pc{CameraModel{}, maps.view().shifted(s.x0, s.y0)};
    float e[kPixels], var[kPixels];
    adu_to_electrons(method == Method::uniform_lm ? PixelCamera{uniform, {}} : pc, s.adu, kSide,
                     kSide, e);
    variance_e2(pc, kSide, kSide, var);
    const bool scmos = method == Method::scmos_lm || method == Method::scmos_ceres;
    double theta[5], crlb_truth[5] = {}, crlb[5];
    bool ok;
    if (method == Method::scmos_ceres) {
      const FitResult r = ceres.fit(e, kSide, kSide, nullptr, var);
      ok = ceres.usable(r, kSide, kSide);
      std::copy(r.theta, r.theta + 5, theta);
      std::copy(r.crlb, r.crlb + 5, crlb);
    } else {
      M model;
      model.initial_theta(e, kSide, kSide, theta);
      const LmResult r = lm_fit(model, e, scmos ? var : nullptr, kSide, kSide, theta, settings);
      ok = ceres.usable(to_fit_result(r), kSide, kSide);
      std::copy(r.crlb, r.crlb + 5, crlb);
    }
    if (!ok) continue;
    ++o.usable;
    EXPECT_TRUE(model_crlb(M{}, s.truth, kSide, kSide, crlb_truth, var));
    for (int a = 0; a < 2; ++a) {
      const double d = theta[a] - s.truth[a];
      s1[a] += d;
      s2[a] += d * d;
      o.crlb[a] += crlb_truth[a];
      o.reported[a] += crlb[a];
    }
    o.photons += theta[G::kN] / s.truth[G::kN];
  }
  const double n = o.usable;
  for (int a = 0; a < 2; ++a) {
    o.bias[a] = s1[a] / n;
    o.sd[a] = std::sqrt(s2[a] / n - o.bias[a] * o.bias[a]);
    o.crlb[a] /= n;
    o.reported[a] /= n;
  }
  o.photons /= n;
  return o;
}

// The sCMOS MLE is unbiased and its precision is the sCMOS CRLB's, with LM and with Ceres; plain
// Poisson fits of the same pixels are worse: ignoring the read noise costs precision (and the
// CRLB they report is too small), a uniform camera model costs more.
TEST(Scmos, MleReachesTheScmosCrlbWherePoissonFitsDoNot) {
  const CameraMaps maps = test_maps();
  const int count = 3000;
  const std::vector<Spot> spots = draw_spots(maps, count, 1000, 10, 91);
  const char* names[] = {"sCMOS LM", "sCMOS Ceres", "Poisson LM", "uniform LM"};
  Outcome r[4];
  for (int m = 0; m < 4; ++m) {
    r[m] = fit_all(spots, maps, static_cast<Method>(m));
    std::printf(
        "[ sCMOS     ] %-11s usable %4d/%d  bias x %+.4f y %+.4f px  sd/sqrt(sCMOS CRLB) x %.3f "
        "y %.3f  sd/sqrt(reported CRLB) x %.3f  rmse %.4f px  N/N0 %.3f\n",
        names[m], r[m].usable, count, r[m].bias[0], r[m].bias[1], r[m].ratio(0), r[m].ratio(1),
        r[m].sd[0] / std::sqrt(r[m].reported[0]), r[m].rmse(), r[m].photons);
  }
  for (int m : {0, 1}) {
    EXPECT_GE(r[m].usable, 0.98 * count) << names[m];
    for (int a = 0; a < 2; ++a) {
      EXPECT_LT(std::fabs(r[m].bias[a]), 0.005) << names[m] << " axis " << a;
      EXPECT_NEAR(r[m].ratio(a), 1.0, 0.10) << names[m] << " axis " << a;
      EXPECT_NEAR(r[m].reported[a] / r[m].crlb[a], 1.0, 0.05) << names[m] << " axis " << a;
    }
    EXPECT_NEAR(r[m].photons, 1.0, 0.02) << names[m];
  }
  // LM and Ceres maximize the same likelihood.
  EXPECT_NEAR(r[0].sd[0], r[1].sd[0], 0.02 * r[0].sd[0]);
  // Read noise ignored: less precise, and overconfident.
  const Outcome& p = r[2];
  EXPECT_GT(p.ratio(0) + p.ratio(1), 1.15 * (r[0].ratio(0) + r[0].ratio(1)));
  EXPECT_GT(p.sd[0] / std::sqrt(p.reported[0]), 1.3);
  // One offset and gain for every pixel: worse still.
  EXPECT_GT(r[3].rmse(), 1.3 * r[0].rmse());
}

// A movie cropped from a larger sensor, simulated with its maps and localized with them (LM and
// Ceres): every isolated molecule found, RMSE at the CRLB the table reports.
TEST(Scmos, LocalizerRecoversTheTruthOfAScmosMovie) {
  auto maps = std::make_shared<const CameraMaps>(test_maps());
  simulation::SimulationSettings s;
  s.width = 56;
  s.height = 48;
  s.frames = 60;
  s.density = 0.3;
  s.k_on = 50;  // always on, always full brightness
  s.k_off = 0;
  s.photons = 1500;
  s.background = 10;
  s.camera_maps = maps;
  s.camera_maps_origin = SensorOrigin{5, 11};
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> frames;
  LocalizationTable truth;
  ImageF frame;
  while (sim.next(frame, truth)) frames.push_back(frame);
  // Truth rows with no other molecule within 700 nm (7 px): single-spot fits.
  std::vector<size_t> isolated;
  for (size_t q = 0; q < truth.size(); ++q) {
    bool alone = true;
    for (size_t u = 0; u < truth.size(); ++u)
      alone = alone && (u == q || truth[col::frame][u] != truth[col::frame][q] ||
                        std::hypot(truth[col::x][u] - truth[col::x][q],
                                   truth[col::y][u] - truth[col::y][q]) > 700);
    if (alone) isolated.push_back(q);
  }
  ASSERT_GT(isolated.size(), 100u);

  LocalizeSettings ls;
  ls.camera_maps = maps;
  ls.camera_maps_origin = s.camera_maps_origin;
  for (Fitter fitter : {Fitter::lm, Fitter::ceres}) {
    ls.fit.fitter = fitter;
    Localizer loc(s.camera, ls);
    const LocalizationTable t = loc.localize(frames, 0);
    double se = 0, crlb = 0;
    int matched = 0;
    for (size_t q : isolated) {
      double best = 1e300;
      size_t row = 0;
      for (size_t r = 0; r < t.size(); ++r) {
        const double d =
            std::hypot(t[col::x][r] - truth[col::x][q], t[col::y][r] - truth[col::y][q]);
        if (t[col::frame][r] == truth[col::frame][q] && d < best) {
          best = d;
          row = r;
        }
      }
      if (best > 100) continue;  // nm
      ++matched;
      se += best * best;
      crlb += 2 * t[col::uncertainty_xy][row] * t[col::uncertainty_xy][row];
    }
    const double rmse = std::sqrt(se / matched), bound = std::sqrt(crlb / matched);
    std::printf(
        "[ sCMOS     ] Localizer %-5s %d of %zu isolated molecules found, rmse %.2f nm, "
        "sqrt(mean CRLB) %.2f nm\n",
        to_string(fitter), matched, isolated.size(), rmse, bound);
    EXPECT_GE(matched, 0.98 * isolated.size());
    EXPECT_LT(rmse, 1.15 * bound);
  }

  // Frames that are not the sensor need their origin; the maps refuse EM gain.
  ls.camera_maps_origin.reset();
  EXPECT_THROW(Localizer(s.camera, ls).localize(frames, 0), Error);
  CameraModel em = s.camera;
  em.em_gain = 10;
  EXPECT_THROW(Localizer(em, ls), Error);
}

}  // namespace
}  // namespace smlm::localization
