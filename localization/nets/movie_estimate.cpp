// --like: background, PSF σ, photons and density of a movie, by statistics that overlapping spots
// do not bias (the covariance of blinking, the total signal, a model of the low pixel values)
// and by fits of only those spots that pass as one emitter.
#include "localization/nets/movie_estimate.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "core/error.h"
#include "kernels/random.h"
#include "localization/batch_fit.h"
#include "localization/detect.h"
#include "localization/lm_models.h"
#include "localization/poisson_deviance.h"
#include "localization/roi.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization::nets {

namespace {

using G = psf::IntegratedGaussian;
constexpr double kPi = std::numbers::pi;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - i;
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

// The q-quantile of v (the order statistic at q·(n − 1)), reordering v.
double low_quantile(std::vector<float>& v, double q) {
  const auto k = v.begin() + static_cast<int64_t>(q * (v.size() - 1));
  std::nth_element(v.begin(), k, v.end());
  return *k;
}

// The frames as photoelectrons, one after the other (the fitters' Poisson variable).
struct Stack {
  int w = 0, h = 0;
  int64_t t = 0;
  std::vector<float> e;
  int64_t pixels() const { return static_cast<int64_t>(w) * h; }
  const float* frame(int64_t i) const { return e.data() + i * pixels(); }
};

// The central crop of at most `side` × `side` px of every frame.
Stack crop(const Stack& st, int side) {
  if (st.w <= side && st.h <= side) return st;
  Stack c;
  c.w = std::min(st.w, side);
  c.h = std::min(st.h, side);
  c.t = st.t;
  const int x0 = (st.w - c.w) / 2, y0 = (st.h - c.h) / 2;
  c.e.resize(c.pixels() * c.t);
  for (int64_t t = 0; t < st.t; ++t)
    for (int y = 0; y < c.h; ++y)
      std::copy_n(st.frame(t) + static_cast<int64_t>(y0 + y) * st.w + x0, c.w,
                  c.e.data() + t * c.pixels() + static_cast<int64_t>(y) * c.w);
  return c;
}

// One pixel as the estimator sees it: a Monte Carlo draw of the camera chain for an expected μ
// [e⁻] (Poisson, EM register, read noise, the A/D step and its clamping), read back through
// CameraModel::adu_to_electrons as the frames are.
class PixelNoise {
 public:
  explicit PixelNoise(const CameraModel& c) : c_(c) {}
  double draw(double mu, kernels::Rng& rng) const {
    double e = rng.poisson(std::max(mu, 0.0));
    if (c_.em_gain > 1 && e > 0) e = rng.gamma(e, c_.em_gain);
    if (c_.read_noise_e > 0) e += c_.read_noise_e * rng.normal();
    const double adu =
        std::clamp(std::round(c_.baseline_adu + e / c_.photons_per_adu), 0.0, 65535.0);
    return c_.adu_to_electrons(adu);
  }

 private:
  CameraModel c_;
};

// Mean and variance of one pixel's Poisson deviance 2·D(μ, k) under the camera's noise (an EMCCD
// doubles it), tabulated by Monte Carlo on a log grid of μ: the yardstick of the single-emitter
// test. Negative counts read as 0, as in the fitters.
class DevianceTable {
 public:
  explicit DevianceTable(const CameraModel& c) {
    const PixelNoise noise(c);
    kernels::Rng rng(0xdef1a7e, 0);
    constexpr int kDraws = 4000;
    for (int i = 0; i < kSize; ++i) {
      const double mu = std::exp(kLogMin + kStep * i);
      double s = 0, s2 = 0;
      for (int j = 0; j < kDraws; ++j) {
        const double d = 2 * poisson_deviance(mu, std::max(noise.draw(mu, rng), 0.0));
        s += d;
        s2 += d * d;
      }
      mean_[i] = s / kDraws;
      var_[i] = std::max(s2 / kDraws - mean_[i] * mean_[i], 0.0);
    }
  }
  void add(double mu, double& mean, double& var) const {
    const double u =
        std::clamp((std::log(std::max(mu, 1e-6)) - kLogMin) / kStep, 0.0, kSize - 1.001);
    const int i = static_cast<int>(u);
    const double f = u - i;
    mean += mean_[i] * (1 - f) + mean_[i + 1] * f;
    var += var_[i] * (1 - f) + var_[i + 1] * f;
  }

 private:
  static constexpr int kSize = 48;
  static constexpr double kLogMin = -2.3, kStep = 0.25;  // μ from 0.1 to 1.6e4 e⁻
  double mean_[kSize], var_[kSize];
};

// 1D autocorrelation at integer lag d of a pixelated Gaussian of width σ [px], averaged over the
// emitter's sub-pixel position: a Gaussian of variance 2σ² convolved with the pixel's triangle.
double pixel_autocorrelation(double sigma, int d) {
  constexpr int kSteps = 64;
  const double s = sigma * std::numbers::sqrt2;
  double sum = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double t = -1 + (i + 0.5) * 2.0 / kSteps;
    sum += (1 - std::fabs(t)) * std::exp(-0.5 * (d - t) * (d - t) / (s * s));
  }
  return sum * (2.0 / kSteps) / (s * std::sqrt(2 * kPi));
}

// PSF σ [px] from the temporal covariance of pixel pairs. An emitter that blinks moves every pixel
// it lights together, so the covariance of pixels d apart, averaged over the field, is
// Σ_emitters var(brightness) × the PSF's autocorrelation at d, whatever the emitters' layout and
// overlap; camera noise is independent between pixels and only adds at d = 0. The frames are
// high-passed in time (a running mean removed) so that bleaching and drift of a structure do not
// add its own autocorrelation. Fits cov(d) = A·T(dx)·T(dy) + c over 0 < |d| ≤ reach; returns 0
// when the covariance carries no PSF (too few frames, nothing blinks).
double covariance_sigma(const Stack& full, int reach) {
  // A central crop of at most 128² px holds statistics enough.
  const Stack st = crop(full, 128);
  const int w = st.w, h = st.h;
  const int64_t npx = st.pixels();
  constexpr int64_t kHalfWindow = 15;
  // Running per-pixel sums over the window, frame by frame.
  std::vector<double> sum(npx, 0.0);
  int64_t lo = 0, hi = 0;  // the window is frames [lo, hi)
  const int side = 2 * reach + 1;
  std::vector<double> cov(static_cast<size_t>(side) * (reach + 1), 0.0);
  std::vector<double> count(cov.size(), 0.0);
  std::vector<double> dev(npx);
  double var0 = 0, n0 = 0;
  for (int64_t t = 0; t < st.t; ++t) {
    const int64_t want_lo = std::max<int64_t>(0, t - kHalfWindow);
    const int64_t want_hi = std::min(st.t, t + kHalfWindow + 1);
    for (; hi < want_hi; ++hi)
      for (int64_t i = 0; i < npx; ++i) sum[i] += st.frame(hi)[i];
    for (; lo < want_lo; ++lo)
      for (int64_t i = 0; i < npx; ++i) sum[i] -= st.frame(lo)[i];
    const double n = static_cast<double>(hi - lo);
    const float* f = st.frame(t);
    for (int64_t i = 0; i < npx; ++i) dev[i] = f[i] - sum[i] / n;
    for (int64_t i = 0; i < npx; ++i) var0 += dev[i] * dev[i];
    n0 += npx;
    for (int dy = 0; dy <= reach; ++dy)
      for (int dx = -reach; dx <= reach; ++dx) {
        if (dy == 0 && dx <= 0) continue;
        double s = 0;
        int64_t k = 0;
        for (int y = 0; y + dy < h; ++y)
          for (int x = std::max(0, -dx); x < std::min(w, w - dx); ++x) {
            s += dev[y * w + x] * dev[(y + dy) * w + x + dx];
            ++k;
          }
        cov[dy * side + dx + reach] += s;
        count[dy * side + dx + reach] += k;
      }
  }
  var0 /= std::max(n0, 1.0);
  struct Lag {
    int dx, dy;
    double c, n;
  };
  std::vector<Lag> lags;
  for (int dy = 0; dy <= reach; ++dy)
    for (int dx = -reach; dx <= reach; ++dx) {
      const size_t k = dy * side + dx + reach;
      if ((dy > 0 || dx > 0) && count[k] > 0)
        lags.push_back({std::abs(dx), dy, cov[k] / count[k], count[k]});
    }
  if (lags.size() < 4) return 0;
  // Least squares in A and c for each σ; golden-section search over σ.
  std::vector<double> tt(reach + 1);
  double a = 0, c = 0;
  auto misfit = [&](double sigma) {
    for (int d = 0; d <= reach; ++d) tt[d] = pixel_autocorrelation(sigma, d);
    double s1 = 0, sm = 0, smm = 0, sy = 0, smy = 0;
    for (const Lag& l : lags) {
      const double m = tt[l.dx] * tt[l.dy];
      s1 += 1;
      sm += m;
      smm += m * m;
      sy += l.c;
      smy += m * l.c;
    }
    const double det = s1 * smm - sm * sm;
    a = det > 0 ? (s1 * smy - sm * sy) / det : 0;
    c = (sy - a * sm) / s1;
    double r = 0;
    for (const Lag& l : lags) r += std::pow(l.c - a * tt[l.dx] * tt[l.dy] - c, 2);
    return r;
  };
  constexpr double kMin = 0.3, kMax = 5.0;
  double x0 = kMin, x1 = kMax;
  for (int i = 0; i < 60; ++i) {
    const double m1 = x0 + (x1 - x0) * 0.382, m2 = x0 + (x1 - x0) * 0.618;
    if (misfit(m1) < misfit(m2))
      x1 = m2;
    else
      x0 = m1;
  }
  const double sigma = 0.5 * (x0 + x1);
  misfit(sigma);
  // The PSF's covariance at lag (1, 0) against the standard error of one lag's estimate, which
  // the pixels' variance sets (≈ var/√samples).
  const double signal = a * pixel_autocorrelation(sigma, 1) * pixel_autocorrelation(sigma, 0);
  const double error = var0 / std::sqrt(lags[0].n);
  const bool found = a > 0 && signal > 10 * error && sigma > kMin + 0.05 && sigma < kMax - 0.05;
  return found ? sigma : 0;
}

// One fitted spot: fixed-σ photons and background, free-σ width, and its deviance against the
// camera noise's expectation, in standard deviations.
struct Spot {
  double photons, background, sigma, z_fixed, z_free;
};

// Candidates (every local maximum of the wavelet filter) with no other candidate of their frame
// within `min_dist` px and a ROI centred on them, fitted with σ free and with σ fixed at sigma_px.
std::vector<Spot> fit_spots(const Stack& st, const CameraModel& camera, double sigma_px,
                            const EstimateSettings& s) {
  const int radius = std::clamp(static_cast<int>(std::ceil(2.5 * sigma_px)), 2,
                                (LmIntegratedGaussian::kMaxSide - 1) / 2);
  const int side = 2 * radius + 1;
  const double min_dist2 = std::pow(s.isolation_sigmas * sigma_px, 2);
  DetectionSettings ds;
  ds.threshold = s.threshold;
  struct Where {
    int64_t t;
    int x, y;
  };
  std::vector<Where> where;
  // Every candidate inside the border with the squared distance to its nearest neighbour, for
  // the fallback below.
  std::vector<std::pair<double, Where>> all;
  ImageF frame(st.w, st.h);
  for (int64_t t = 0; t < st.t; ++t) {
    std::copy(st.frame(t), st.frame(t) + frame.size(), frame.data());
    const std::vector<Candidate> cands = detect(frame, ds);
    for (size_t i = 0; i < cands.size(); ++i) {
      const Candidate& c = cands[i];
      if (c.x < radius || c.y < radius || c.x >= st.w - radius || c.y >= st.h - radius) continue;
      double nearest = HUGE_VAL;
      for (size_t j = 0; j < cands.size(); ++j) {
        const double dx = cands[j].x - c.x, dy = cands[j].y - c.y;
        if (j != i) nearest = std::min(nearest, dx * dx + dy * dy);
      }
      if (nearest > min_dist2) where.push_back({t, c.x, c.y});
      all.push_back({nearest, {t, c.x, c.y}});
    }
  }
  if (where.empty() && !all.empty()) {
    // No candidate is alone (a low threshold finds noise maxima beside every spot, or the movie
    // is crowded): the most isolated quarter, whose fits the single-emitter test then sorts.
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t k = 0; k < std::max<size_t>(1, all.size() / 4); ++k) where.push_back(all[k].second);
  }
  // Enough for the quantiles, spread evenly over the frames, and a bound on the time.
  constexpr size_t kMaxSpots = 20000;
  RoiBatch batch;
  batch.w = batch.h = side;
  batch.initial_sigma_px = sigma_px;
  const size_t n = std::min(where.size(), kMaxSpots);
  batch.pixels.resize(n * side * side);
  for (size_t k = 0; k < n; ++k) {
    const Where& p = where[k * where.size() / n];
    extract_roi(st.frame(p.t), st.w, p.x - radius, p.y - radius, side, side,
                batch.pixels.data() + k * side * side);
  }
  std::vector<Spot> spots;
  if (batch.count() == 0) return spots;
  const std::vector<LmResult> free_fits = fit_batch(batch, LmIntegratedGaussian::settings(false));
  const std::vector<LmResult> fixed_fits = fit_batch(batch, LmIntegratedGaussian::settings(true));
  const DevianceTable table(camera);
  std::vector<double> mu(side * side);
  // (deviance − expectation)/std; the fitted parameters take about one pixel's worth each.
  auto z = [&](const LmResult& r, int params) {
    if (r.status != LmStatus::converged || !(r.theta[G::kN] > 0)) return HUGE_VAL;
    G::evaluate_roi<LmIntegratedGaussian::kMaxSide>(r.theta, side, side, mu.data(), nullptr);
    double mean = 0, var = 0;
    for (double m : mu) table.add(m, mean, var);
    mean *= 1.0 - static_cast<double>(params) / (side * side);
    return (-2 * r.log_likelihood - mean) / std::sqrt(std::max(var, 1e-12));
  };
  for (int64_t i = 0; i < batch.count(); ++i) {
    const LmResult& fx = fixed_fits[i];
    const LmResult& fr = free_fits[i];
    spots.push_back({fx.theta[G::kN], fx.theta[G::kBg], fr.theta[G::kSigma], z(fx, 4), z(fr, 5)});
  }
  return spots;
}

// The spots that pass the single-emitter test on member `z`; when fewer than kMinSingles do (a
// movie too crowded for isolated emitters, or too short), the kMinSingles best-fitting ones, and
// `crowded` is set.
constexpr size_t kMinSingles = 20;
std::vector<Spot> singles(std::vector<Spot> spots, double Spot::*z, double limit, bool& crowded) {
  std::vector<Spot> out;
  for (const Spot& p : spots)
    if (p.*z <= limit) out.push_back(p);
  crowded = out.size() < kMinSingles;
  if (!crowded) return out;
  std::sort(spots.begin(), spots.end(), [z](const Spot& a, const Spot& b) { return a.*z < b.*z; });
  out.clear();
  for (size_t i = 0; i < std::min(spots.size(), kMinSingles) && std::isfinite(spots[i].*z); ++i)
    out.push_back(spots[i]);
  return out;
}

// The q-quantile of one pixel's value [e⁻] when the background is `background` [e⁻/px] and
// emitters of the `brightness` sample [e⁻], PSF σ [px], fall uniformly at `density` per px²:
// Monte Carlo over the emitters near the pixel and the camera chain, from fixed random streams
// (so that the quantile is a smooth function of its arguments).
double pixel_quantile(double background, double density, double sigma,
                      const std::vector<double>& brightness, const CameraModel& camera, double q,
                      int samples) {
  const PixelNoise noise(camera);
  const double brightest = *std::max_element(brightness.begin(), brightness.end());
  // Emitters farther than this add less than 0.01 e⁻ to the pixel.
  const double peak = brightest / (2 * kPi * sigma * sigma);
  const double reach = sigma * std::sqrt(2 * std::log(std::max(100 * peak, 2.0))) + 0.5;
  const double mean_count = density * kPi * reach * reach;
  std::vector<double> v(samples);
  for (int j = 0; j < samples; ++j) {
    kernels::Rng rng(0xb6b6, static_cast<uint64_t>(j));
    double sum = 0;
    const int n = static_cast<int>(rng.poisson(mean_count));
    for (int k = 0; k < n; ++k) {
      const double r = reach * std::sqrt(rng.uniform()), a = 2 * kPi * rng.uniform();
      const size_t pick =
          std::min(brightness.size() - 1, static_cast<size_t>(rng.uniform() * brightness.size()));
      sum += brightness[pick] * G::integral_1d(0, r * std::cos(a), sigma) *
             G::integral_1d(0, r * std::sin(a), sigma);
    }
    v[j] = noise.draw(background + sum, rng);
  }
  const size_t k = static_cast<size_t>(q * (samples - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

}  // namespace

void EstimateSettings::validate() const {
  SMLM_CHECK(std::isfinite(initial_sigma_nm) && initial_sigma_nm > 0,
             "estimate: initial sigma must be > 0 nm, got " << initial_sigma_nm);
  SMLM_CHECK(std::isfinite(threshold) && threshold >= 0,
             "estimate: threshold must be >= 0, got " << threshold);
  SMLM_CHECK(std::isfinite(isolation_sigmas) && isolation_sigmas >= 0,
             "estimate: isolation must be >= 0 sigmas, got " << isolation_sigmas);
  SMLM_CHECK(std::isfinite(deviance_sigmas) && deviance_sigmas > 0,
             "estimate: deviance test must be > 0 sigmas, got " << deviance_sigmas);
  SMLM_CHECK(background_quantile > 0 && background_quantile < 0.5,
             "estimate: background quantile must be in (0, 0.5), got " << background_quantile);
  SMLM_CHECK(min_temporal_frames >= 2,
             "estimate: min temporal frames must be >= 2, got " << min_temporal_frames);
}

std::string MovieEstimate::describe() const {
  std::ostringstream o;
  o << "  frames analysed      " << frames << " (" << localizations << " spots fitted, " << isolated
    << " single emitters)\n"
    << "  background           " << background << " photons/px (spread +-" << background_spread
    << ")\n"
    << "  PSF sigma            " << psf_sigma_nm << " nm (" << sigma_source << ")\n"
    << "  photons              " << photons << " (10%: " << photons_q10 << ", 90%: " << photons_q90
    << ")\n"
    << "  density              " << density << " emitters/um^2/frame\n";
  if (!warning.empty()) o << "  warning: " << warning << "\n";
  return o.str();
}

MovieEstimate estimate_movie(const std::vector<ImageF>& frames, const CameraModel& camera,
                             const EstimateSettings& s) {
  SMLM_CHECK(!frames.empty(), "estimate: no frames to estimate the simulation settings from");
  camera.validate();
  s.validate();
  // A central crop of at most 256² px of each frame, as photoelectrons: statistics enough, in
  // bounded memory and time.
  const int fw = frames[0].width(), fh = frames[0].height();
  SMLM_CHECK(fw > 0 && fh > 0, "estimate: the frames are empty");
  Stack st;
  st.w = std::min(fw, 256);
  st.h = std::min(fh, 256);
  st.t = static_cast<int64_t>(frames.size());
  const int cx = (fw - st.w) / 2, cy = (fh - st.h) / 2;
  st.e.resize(st.pixels() * st.t);
  for (int64_t t = 0; t < st.t; ++t) {
    const ImageF& f = frames[t];
    SMLM_CHECK(f.width() == fw && f.height() == fh,
               "estimate: frame " << t << " is " << f.width() << "x" << f.height() << ", not " << fw
                                  << "x" << fh);
    float* out = st.e.data() + t * st.pixels();
    for (int y = 0; y < st.h; ++y)
      for (int x = 0; x < st.w; ++x)
        out[y * st.w + x] = static_cast<float>(camera.adu_to_electrons(f(cx + x, cy + y)));
  }
  MovieEstimate e;
  e.frames = st.t;
  const double px_nm = camera.pixel_size_nm;

  // PSF σ: the covariance of blinking when there are frames enough, else single-emitter fits.
  const double sigma0 = s.initial_sigma_nm / px_nm;
  double sigma = 0;
  if (st.t >= s.min_temporal_frames)
    sigma = covariance_sigma(st, std::clamp(static_cast<int>(std::ceil(5 * sigma0)), 4, 12));
  e.sigma_source = sigma > 0 ? "pixel covariance" : "single-emitter fits";
  bool crowded = false;
  if (sigma == 0) {
    const std::vector<Spot> fits =
        singles(fit_spots(st, camera, sigma0, s), &Spot::z_free, s.deviance_sigmas, crowded);
    SMLM_CHECK(!fits.empty(), "estimate: no spot in the " << st.t << " frames could be fitted");
    std::vector<double> widths;
    for (const Spot& p : fits) widths.push_back(p.sigma);
    sigma = quantile(widths, 0.5);
  }
  // Photons: fixed-σ fits of the isolated spots that pass the single-emitter test.
  std::vector<Spot> spots = fit_spots(st, camera, sigma, s);
  if (spots.empty() && e.sigma_source == "pixel covariance") {
    // Emitters that hardly blink make the covariance a poor guide (a σ so wide that no spot is
    // isolated at it): fall back to single-emitter fits, as without frames enough.
    const std::vector<Spot> fits =
        singles(fit_spots(st, camera, sigma0, s), &Spot::z_free, s.deviance_sigmas, crowded);
    if (!fits.empty()) {
      std::vector<double> widths;
      for (const Spot& p : fits) widths.push_back(p.sigma);
      sigma = quantile(widths, 0.5);
      e.sigma_source = "single-emitter fits";
      spots = fit_spots(st, camera, sigma, s);
    }
  }
  e.psf_sigma_nm = sigma * px_nm;
  SMLM_CHECK(!spots.empty(),
             "estimate: no isolated spot in the " << st.t << " frames analysed to fit");
  e.localizations = static_cast<int64_t>(spots.size());
  std::vector<double> photons;
  for (const Spot& p : spots)
    if (p.z_fixed <= s.deviance_sigmas) ++e.isolated;
  bool crowded_photons = false;
  for (const Spot& p : singles(spots, &Spot::z_fixed, s.deviance_sigmas, crowded_photons))
    photons.push_back(p.photons);
  SMLM_CHECK(!photons.empty(),
             "estimate: none of the " << spots.size() << " spots could be fitted");
  if (crowded || crowded_photons)
    e.warning = "fewer than " + std::to_string(kMinSingles) +
                " spots pass as single emitters (too crowded, or too few frames): " +
                (crowded ? "sigma and " : "") + "photons come from the best-fitting ones";
  const double qe = camera.qe;
  const double n_e = quantile(photons, 0.5);
  e.photons = n_e / qe;
  e.photons_q10 = quantile(photons, 0.1) / qe;
  e.photons_q90 = quantile(photons, 0.9) / qe;

  // The inner pixels, 3σ from the border, see the emitters on every side of them (a simulated
  // movie has none outside its frame).
  const int margin = std::min(static_cast<int>(std::ceil(3 * sigma)), std::min(st.w, st.h) / 4);
  const int x0 = margin, x1 = st.w - margin, y0 = margin, y1 = st.h - margin;
  double mean = 0;
  std::vector<float> values;
  values.reserve(static_cast<size_t>(x1 - x0) * (y1 - y0) * st.t);
  for (int64_t t = 0; t < st.t; ++t)
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        values.push_back(st.frame(t)[static_cast<int64_t>(y) * st.w + x]);
        mean += values.back();
      }
  mean /= values.size();

  // Background: the low quantile of the inner pixels' values is the background's, lowered by the
  // camera noise and raised by the emitters' light that reaches nearly every pixel in a crowded
  // frame. Both are modelled (pixel_quantile): the emitters at the density that the total signal
  // implies for a given background, so the background solves quantile(B) = observed by bisection.
  // Spots brighter than 1.5× the median are two emitters, which the model must count as two.
  std::vector<double> brightness;
  for (double n : photons)
    if (n < 1.5 * n_e) brightness.push_back(n);
  double n_mean = 0;
  for (double n : brightness) n_mean += n;
  n_mean /= brightness.size();
  constexpr int kSamples = 20000;
  const double q = s.background_quantile;
  auto solve = [&](double observed, double m) {
    double lo = 0, hi = std::max(m, observed) + 1;
    for (int i = 0; i < 30; ++i) {
      const double b = 0.5 * (lo + hi);
      const double rho = std::max(0.0, m - b) / n_mean;
      (pixel_quantile(b, rho, sigma, brightness, camera, q, kSamples) < observed ? lo : hi) = b;
    }
    return 0.5 * (lo + hi);
  };
  const double observed = low_quantile(values, q);
  const double bg = solve(observed, mean);
  e.background = bg / qe;

  // The spread: the same quantile in blocks of about 16 × 16 inner pixels, each shifted by the
  // whole field's correction (observed → background).
  {
    const int bx = std::max(1, (x1 - x0) / 16), by = std::max(1, (y1 - y0) / 16);
    std::vector<double> blocks;
    for (int j = 0; j < by; ++j)
      for (int i = 0; i < bx; ++i) {
        const int xa = x0 + (x1 - x0) * i / bx, xb = x0 + (x1 - x0) * (i + 1) / bx;
        const int ya = y0 + (y1 - y0) * j / by, yb = y0 + (y1 - y0) * (j + 1) / by;
        std::vector<float> v;
        for (int64_t t = 0; t < st.t; ++t)
          for (int y = ya; y < yb; ++y)
            for (int x = xa; x < xb; ++x)
              v.push_back(st.frame(t)[static_cast<int64_t>(y) * st.w + x]);
        blocks.push_back(low_quantile(v, q) - observed + bg);
      }
    e.background_spread = 0.5 * (quantile(blocks, 0.9) - quantile(blocks, 0.1)) / qe;
  }

  // Density: the emitters' total signal, which overlap does not change, in emitters of n_e.
  e.density = std::max(0.0, mean - bg) / n_e / std::pow(px_nm * 1e-3, 2);
  return e;
}

}  // namespace smlm::localization::nets
