// sCMOS cameras: per-pixel offset, gain and read-noise variance maps of the whole sensor (Huang et
// al., Nature Methods 2013), a view of them that device code takes by value, and PixelCamera, the
// ADU → photoelectron conversion of one pixel with or without maps.
//
// Units are the sCMOS literature's, as a dark-frame calibration measures them:
//   offset_i   [ADU]     mean dark level of pixel i;
//   gain_i     [ADU/e⁻]  A/D counts per photoelectron: 1 / ThunderSTORM's "photons per ADU" p
//                        [e⁻/ADU] (CameraModel::photons_per_adu), so 0.5 ADU/e⁻ is p = 2;
//   variance_i [ADU²]    read-noise variance of pixel i (the variance of its dark frames).
// A pixel reads ADU_i = offset_i + gain_i·e_i + N(0, variance_i), e_i its photoelectrons. The
// fitters work in photoelectrons: data (ADU_i − offset_i)/gain_i, read-noise variance
// variance_i/gain_i² [e⁻²], and the likelihood of Huang et al. treats data + variance_i/gain_i² as
// Poisson with mean μ_i + variance_i/gain_i².
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/hd.h"

namespace smlm {

// A view of the maps for a frame (or a ROI of one): the sensor's maps and where the frame's pixel
// (0, 0) lies on the sensor. Trivially copyable; the pointers are in the memory of the device
// that uses the view. Frame pixel (x, y) is sensor pixel (x0 + x, y0 + y), which must lie on the
// sensor (callers check the window once: CameraMaps::frame_view, covers()).
struct CameraMapsView {
  const float* offset = nullptr;    // [ADU], sensor_width·sensor_height, row-major
  const float* gain = nullptr;      // [ADU/e⁻]
  const float* variance = nullptr;  // [ADU²]
  int sensor_width = 0, sensor_height = 0;
  int x0 = 0, y0 = 0;  // sensor pixel of the frame's pixel (0, 0)

  SMLM_HD bool empty() const { return offset == nullptr; }
  // The view of a window whose pixel (0, 0) is this view's pixel (dx, dy) (a ROI at (dx, dy)).
  SMLM_HD CameraMapsView shifted(int dx, int dy) const {
    CameraMapsView v = *this;
    v.x0 += dx;
    v.y0 += dy;
    return v;
  }
  SMLM_HD int64_t index(int x, int y) const {
    return static_cast<int64_t>(y0 + y) * sensor_width + (x0 + x);
  }
  // Photoelectrons of pixel (x, y) reading `adu`: (adu − offset)/gain.
  SMLM_HD double electrons(double adu, int x, int y) const {
    const int64_t i = index(x, y);
    return (adu - offset[i]) / gain[i];
  }
  // Read-noise variance of pixel (x, y) in photoelectrons², variance/gain².
  SMLM_HD double variance_e2(int x, int y) const {
    const int64_t i = index(x, y);
    const double g = gain[i];
    return variance[i] / (g * g);
  }
  // True when a w × h window at the origin lies on the sensor.
  bool covers(int w, int h) const {
    return x0 >= 0 && y0 >= 0 && w >= 0 && h >= 0 && int64_t{x0} + w <= sensor_width &&
           int64_t{y0} + h <= sensor_height;
  }
};

// Where a movie's frames lie on the mapped sensor: frame pixel (0, 0) is sensor pixel (x, y).
struct SensorOrigin {
  int x = 0, y = 0;
};

// The maps of a whole sensor, host memory (see the units above).
struct CameraMaps {
  int width = 0, height = 0;                  // the sensor [px]
  std::vector<float> offset, gain, variance;  // width·height each, row-major (x fastest)
  std::string source;                         // the file they came from (messages); may be empty

  bool empty() const { return offset.empty(); }
  // "camera maps 'FILE'" (or "camera maps"): how messages name them.
  std::string name() const;
  // Throws smlm::Error (one line, naming source) unless the sizes are positive and equal to
  // width·height (at most 2^28 pixels), every value is finite, every gain > 0 and every variance
  // >= 0.
  void validate() const;
  // The whole sensor, origin (0, 0), host memory.
  CameraMapsView view() const;
  // The view for frames of w × h px at `origin` on the sensor. Without an origin the frames must be
  // the whole sensor; throws smlm::Error naming the maps and both sizes otherwise (a cropped movie
  // needs its origin), and when frames at the origin would leave the sensor.
  CameraMapsView frame_view(int w, int h, const std::optional<SensorOrigin>& origin) const;
  // Throws smlm::Error unless `camera` can go with maps: no EM gain (the maps describe an sCMOS
  // camera; its baseline, photons per ADU and read noise are replaced by the maps, QE and pixel
  // size still apply).
  void check_camera(const CameraModel& camera) const;
};

// One pixel's camera: the maps when set (sCMOS), the CameraModel's uniform numbers otherwise.
// Trivially copyable, for detection kernels on either device.
struct PixelCamera {
  CameraModel camera;
  CameraMapsView maps;  // empty: a uniform camera

  // ADU → photoelectrons at frame pixel (x, y): (adu − offset)/gain with maps,
  // CameraModel::adu_to_electrons without.
  SMLM_HD double adu_to_electrons(double adu, int x, int y) const {
    return maps.empty() ? camera.adu_to_electrons(adu) : maps.electrons(adu, x, y);
  }
  // Read-noise variance at frame pixel (x, y) [e⁻²] that the sCMOS likelihood adds to data and
  // model: variance/gain² with maps, 0 without (the uniform camera's fit is plain Poisson).
  SMLM_HD double variance_e2(int x, int y) const {
    return maps.empty() ? 0.0 : maps.variance_e2(x, y);
  }
};

// Host helpers over a w × h region (row-major) whose pixel (0, 0) is the view's origin (e.g.
// maps.frame_view(W, H, origin).shifted(x0, y0) for a patch at (x0, y0) of a W × H frame):
// photoelectrons of `adu` into `electrons` (may alias adu), and read-noise variances [e⁻²] into
// `variance` (zeros without maps), the form lm_fit, BatchFitter and MleFitter take.
void adu_to_electrons(const PixelCamera& camera, const float* adu, int w, int h, float* electrons);
void variance_e2(const PixelCamera& camera, int w, int h, float* variance);

}  // namespace smlm
