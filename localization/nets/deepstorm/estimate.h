// Deep-STORM's --like: the training settings that simulate a movie like the one estimated by
// localization/nets/movie_estimate.h (the estimator every net shares).
#pragma once

#include "core/camera.h"
#include "localization/nets/deepstorm/model.h"
#include "localization/nets/movie_estimate.h"

namespace smlm::localization::nets::deepstorm {

// DataSettings that simulate such a movie with `camera`: σ, background, photons (median) with a
// spread from the quantiles (clamped to [0.1, 0.8]), density; patch and spike scale as in base.
DataSettings data_settings_like(const MovieEstimate& e, const CameraModel& camera,
                                const DataSettings& base = {});

}  // namespace smlm::localization::nets::deepstorm
