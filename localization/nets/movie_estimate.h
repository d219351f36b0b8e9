// Simulation settings that match a user's movie, for every net's `--like movie.tif`: the
// background, the PSF width, the photons of one emitter and the emitter density, estimated from
// a sample of the movie's frames in ways that stay right when the spots overlap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/image.h"

namespace smlm::localization::nets {

// What a movie looks like, in the units the simulator takes (simulation::SimulationSettings).
struct MovieEstimate {
  int64_t frames = 0;         // frames analysed
  int64_t localizations = 0;  // spots fitted: candidates with no other candidate near them
  int64_t isolated = 0;       // of those, the ones that pass the single-emitter test
  // Background [photons/px]: the value whose low quantile, under the camera's noise and the
  // light of the emitters (at the density and brightness found), matches the movie's.
  double background = 0;
  double background_spread = 0;  // (q90 − q10)/2 of the same over blocks of ~16² px [photons/px]
  // PSF σ [nm], from the temporal covariance of neighbouring pixels (a blinking emitter makes the
  // pixels it lights fluctuate together, as the PSF's autocorrelation, however crowded the
  // frame), or, in movies with too few frames or no blinking, from single-emitter fits.
  double psf_sigma_nm = 0;
  std::string sigma_source;  // "pixel covariance" or "single-emitter fits"
  // Photons of one emitter in one frame [photons]: the median and quantiles of fixed-σ fits of
  // the spots that pass the single-emitter test. Emitters on for part of a frame make the lower
  // quantiles; the median is that of the fully-on emitters when they are the majority.
  double photons = 0;
  double photons_q10 = 0, photons_q90 = 0;
  // Emitters per frame per µm², counted in emitters of `photons`: (mean pixel − background) /
  // photons, the emitters' total signal, which overlap does not change. density × photons is
  // the movie's emitter light; where many emitters are on for part of a frame, the number of
  // emitters seen per frame is higher than this (by mean full / mean seen brightness).
  double density = 0;
  // Set when the photons could not come from single emitters (a movie too crowded for any spot
  // to pass the test): they then come from the best-fitting spots and are likely too high.
  std::string warning;

  // One line per value, for the terminal.
  std::string describe() const;
};

struct EstimateSettings {
  double initial_sigma_nm = 130;  // σ of the fits when the covariance gives none [nm]
  double threshold = 1.0;         // detection threshold (localization::DetectionSettings)
  // A spot is fitted only when no other candidate of its frame lies within this many σ (all
  // local maxima count, so a neighbour's light is seen before any fit).
  double isolation_sigmas = 4;
  // A fit passes as a single emitter when its Poisson deviance is at most its expectation under
  // the camera's noise plus this many standard deviations of it.
  double deviance_sigmas = 2;
  // The low quantile of the pixel values that the background is taken from: low enough that
  // few of them hold emitter light, high enough to be estimated well from the frames.
  double background_quantile = 0.02;
  // Fewest frames for the covariance σ; movies with fewer take σ from single-emitter fits.
  int min_temporal_frames = 20;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// Estimates the settings from `frames` (raw ADU, all of one size, ideally spread over the movie:
// the covariance wants frames whose emitters differ) taken with `camera` (a uniform camera;
// EMCCD or not). Deterministic. Throws smlm::Error for an empty or ragged frame list, impossible
// camera or settings, and a movie with no isolated spot to fit.
MovieEstimate estimate_movie(const std::vector<ImageF>& frames, const CameraModel& camera,
                             const EstimateSettings& s = {});

}  // namespace smlm::localization::nets
