// Tests of multi-emitter fitting (localization/multi_fit.h): the K-emitter model against finite
// differences, two overlapping spots that one fit merges, the likelihood-ratio test's choice of K,
// the per-emitter CRLB of the joint Fisher information against the empirical spread, the
// goodness-of-fit p-value of isolated and overlapping spots, and the Localizer on crowded movies.
#include "localization/multi_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "localization/batch_fit.h"
#include "localization/gof.h"
#include "localization/localizer.h"
#include "localization/mle_fit.h"
#include "localization/roi.h"
#include "reconstruction/evaluate.h"
#include "simulation/movie_simulator.h"
#include "tests/localization/simulated_spots.h"

namespace smlm::localization {
namespace {

using G = psf::IntegratedGaussian;

// A w × w ROI of Poisson counts of K emitters (x, y, N each) on background bg, PSF σ.
std::vector<float> simulate_emitters(const std::vector<double>& xyn, double bg, double sigma, int w,
                                     kernels::Rng& rng) {
  std::vector<double> mu(static_cast<size_t>(w) * w, bg);
  for (size_t e = 0; e + 2 < xyn.size(); e += 3) {
    const double theta[5] = {xyn[e], xyn[e + 1], xyn[e + 2], 0.0, sigma};
    for (int j = 0; j < w; ++j)
      for (int i = 0; i < w; ++i) mu[j * w + i] += G::value(theta, i, j);
  }
  std::vector<float> roi(mu.size());
  for (size_t k = 0; k < mu.size(); ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
  return roi;
}

MultiFitResult mfa(const std::vector<float>& roi, int w, int max_emitters = kLmMaxEmitters) {
  double start[5];
  initial_theta(roi.data(), w, w, 1.3, start);
  return multi_emitter_fit(roi.data(), nullptr, w, w, start, nullptr, 0,
                           LmIntegratedGaussian::settings(false), multi_fit_settings(max_emitters));
}

// Emitter positions of a multi-emitter result.
std::vector<std::pair<double, double>> positions(const MultiFitResult& r) {
  std::vector<std::pair<double, double>> p;
  for (int e = 0; e < r.emitters; ++e) {
    const int x = LmMultiGaussian<1>::x_index(e);
    p.emplace_back(r.fit.theta[x], r.fit.theta[x + 1]);
  }
  return p;
}

TEST(LmMultiGaussian, OneEmitterIsTheSingleModelAndGradientsMatchFiniteDifferences) {
  const int w = 9, h = 8;
  const double t1[5] = {3.3, 4.1, 1500, 12, 1.4};
  std::vector<double> a, b;
  LmIntegratedGaussian{}.for_each_pixel(t1, w, h, [&](int, double mu, const double* g) {
    a.push_back(mu);
    for (int p = 0; p < 5; ++p) a.push_back(g[p]);
  });
  LmMultiGaussian<1>{}.for_each_pixel(t1, w, h, [&](int, double mu, const double* g) {
    b.push_back(mu);
    for (int p = 0; p < 5; ++p) b.push_back(g[p]);
  });
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12 * (1 + std::fabs(a[i])));

  using M = LmMultiGaussian<3>;
  double theta[M::kNumParams] = {3.3, 4.1, 1500, 12, 1.4, 5.2, 2.9, 800, 1.1, 6.6, 2500};
  std::vector<double> mu(w * h), jac(w * h * M::kNumParams);
  M{}.for_each_pixel(theta, w, h, [&](int k, double m, const double* g) {
    mu[k] = m;
    for (int p = 0; p < M::kNumParams; ++p) jac[k * M::kNumParams + p] = g[p];
  });
  for (int p = 0; p < M::kNumParams; ++p) {
    const double step = 1e-6 * std::max(1.0, std::fabs(theta[p]));
    double tp[M::kNumParams], tm[M::kNumParams];
    std::copy(theta, theta + M::kNumParams, tp);
    std::copy(theta, theta + M::kNumParams, tm);
    tp[p] += step;
    tm[p] -= step;
    std::vector<double> mp(w * h), mm(w * h);
    M{}.for_each_pixel(tp, w, h, [&](int k, double m, const double*) { mp[k] = m; });
    M{}.for_each_pixel(tm, w, h, [&](int k, double m, const double*) { mm[k] = m; });
    for (int k = 0; k < w * h; ++k) {
      const double fd = (mp[k] - mm[k]) / (2 * step);
      EXPECT_NEAR(jac[k * M::kNumParams + p], fd, 1e-5 * (1 + std::fabs(fd)))
          << "parameter " << p << " pixel " << k;
    }
  }
}

TEST(MultiEmitterFit, SeparatesTwoOverlappingSpotsThatOneFitMerges) {
  // Two spots 1.3σ apart (1.7 px at σ = 1.3 px), 2000 photons each, background 20.
  const int w = 9, trials = 100;
  int two = 0;
  double err_multi = 0, err_single = 0;
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(71, t);
    const double cx = 4 + rng.uniform() - 0.5, cy = 4 + rng.uniform() - 0.5;
    const double a = 2 * M_PI * rng.uniform(), d = 0.5 * 1.3 * 1.3;
    const double x1 = cx + d * std::cos(a), y1 = cy + d * std::sin(a);
    const double x2 = cx - d * std::cos(a), y2 = cy - d * std::sin(a);
    const std::vector<float> roi = simulate_emitters({x1, y1, 2000, x2, y2, 2000}, 20, 1.3, w, rng);
    const MultiFitResult r = mfa(roi, w);
    const MultiFitResult s = mfa(roi, w, 1);
    ASSERT_EQ(s.emitters, 1);
    // Mean distance of each true spot to the nearest fitted one.
    auto err = [&](const MultiFitResult& f) {
      double sum = 0;
      for (auto [tx, ty] : {std::pair{x1, y1}, std::pair{x2, y2}}) {
        double best = 1e9;
        for (auto [fx, fy] : positions(f)) best = std::min(best, std::hypot(fx - tx, fy - ty));
        sum += best;
      }
      return sum / 2;
    };
    two += r.emitters == 2;
    err_multi += err(r) / trials;
    err_single += err(s) / trials;
  }
  std::printf("two spots 1.3 sigma apart: K = 2 in %d/%d, mean error %.3f px (single %.3f px)\n",
              two, trials, err_multi, err_single);
  EXPECT_GE(two, 80);
  EXPECT_LT(err_multi, 0.25);
  EXPECT_GT(err_single, 0.7);
}

TEST(MultiEmitterFit, LikelihoodRatioTestPicksTheNumberOfEmitters) {
  // Isolated spots, pairs 2σ apart and triples on a triangle of side 2σ; 1000–3000 photons.
  const int w = 11, trials = 60;
  int right[4] = {0, 0, 0, 0};
  for (int k = 1; k <= 3; ++k)
    for (int t = 0; t < trials; ++t) {
      kernels::Rng rng(300 + k, t);
      const double cx = 5 + rng.uniform() - 0.5, cy = 5 + rng.uniform() - 0.5;
      const double a = 2 * M_PI * rng.uniform(), rad = 2 * 1.3 / std::sqrt(3.0);
      std::vector<double> xyn;
      for (int e = 0; e < k; ++e) {
        const double ang = a + 2 * M_PI * e / k, r = k == 1 ? 0.0 : (k == 2 ? 1.3 : rad);
        xyn.insert(xyn.end(),
                   {cx + r * std::cos(ang), cy + r * std::sin(ang), 1000 + 2000 * rng.uniform()});
      }
      const MultiFitResult r = mfa(simulate_emitters(xyn, 20, 1.3, w, rng), w);
      right[k] += r.emitters == k;
    }
  std::printf("K right: isolated %d/%d, pairs %d/%d, triples %d/%d\n", right[1], trials, right[2],
              trials, right[3], trials);
  EXPECT_GE(right[1], 0.95 * trials);
  EXPECT_GE(right[2], 0.85 * trials);
  EXPECT_GE(right[3], 0.6 * trials);
}

TEST(MultiEmitterFit, JointCrlbMatchesTheSpreadOfTwoEmitterFits) {
  // Two emitters 2σ apart, K = 2 fitted from the truth: each emitter's √CRLB of x (the joint
  // Fisher information's inverse) against the standard deviation of its estimates.
  const int w = 9, trials = 600;
  const double x1 = 3.2, y1 = 4.0, x2 = 5.8, y2 = 4.1;
  std::vector<double> ex[2], crlb[2];
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(404, t);
    const std::vector<float> roi = simulate_emitters({x1, y1, 1500, x2, y2, 1500}, 15, 1.3, w, rng);
    double theta[LmMultiGaussian<2>::kNumParams] = {x1, y1, 1500, 15, 1.3, x2, y2, 1500};
    const LmResult r = multi_detail::fit_emitters(GaussianEmitterPsf{}, 2, roi.data(), nullptr, w,
                                                  w, theta, LmIntegratedGaussian::settings(false));
    if (r.status != LmStatus::converged) continue;
    for (int e = 0; e < 2; ++e) {
      const int x = LmMultiGaussian<2>::x_index(e);
      ex[e].push_back(r.theta[x]);
      crlb[e].push_back(r.crlb[x]);
    }
  }
  ASSERT_GT(ex[0].size(), 0.95 * trials);
  for (int e = 0; e < 2; ++e) {
    double m = 0, v = 0, c = 0;
    for (double x : ex[e]) m += x / ex[e].size();
    for (double x : ex[e]) v += (x - m) * (x - m) / (ex[e].size() - 1);
    for (double x : crlb[e]) c += x / crlb[e].size();
    const double ratio = std::sqrt(v / c);
    std::printf("emitter %d: sd(x) / sqrt(CRLB_x) = %.3f\n", e, ratio);
    EXPECT_NEAR(ratio, 1.0, 0.15);
  }
}

// The Ceres fitter's MFA (MleFitter::fit_multi: the same model, search and test, each K solved by
// Ceres) against the LM fitter's on the same ROIs: isolated spots, pairs 1.3–2σ apart and triples
// on triangles of that side. Where K agrees, the positions agree to the fitters' tolerance. A
// compact triple's likelihood has several optima for two emitters, which the two solvers may
// reach differently from one start: there K may differ.
TEST(MultiEmitterFit, CeresAgreesWithLm) {
  const int w = 11, trials = 60;
  FitSettings fs;
  fs.fitter = Fitter::ceres;
  const MleFitter ceres(fs);
  int same_k[4] = {0, 0, 0, 0}, compared = 0, within = 0;
  double worst = 0;
  for (int k = 1; k <= 3; ++k)
    for (int t = 0; t < trials; ++t) {
      kernels::Rng rng(600 + k, t);
      const double cx = 5 + rng.uniform() - 0.5, cy = 5 + rng.uniform() - 0.5;
      const double a = 2 * M_PI * rng.uniform(), sep = (1.3 + 0.7 * rng.uniform()) * 1.3;
      std::vector<double> xyn;
      for (int e = 0; e < k; ++e) {
        const double ang = a + 2 * M_PI * e / k;
        const double r = k == 1 ? 0.0 : (k == 2 ? sep / 2 : sep / std::sqrt(3.0));
        xyn.insert(xyn.end(),
                   {cx + r * std::cos(ang), cy + r * std::sin(ang), 1000 + 2000 * rng.uniform()});
      }
      const std::vector<float> roi = simulate_emitters(xyn, 20, 1.3, w, rng);
      const MultiFitResult lm = mfa(roi, w);
      const MultiFitResult cr =
          ceres.fit_multi(roi.data(), w, w, nullptr, 0, multi_fit_settings(kLmMaxEmitters));
      if (lm.emitters != cr.emitters) continue;
      ++same_k[k];
      // Each LM emitter against the nearest Ceres one.
      for (auto [lx, ly] : positions(lm)) {
        double best = 1e9;
        for (auto [qx, qy] : positions(cr)) best = std::min(best, std::hypot(lx - qx, ly - qy));
        ++compared;
        within += best < 0.01;
        worst = std::max(worst, best);
      }
    }
  std::printf(
      "Ceres vs LM MFA: same K for %d/%d isolated, %d/%d pairs, %d/%d triples; %d/%d emitters "
      "within 0.01 px (worst %.2g px)\n",
      same_k[1], trials, same_k[2], trials, same_k[3], trials, within, compared, worst);
  EXPECT_EQ(same_k[1], trials);
  EXPECT_GE(same_k[2], trials - 1);
  EXPECT_GE(same_k[3], 0.8 * trials);
  EXPECT_EQ(within, compared);
}

TEST(GoodnessOfFit, PValueIsUniformForSingleSpotsAndSmallForMergedPairs) {
  EXPECT_NEAR(chi2_upper_p(30.664, 3), 1e-6, 2e-8);  // ThunderSTORM's MFA threshold, 3 parameters
  EXPECT_NEAR(goodness_of_fit_p(-0.5 * 44, 44), 0.471642, 1e-6);  // Q(22, 22), a finite sum
  const int w = 7, trials = 400;
  int low_single = 0, low_pair = 0;
  std::vector<double> ps, pp;
  for (int t = 0; t < trials; ++t) {
    kernels::Rng rng(505, t);
    const double cx = 3 + rng.uniform() - 0.5, cy = 3 + rng.uniform() - 0.5;
    const std::vector<float> one = simulate_emitters({cx, cy, 2000}, 20, 1.3, w, rng);
    const std::vector<float> two =
        simulate_emitters({cx - 0.9, cy, 2000, cx + 0.9, cy, 2000}, 20, 1.3, w, rng);
    const FitResult a = to_fit_result(mfa(one, w, 1).fit);
    const FitResult b = to_fit_result(mfa(two, w, 1).fit);
    ps.push_back(a.p_value);
    pp.push_back(b.p_value);
    low_single += a.p_value < 0.01;
    low_pair += b.p_value < 0.01;
  }
  std::sort(ps.begin(), ps.end());
  std::sort(pp.begin(), pp.end());
  std::printf("p-value quartiles, isolated: %.3f %.3f %.3f; pairs fitted as one: %.2g %.2g %.2g\n",
              ps[trials / 4], ps[trials / 2], ps[3 * trials / 4], pp[trials / 4], pp[trials / 2],
              pp[3 * trials / 4]);
  EXPECT_LT(low_single, 0.05 * trials);  // ~1 % expected
  EXPECT_GT(low_pair, 0.7 * trials);
  EXPECT_NEAR(ps[trials / 2], 0.5, 0.15);
}

// A crowded 2D movie: single-emitter vs multi-emitter Localizer (LM, and Ceres with the same
// model and search), against the truth.
TEST(MultiEmitterLocalizer, RaisesJaccardAndLowersRmseOnACrowdedMovie) {
  simulation::SimulationSettings s;
  s.width = s.height = 64;
  s.frames = 10;
  s.density = 3;
  s.photons = 2000;
  s.background = 20;
  s.seed = 9;
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> movie(s.frames);
  LocalizationTable truth;
  for (auto& f : movie) ASSERT_TRUE(sim.next(f, truth));
  reconstruction::Evaluation ev[3];
  for (int m = 0; m < 3; ++m) {  // single, multi (LM), multi (Ceres)
    LocalizeSettings ls;
    ls.multi_emitter = m >= 1;
    if (m == 2) {
      // Ceres' own LM takes more than the default 50 steps on many crowded ROIs (its single fits
      // too: 59 of these 557 rejected at 50, 20 at 200).
      ls.fit.fitter = Fitter::ceres;
      ls.fit.max_iterations = 200;
    }
    Localizer loc(s.camera, ls);
    const LocalizationTable t = loc.localize(movie, 0);
    ev[m] = reconstruction::evaluate(t, truth, {100});
    std::printf("%s: %zu locs, Jaccard %.3f, RMSE %.1f nm (%s)\n",
                m == 0 ? "single" : (m == 1 ? "multi " : "ceres "), t.size(), ev[m].jaccard,
                ev[m].rmse_lateral_nm, loc.summary().c_str());
  }
  EXPECT_GT(ev[1].jaccard, ev[0].jaccard + 0.03);
  EXPECT_LT(ev[1].rmse_lateral_nm, ev[0].rmse_lateral_nm);
  EXPECT_NEAR(ev[2].jaccard, ev[1].jaccard, 0.01);
  EXPECT_NEAR(ev[2].rmse_lateral_nm, ev[1].rmse_lateral_nm, 1.0);
}

}  // namespace
}  // namespace smlm::localization
