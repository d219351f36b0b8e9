// --like for Deep-STORM: a movie's estimate as training settings.
#include "localization/nets/deepstorm/estimate.h"

#include <algorithm>

namespace smlm::localization::nets::deepstorm {

DataSettings data_settings_like(const MovieEstimate& e, const CameraModel& camera,
                                const DataSettings& base) {
  DataSettings d = base;
  d.camera = camera;
  d.psf_sigma_nm = e.psf_sigma_nm;
  d.background = e.background;
  d.photons = e.photons;
  const double spread = e.photons > 0 ? (e.photons_q90 - e.photons_q10) / (2 * e.photons) : 0.5;
  d.photon_spread = std::clamp(spread, 0.1, 0.8);
  // density × photons is the movie's emitter light (MovieEstimate::density), which the training
  // patches then carry too.
  d.density = e.density;
  return d;
}

}  // namespace smlm::localization::nets::deepstorm
