// Blinking Markov chains and brightness draws; see photophysics.h.
#include "simulation/photophysics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

namespace {

double dwell(double rate, kernels::Rng& rng) {
  return rate > 0 ? rng.exponential(1.0 / rate) : std::numeric_limits<double>::infinity();
}

}  // namespace

double draw_brightness(PhotonDistribution d, double mean, kernels::Rng& rng) {
  switch (d) {
    case PhotonDistribution::constant:
      return mean;
    case PhotonDistribution::exponential:
      return rng.exponential(mean);
    case PhotonDistribution::lognormal:
      if (!(mean > 0)) return 0.0;
      return std::exp(std::log(mean) - 0.5 * kLognormalSigma * kLognormalSigma +
                      kLognormalSigma * rng.normal());
  }
  throw Error("unknown photon distribution");
}

double BlinkRates::duty_cycle() const { return k_on / (k_on + k_off + k_bleach); }

double BlinkRates::emitting_probability() const {
  const double d = duty_cycle();
  return d + (1 - d) * -std::expm1(-k_on);
}

void BlinkRates::validate() const {
  constexpr double kMax = 1000;  // more switches per frame than this is not a blinking movie
  SMLM_CHECK(std::isfinite(k_on) && k_on > 0 && k_on <= kMax,
             "k_on must be in (0, " << kMax << "] per frame, got " << k_on);
  SMLM_CHECK(std::isfinite(k_off) && k_off >= 0 && k_off <= kMax,
             "k_off must be in [0, " << kMax << "] per frame, got " << k_off);
  SMLM_CHECK(std::isfinite(k_bleach) && k_bleach >= 0 && k_bleach <= kMax,
             "k_bleach must be in [0, " << kMax << "] per frame, got " << k_bleach);
}

Blinker::Blinker(const BlinkRates& r, kernels::Rng& rng) {
  if (rng.uniform() < r.duty_cycle()) {
    state_ = State::on;
    on_periods_ = 1;
    t_next_ = dwell(r.k_off + r.k_bleach, rng);
  } else {
    state_ = State::off;
    t_next_ = dwell(r.k_on, rng);
  }
}

double Blinker::advance(const BlinkRates& r, kernels::Rng& rng) {
  const double end = t_ + 1;
  double t = t_, on = 0;
  while (state_ != State::bleached && t_next_ < end) {
    if (state_ == State::on) {
      on += t_next_ - t;
      state_ = rng.uniform() * (r.k_off + r.k_bleach) < r.k_bleach ? State::bleached : State::off;
    } else {
      state_ = State::on;
      ++on_periods_;
    }
    t = t_next_;
    if (state_ == State::on) t_next_ = t + dwell(r.k_off + r.k_bleach, rng);
    if (state_ == State::off) t_next_ = t + dwell(r.k_on, rng);
  }
  if (state_ == State::on) on += end - t;
  t_ = end;
  return std::min(on, 1.0);
}

Photophysics::Photophysics(int64_t n, const BlinkRates& rates, PhotonDistribution distribution,
                           double mean_photons, uint64_t seed)
    : rates_(rates) {
  rates_.validate();
  SMLM_CHECK(n >= 0, "number of molecules must be >= 0, got " << n);
  SMLM_CHECK(std::isfinite(mean_photons) && mean_photons >= 0,
             "mean photons must be >= 0, got " << mean_photons);
  brightness_.resize(static_cast<size_t>(n));
  blinkers_.resize(static_cast<size_t>(n));
  rngs_.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    rngs_.emplace_back(seed, streams::kPhotophysics + static_cast<uint64_t>(i));
  kernels::parallel_for(
      n,
      [&](int64_t i) {
        brightness_[i] = draw_brightness(distribution, mean_photons, rngs_[i]);
        blinkers_[i] = Blinker(rates_, rngs_[i]);
      },
      4096);
}

void Photophysics::next_frame(std::vector<double>& on_fraction) {
  const int64_t n = size();
  on_fraction.resize(static_cast<size_t>(n));
  kernels::parallel_for(
      n, [&](int64_t i) { on_fraction[i] = blinkers_[i].advance(rates_, rngs_[i]); }, 4096);
}

}  // namespace smlm::simulation
