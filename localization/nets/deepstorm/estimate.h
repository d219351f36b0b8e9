// Simulation settings that match a user's movie (`smlm train deepstorm --like movie.tif`): a quick
// classic pass (localization::Localizer) over some of its frames gives the background, the PSF
// width, the photon distribution of isolated spots and the emitter density to train on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/image.h"
#include "localization/nets/deepstorm/model.h"

namespace smlm::localization::nets::deepstorm {

struct MovieEstimate {
  int64_t frames = 0, localizations = 0, isolated = 0;
  double background = 0;         // median fitted offset [photons/px]
  double background_spread = 0;  // (q90 − q10)/2 of the offsets [photons/px]
  double psf_sigma_nm = 0;       // median fitted σ of isolated spots [nm]
  double photons = 0;            // median intensity of isolated spots [photons]
  double photons_q10 = 0, photons_q90 = 0;
  // Localizations per frame per µm² × missed_factor (the classic pass misses dim, partial-frame
  // and overlapping emitters).
  double density = 0;

  // One line per value, for the terminal.
  std::string describe() const;
};

struct EstimateSettings {
  double initial_sigma_nm = 130;  // σ start of the classic fits [nm]
  double threshold = 1.0;         // detection threshold (Localizer's)
  double missed_factor = 1.15;    // density scale-up for missed emitters
  double isolation_sigmas = 6;    // isolated: no other localization of the frame within this·σ
};

// Runs the classic pass over `frames` (ADU) and summarizes it. Throws smlm::Error when it finds
// no localizations at all.
MovieEstimate estimate_movie(const std::vector<ImageF>& frames, const CameraModel& camera,
                             const EstimateSettings& s = {});

// DataSettings that simulate such a movie with `camera`: σ, background, photons (median) with a
// spread from the quantiles (clamped to [0.1, 0.8]), density; patch and spike scale as in base.
DataSettings data_settings_like(const MovieEstimate& e, const CameraModel& camera,
                                const DataSettings& base = {});

}  // namespace smlm::localization::nets::deepstorm
