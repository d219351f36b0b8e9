// Tests of 3D multi-emitter fitting (localization/multi_fit.h with the astigmatic Gaussian and the
// cubic spline): the K-emitter model against finite differences, two emitters at different z that
// one fit merges, isolated emitters that stay single, the per-emitter CRLB of the joint Fisher
// information against the empirical spread, and the 3D Localizer on a crowded movie.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/device.h"
#include "localization/batch_fit.h"
#include "localization/localizer.h"
#include "localization/multi_fit.h"
#include "psf/calibration.h"
#include "reconstruction/evaluate.h"
#include "simulation/movie_simulator.h"
#include "tests/localization/simulated_3d.h"

namespace smlm::localization {
namespace {

constexpr double kPixel = 100.0;
constexpr int kRoi = 13;

const psf::AstigmaticGaussian& astigmatic() {
  static const psf::AstigmaticGaussian m(test::astigmatic_curves(), kPixel);
  return m;
}

// The astigmatic PSF's pixel-integrated stack as a spline (±800 nm, 20 nm slices, 2× laterally).
const psf::CubicSpline& spline() {
  static const std::unique_ptr<psf::CubicSpline> s =
      test::spline_of(astigmatic(), -800, 800, 20, 2, 8);
  return *s;
}

BatchModel model_of(const std::string& name) {
  return name == "astigmatic" ? BatchModel::of(astigmatic()) : BatchModel::of(spline().model());
}

// A w × w ROI of Poisson counts: bg plus emitters of the astigmatic PSF, θ (x, y, N, z [px]) each.
std::vector<float> simulate(const std::vector<double>& xynz, double bg, int w, kernels::Rng& rng) {
  std::vector<double> mu(static_cast<size_t>(w) * w, bg), one(mu.size());
  for (size_t e = 0; e + 3 < xynz.size(); e += 4) {
    const double t[5] = {xynz[e], xynz[e + 1], xynz[e + 2], 0.0, xynz[e + 3]};
    astigmatic().evaluate_roi(t, w, w, one.data(), nullptr);
    for (size_t k = 0; k < mu.size(); ++k) mu[k] += one[k];
  }
  std::vector<float> roi(mu.size());
  for (size_t k = 0; k < mu.size(); ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
  return roi;
}

// Multi-emitter fits of ROIs of side kRoi with `model` (max_emitters 1 = single fits).
std::vector<MultiFitResult> fit_multi(const BatchModel& model, const std::vector<float>& pixels,
                                      int max_emitters) {
  BatchFitter fitter(model.default_settings(), model);
  RoiBatch batch;
  batch.w = batch.h = kRoi;
  batch.pixels = pixels;
  std::vector<MultiFitResult> out;
  fitter.fit_multi(batch, multi_fit_settings(max_emitters, 1e-6, 4), out);
  return out;
}

class MultiFit3d : public testing::TestWithParam<std::string> {};

// f(psf) with the multi-emitter PSF of the test's model.
template <class F>
void with_psf(const std::string& name, F&& f) {
  if (name == "astigmatic")
    f(AstigmaticEmitterPsf{astigmatic()});
  else
    f(SplineEmitterPsf{spline().model()});
}

TEST_P(MultiFit3d, OneEmitterIsTheSingleModelAndGradientsMatchFiniteDifferences) {
  with_psf(GetParam(), [](const auto& psf) {
    using Psf = std::decay_t<decltype(psf)>;
    const int w = 11, h = 10;
    const double t1[5] = {5.3, 4.1, 1500, 12, -2.3};
    std::vector<double> a, b;
    psf.single().for_each_pixel(t1, w, h, [&](int, double mu, const double* g) {
      a.push_back(mu);
      a.insert(a.end(), g, g + 5);
    });
    LmMultiEmitter<Psf, 1>{psf}.for_each_pixel(t1, w, h, [&](int, double mu, const double* g) {
      b.push_back(mu);
      b.insert(b.end(), g, g + 5);
    });
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;

    using M = LmMultiEmitter<Psf, 3>;
    const M m{psf};
    // z off the spline's slices (5 per px): its float coefficients step by an ulp across them.
    const double theta[M::kNumParams] = {5.3, 4.1, 1500, 12,  -2.3, 6.2, 5.9,
                                         800, 1.7, 3.6,  4.4, 2500, 4.23};
    std::vector<double> jac(w * h * M::kNumParams);
    m.for_each_pixel(theta, w, h, [&](int k, double, const double* g) {
      std::copy(g, g + M::kNumParams, jac.begin() + k * M::kNumParams);
    });
    for (int p = 0; p < M::kNumParams; ++p) {
      const double step = 1e-6 * std::max(1.0, std::fabs(theta[p]));
      double tp[M::kNumParams], tm[M::kNumParams];
      std::copy(theta, theta + M::kNumParams, tp);
      std::copy(theta, theta + M::kNumParams, tm);
      tp[p] += step;
      tm[p] -= step;
      std::vector<double> mp(w * h), mm(w * h);
      m.for_each_pixel(tp, w, h, [&](int k, double v, const double*) { mp[k] = v; });
      m.for_each_pixel(tm, w, h, [&](int k, double v, const double*) { mm[k] = v; });
      for (int k = 0; k < w * h; ++k) {
        const double fd = (mp[k] - mm[k]) / (2 * step);
        EXPECT_NEAR(jac[k * M::kNumParams + p], fd, 1e-4 * (1 + std::fabs(fd)))
            << "parameter " << p << " pixel " << k;
      }
    }
  });
}

TEST_P(MultiFit3d, SeparatesTwoEmittersAtDifferentZ) {
  const BatchModel model = model_of(GetParam());
  double s0, sy0, d0, d1;
  astigmatic().sigmas(0, s0, sy0, d0, d1);
  const int trials = 200;
  std::vector<float> pixels;
  std::vector<std::vector<double>> truth;
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(81, t);
    const double c = 0.5 * (kRoi - 1);
    const double cx = c + rng.uniform() - 0.5, cy = c + rng.uniform() - 0.5;
    const double a = 2 * M_PI * rng.uniform(), d = 0.5 * (1.0 + 0.5 * rng.uniform()) * s0;
    const double z1 = (-300 + 200 * (rng.uniform() - 0.5)) / kPixel;
    const double z2 = (300 + 200 * (rng.uniform() - 0.5)) / kPixel;
    truth.push_back({cx + d * std::cos(a), cy + d * std::sin(a), 2000, z1, cx - d * std::cos(a),
                     cy - d * std::sin(a), 2000, z2});
    const std::vector<float> roi = simulate(truth.back(), 20, kRoi, rng);
    pixels.insert(pixels.end(), roi.begin(), roi.end());
  }
  const std::vector<MultiFitResult> multi = fit_multi(model, pixels, 4);
  const std::vector<MultiFitResult> single = fit_multi(model, pixels, 1);
  int two = 0;
  double nerr2[3] = {0, 0, 0}, err_single = 0, zerr_single = 0, err_multi = 0;
  int n = 0;
  for (int t = 0; t < trials; ++t) {
    const std::vector<double>& tr = truth[t];
    // Single: distance to the nearer emitter.
    const double* s = single[t].fit.theta;
    double best = 1e9, bz = 0;
    for (int e = 0; e < 2; ++e) {
      const double dd = std::hypot(s[0] - tr[4 * e], s[1] - tr[4 * e + 1]);
      if (dd < best) best = dd, bz = std::fabs(s[4] - tr[4 * e + 3]);
    }
    err_single += best / trials;
    zerr_single += bz * kPixel / trials;
    if (multi[t].emitters != 2) continue;
    ++two;
    const LmResult& r = multi[t].fit;
    // Emitter e of the fit: x, y, N at x_index(e), z at shape_index(e); matched to the truth.
    using M2 = LmMultiEmitter<AstigmaticEmitterPsf, 2>;
    const int idx[2] = {M2::x_index(0), M2::x_index(1)};
    const int zi[2] = {M2::shape_index(0), M2::shape_index(1)};
    double cost[2] = {0, 0};
    for (int p = 0; p < 2; ++p)
      for (int e = 0; e < 2; ++e) {
        const int q = p == 0 ? e : 1 - e;
        cost[p] += std::hypot(r.theta[idx[e]] - tr[4 * q], r.theta[idx[e] + 1] - tr[4 * q + 1]);
      }
    const int perm = cost[0] <= cost[1] ? 0 : 1;
    for (int e = 0; e < 2; ++e) {
      const int q = perm == 0 ? e : 1 - e;
      const double ex = r.theta[idx[e]] - tr[4 * q], ey = r.theta[idx[e] + 1] - tr[4 * q + 1];
      const double ez = r.theta[zi[e]] - tr[4 * q + 3];
      nerr2[0] += ex * ex / r.crlb[idx[e]];
      nerr2[1] += ey * ey / r.crlb[idx[e] + 1];
      nerr2[2] += ez * ez / r.crlb[zi[e]];
      err_multi += std::hypot(ex, ey);
      ++n;
    }
  }
  for (double& v : nerr2) v = std::sqrt(v / n);
  std::printf(
      "%s, two emitters 1-1.5 sigma apart at -300/+300 nm: K = 2 in %d/%d, rms(error/sqrt(CRLB)) "
      "x %.3f y %.3f z %.3f, mean lateral error %.3f px; single fit %.3f px, z %.0f nm\n",
      GetParam().c_str(), two, trials, nerr2[0], nerr2[1], nerr2[2], err_multi / n, err_single,
      zerr_single);
  EXPECT_GE(two, 0.9 * trials);
  for (double v : nerr2) EXPECT_LT(v, 1.25);  // errors at the CRLB (the joint fit's)
  EXPECT_LT(err_multi / n, 0.25);
  EXPECT_GT(err_single, 0.5);     // the single fit sits between the two
  EXPECT_GT(zerr_single, 150.0);  // at a z of neither
}

TEST_P(MultiFit3d, IsolatedEmittersStaySingle) {
  const BatchModel model = model_of(GetParam());
  const int trials = 200;
  std::vector<float> pixels;
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(82, t);
    const double c = 0.5 * (kRoi - 1);
    const std::vector<float> roi =
        simulate({c + rng.uniform() - 0.5, c + rng.uniform() - 0.5, 1000 + 4000 * rng.uniform(),
                  (-500 + 1000 * rng.uniform()) / kPixel},
                 20, kRoi, rng);
    pixels.insert(pixels.end(), roi.begin(), roi.end());
  }
  const std::vector<MultiFitResult> multi = fit_multi(model, pixels, 4);
  int one = 0, more = 0, none = 0;
  for (const MultiFitResult& r : multi) {
    one += r.emitters == 1;
    more += r.emitters > 1;
    none += r.emitters == 0;
  }
  std::printf("%s, isolated: K = 1 %d, K > 1 %d, none %d of %d\n", GetParam().c_str(), one, more,
              none, trials);
  EXPECT_LE(more, 0.03 * trials);
  EXPECT_LE(none, 0.01 * trials);
}

TEST_P(MultiFit3d, JointCrlbMatchesTheSpreadOfTwoEmitterFits) {
  const BatchModel model = model_of(GetParam());
  const int trials = 400;
  const double truth[9] = {5.0, 6.0, 2000, 20, -2.0, 7.2, 6.3, 1500, 2.5};
  std::vector<double> est[2][3], crlb[2][3];
  auto run = [&](const auto& psf) {
    using Psf = std::decay_t<decltype(psf)>;
    using M = LmMultiEmitter<Psf, 2>;
    const M m{psf};
    std::vector<double> mu(kRoi * kRoi);
    m.for_each_pixel(truth, kRoi, kRoi, [&](int k, double v, const double*) { mu[k] = v; });
    const LmSettings s1 = model.default_settings();
    for (int t = 0; t < trials; ++t) {
      kernels::Rng rng(83, t);
      std::vector<float> roi(mu.size());
      for (size_t k = 0; k < mu.size(); ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
      double theta[M::kNumParams];
      std::copy(truth, truth + M::kNumParams, theta);
      const LmResult r =
          multi_detail::fit_emitters(psf, 2, roi.data(), nullptr, kRoi, kRoi, theta, s1);
      if (r.status != LmStatus::converged) continue;
      for (int e = 0; e < 2; ++e) {
        const int p[3] = {M::x_index(e), M::x_index(e) + 1, M::shape_index(e)};
        for (int c = 0; c < 3; ++c) {
          est[e][c].push_back(r.theta[p[c]]);
          crlb[e][c].push_back(r.crlb[p[c]]);
        }
      }
    }
  };
  with_psf(GetParam(), run);
  ASSERT_GT(est[0][0].size(), 0.95 * trials);
  for (int e = 0; e < 2; ++e)
    for (int c = 0; c < 3; ++c) {
      const std::vector<double>& x = est[e][c];
      double m = 0, v = 0, cr = 0;
      for (double a : x) m += a / x.size();
      for (double a : x) v += (a - m) * (a - m) / (x.size() - 1);
      for (double a : crlb[e][c]) cr += a / x.size();
      const double ratio = std::sqrt(v / cr);
      std::printf("%s emitter %d %c: sd / sqrt(CRLB) = %.3f\n", GetParam().c_str(), e, "xyz"[c],
                  ratio);
      EXPECT_NEAR(ratio, 1.0, 0.15);
    }
}

// The GPU runs the CPU's functor: the same K and, to rounding, the same emitters.
TEST_P(MultiFit3d, GpuAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const BatchModel model = model_of(GetParam());
  const int trials = 200;
  RoiBatch batch;
  batch.w = batch.h = kRoi;
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(84, t);
    const double c = 0.5 * (kRoi - 1), d = 0.8 + rng.uniform();
    const std::vector<float> roi = simulate({c - d, c, 2000, -3 + 6 * rng.uniform(), c + d,
                                             c + rng.uniform(), 1500, -3 + 6 * rng.uniform()},
                                            20, kRoi, rng);
    batch.pixels.insert(batch.pixels.end(), roi.begin(), roi.end());
  }
  const MultiFitSettings multi = multi_fit_settings(4, 1e-6, 4);
  std::vector<MultiFitResult> cpu, gpu;
  BatchFitter(model.default_settings(), model).fit_multi(batch, multi, cpu);
  BatchFitter(model.default_settings(), model, kernels::Device::cuda(0))
      .fit_multi(batch, multi, gpu);
  int same = 0, close = 0;
  for (int t = 0; t < trials; ++t) {
    if (cpu[t].emitters != gpu[t].emitters) continue;
    ++same;
    bool near = true;
    for (int p = 0; p < 5 + 4 * (cpu[t].emitters - 1); ++p)
      near = near && std::fabs(cpu[t].fit.theta[p] - gpu[t].fit.theta[p]) <
                         1e-3 * (1 + std::fabs(cpu[t].fit.theta[p]));
    close += near;
  }
  std::printf("[ gpu       ] %s: same K %d/%d, of which %d agree to 1e-3\n", GetParam().c_str(),
              same, trials, close);
  EXPECT_GE(same, 0.98 * trials);
  EXPECT_GE(close, 0.98 * same);
}

INSTANTIATE_TEST_SUITE_P(Models, MultiFit3d, testing::Values("astigmatic", "spline"));

// The test calibration, its range cut to ±600 nm (11 px ROIs by default).
std::shared_ptr<psf::PsfCalibration> calibration() {
  auto cal = std::make_shared<psf::PsfCalibration>();
  cal->model = "astigmatic";
  cal->pixel_size_nm = kPixel;
  cal->has_astigmatic = true;
  cal->astigmatic = test::astigmatic_curves();
  cal->astigmatic.z_min_nm = -600;
  cal->astigmatic.z_max_nm = 600;
  return cal;
}

// A crowded astigmatic movie (1 /µm², ±500 nm): single-emitter vs multi-emitter 3D Localizer
// against the truth, matched in 3D. Wide defocused spots overlap: most single fits of a blend
// end at a z bound and are dropped.
TEST(MultiEmitterLocalizer3d, RaisesJaccardAndLowersRmseOnACrowdedAstigmaticMovie) {
  const auto cal = calibration();
  simulation::SimulationSettings s;
  s.width = s.height = 64;
  s.frames = 6;
  s.density = 1;
  s.photons = 2000;
  s.background = 20;
  s.k_off = 0;
  s.seed = 12;
  s.psf = simulation::RenderPsf::astigmatic;
  s.astigmatic = cal->astigmatic;
  s.z_min_nm = -500;
  s.z_max_nm = 500;
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> movie(s.frames);
  LocalizationTable truth;
  for (auto& f : movie) ASSERT_TRUE(sim.next(f, truth));
  reconstruction::Evaluation ev[2];
  for (int m = 0; m < 2; ++m) {
    LocalizeSettings ls;
    ls.psf = PsfModel::astigmatic;
    ls.calibration = cal;
    ls.fit.roi_radius = default_roi_side(ls) / 2;
    ls.multi_emitter = m == 1;
    Localizer loc(s.camera, ls);
    const LocalizationTable t = loc.localize(movie, 0);
    ASSERT_TRUE(t.has(col::z));
    ev[m] = reconstruction::evaluate(t, truth, {100, 250});
    std::printf("%s: %zu locs, Jaccard %.3f, RMSE lateral %.1f nm, axial %.1f nm (%s)\n",
                m ? "multi " : "single", t.size(), ev[m].jaccard, ev[m].rmse_lateral_nm,
                ev[m].rmse_axial_nm, loc.summary().c_str());
  }
  EXPECT_GT(ev[1].jaccard, ev[0].jaccard + 0.2);
  EXPECT_LT(ev[1].rmse_lateral_nm, ev[0].rmse_lateral_nm);
}

// max_emitters: 4 at most in 3D (4·4 + 1 = 17 parameters), 0 the model's most.
TEST(MultiEmitterLocalizer3d, MaxEmittersIsFourIn3d) {
  LocalizeSettings ls;
  ls.psf = PsfModel::astigmatic;
  ls.calibration = calibration();
  ls.multi_emitter = true;
  ls.max_emitters = 5;
  EXPECT_THROW(Localizer(CameraModel{}, ls), Error);
  ls.max_emitters = 4;
  EXPECT_NO_THROW(Localizer(CameraModel{}, ls));
  ls.max_emitters = 0;
  EXPECT_NE(Localizer(CameraModel{}, ls).summary().find("multi-emitter <= 4"), std::string::npos);
  EXPECT_THROW(multi_fit_settings(5, 1e-6, 4), Error);
  BatchFitter fitter(BatchModel::of(astigmatic()).default_settings(), BatchModel::of(astigmatic()));
  RoiBatch batch;
  batch.w = batch.h = kRoi;
  batch.pixels.assign(kRoi * kRoi, 10.0f);
  std::vector<MultiFitResult> out;
  EXPECT_THROW(fitter.fit_multi(batch, multi_fit_settings(3), out), Error);  // 2D thresholds
}

}  // namespace
}  // namespace smlm::localization
