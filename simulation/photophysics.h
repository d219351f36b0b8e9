// Photophysics: each molecule's brightness and its blinking, a continuous-time Markov chain
// off → on (rate k_on), on → off (k_off), on → bleached (k_bleach), all rates per frame.
//
// Time is counted in frames; frame f spans [f, f + 1). The simulator needs, per frame and molecule,
// the fraction of the frame the molecule spent on: photons emitted = fraction × brightness.
// Molecule i draws everything (brightness, initial state, dwell times) from its own Philox stream
// (seed, streams::kPhotophysics + i), so results do not depend on thread count or order.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/random.h"

namespace smlm::simulation {

// How a molecule's brightness (photons per frame when fully on) scatters around the mean.
enum class PhotonDistribution { constant, exponential, lognormal };

// Shape of the lognormal brightness: σ of ln(brightness) (coefficient of variation ≈ 0.42); its
// location is chosen so that the mean is the requested one.
inline constexpr double kLognormalSigma = 0.4;

// One molecule's brightness [photons/frame] with the given mean.
double draw_brightness(PhotonDistribution d, double mean_photons, kernels::Rng& rng);

struct BlinkRates {
  double k_on = 0.05, k_off = 0.5, k_bleach = 0.0;  // per frame

  // Fraction of an unbleached molecule's time spent on: k_on / (k_on + k_off + k_bleach)
  // (mean off time 1/k_on, mean on time 1/(k_off + k_bleach)).
  double duty_cycle() const;
  // Probability that an unbleached molecule in the steady state is on at some time during a
  // frame, i.e. appears in that frame's truth: d + (1 − d)(1 − e^(−k_on)), d the duty cycle.
  double emitting_probability() const;
  // Throws smlm::Error unless k_on > 0, k_off, k_bleach >= 0, all finite and <= 1000.
  void validate() const;
};

// One molecule's three-state chain. Starts in the steady state of the unbleached chain (on with
// probability duty_cycle()); exponential dwell times make the start memoryless.
class Blinker {
 public:
  enum class State : uint8_t { off, on, bleached };

  Blinker() = default;
  Blinker(const BlinkRates& rates, kernels::Rng& rng);

  // Runs the chain through the next frame and returns the fraction of it spent on, in [0, 1].
  double advance(const BlinkRates& rates, kernels::Rng& rng);

  State state() const { return state_; }
  // On periods begun so far, the initial one included (for tests of the mean on time).
  int64_t on_periods() const { return on_periods_; }
  // Frames simulated so far.
  int64_t frames() const { return static_cast<int64_t>(t_); }

 private:
  State state_ = State::off;
  double t_ = 0;       // start of the next frame
  double t_next_ = 0;  // time of the next transition (+inf when none)
  int64_t on_periods_ = 0;
};

// Every molecule of a movie: brightness, chain and random stream. Memory is O(molecules).
class Photophysics {
 public:
  Photophysics(int64_t molecules, const BlinkRates& rates, PhotonDistribution distribution,
               double mean_photons, uint64_t seed);

  // Advances all molecules by one frame (in parallel): on_fraction[i] = the fraction of the frame
  // molecule i spent on, in [0, 1]; 0 when it stayed off or is bleached. Photons emitted in the
  // frame = on_fraction[i] · brightness(i).
  void next_frame(std::vector<double>& on_fraction);

  int64_t size() const { return static_cast<int64_t>(blinkers_.size()); }
  double brightness(int64_t i) const { return brightness_[i]; }
  const Blinker& blinker(int64_t i) const { return blinkers_[i]; }
  const BlinkRates& rates() const { return rates_; }

 private:
  BlinkRates rates_;
  std::vector<double> brightness_;
  std::vector<Blinker> blinkers_;
  std::vector<kernels::Rng> rngs_;
};

}  // namespace smlm::simulation
