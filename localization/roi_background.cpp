// MapBackground: a known background map cut into the ROIs.
#include "localization/roi_background.h"

#include <cmath>

#include "core/error.h"

namespace smlm::localization {

MapBackground::MapBackground(ImageF photons, double qe) : map_(std::move(photons)) {
  SMLM_CHECK(std::isfinite(qe) && qe > 0 && qe <= 1, "quantum efficiency must be in (0, 1]");
  float* m = map_.data();
  for (size_t i = 0; i < map_.size(); ++i) {
    SMLM_CHECK(std::isfinite(m[i]) && m[i] >= 0,
               "the background map holds " << m[i] << ": values must be >= 0 photons/pixel");
    m[i] = static_cast<float>(m[i] * qe);
  }
}

void MapBackground::estimate(std::span<const ImageF> frames, std::span<const RoiPlace> rois,
                             int size, float* out) {
  for (size_t i = 0; i < rois.size(); ++i) {
    const RoiPlace& r = rois[i];
    const ImageF& f = frames[static_cast<size_t>(r.frame)];
    SMLM_CHECK(f.width() == map_.width() && f.height() == map_.height(),
               "the background map is " << map_.width() << " x " << map_.height()
                                        << " px, the frames " << f.width() << " x " << f.height());
    float* o = out + i * static_cast<size_t>(size) * size;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) o[y * size + x] = map_(r.x0 + x, r.y0 + y);
  }
}

}  // namespace smlm::localization
