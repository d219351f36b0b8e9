// CameraMaps: validation, and the view of the sensor that a movie's frames cover.
#include "core/camera_maps.h"

#include <cmath>

#include "core/error.h"

namespace smlm {

namespace {

// 16384 × 16384, as the simulator's largest frame: far beyond any sensor.
constexpr int64_t kMaxMapPixels = int64_t{1} << 28;

}  // namespace

std::string CameraMaps::name() const {
  return source.empty() ? std::string("camera maps") : "camera maps '" + source + "'";
}

void CameraMaps::validate() const {
  SMLM_CHECK(width > 0 && height > 0 && int64_t{width} * height <= kMaxMapPixels,
             name() << ": size " << width << " x " << height << " px is not 1.." << kMaxMapPixels
                    << " pixels");
  const size_t n = static_cast<size_t>(width) * height;
  SMLM_CHECK(offset.size() == n && gain.size() == n && variance.size() == n,
             name() << ": offset, gain and variance hold " << offset.size() << ", " << gain.size()
                    << " and " << variance.size() << " values, expected " << n << " (" << width
                    << " x " << height << " px) each");
  for (size_t i = 0; i < n; ++i) {
    const int x = static_cast<int>(i % width), y = static_cast<int>(i / width);
    SMLM_CHECK(std::isfinite(offset[i]), name()
                                             << ": offset at pixel (" << x << ", " << y << ") is "
                                             << offset[i] << ", not a finite number of ADU");
    SMLM_CHECK(std::isfinite(gain[i]) && gain[i] > 0,
               name() << ": gain at pixel (" << x << ", " << y << ") is " << gain[i]
                      << ", not a positive number of ADU/e-");
    SMLM_CHECK(std::isfinite(variance[i]) && variance[i] >= 0,
               name() << ": variance at pixel (" << x << ", " << y << ") is " << variance[i]
                      << ", not a number of ADU^2 >= 0");
  }
}

CameraMapsView CameraMaps::view() const {
  CameraMapsView v;
  v.offset = offset.data();
  v.gain = gain.data();
  v.variance = variance.data();
  v.sensor_width = width;
  v.sensor_height = height;
  return v;
}

CameraMapsView CameraMaps::frame_view(int w, int h,
                                      const std::optional<SensorOrigin>& origin) const {
  SMLM_CHECK(!empty(), name() << " are empty");
  if (!origin) {
    SMLM_CHECK(w == width && h == height,
               name() << " are " << width << " x " << height << " px, the frames " << w << " x "
                      << h << " px: give the frames' origin on the sensor "
                      << "(--camera-maps-origin X,Y) for a movie cropped from it");
    return view();
  }
  CameraMapsView v = view().shifted(origin->x, origin->y);
  SMLM_CHECK(v.covers(w, h), "frames of " << w << " x " << h << " px at (" << origin->x << ", "
                                          << origin->y << ") leave the " << width << " x " << height
                                          << " px sensor of " << name());
  return v;
}

void CameraMaps::check_camera(const CameraModel& camera) const {
  SMLM_CHECK(!camera.is_emccd(),
             name() << " describe an sCMOS camera: EM gain must be 1, got " << camera.em_gain);
}

void adu_to_electrons(const PixelCamera& camera, const float* adu, int w, int h, float* electrons) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int64_t k = int64_t{y} * w + x;
      electrons[k] = static_cast<float>(camera.adu_to_electrons(adu[k], x, y));
    }
}

void variance_e2(const PixelCamera& camera, int w, int h, float* variance) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      variance[int64_t{y} * w + x] = static_cast<float>(camera.variance_e2(x, y));
}

}  // namespace smlm
