// From DeepSTORM3D's output volume to emitters: 3D local maxima (3 × 3 × 3) of the volume clipped
// to [0, scale], kept when the volume's sum over a small window around them reaches a threshold,
// and the centre of gravity in that window as the sub-voxel position.
#pragma once

#include <vector>

#include "localization/nets/deepstorm3d/loss.h"

namespace smlm::localization::nets::deepstorm3d {

struct PostprocessSettings {
  // A maximum is kept when the clipped volume's sum over its window is at least threshold × scale
  // (1 is one full emitter's voxel as trained).
  double threshold = 0.3;
  int window_radius = 1;  // half-side of the (2r + 1)³ window [voxels], ≥ 0
};

// One emitter found: camera pixel coordinates (x_nm = (x + ½)·pixel size), z [nm], and the
// window's sum / scale (a relative brightness, ≈ 1 per emitter as trained, not photons).
struct VolumePeak {
  double x = 0, y = 0, z_nm = 0, value = 0;
};

// Peaks of one volume, D × (U·H) × (U·W) of geometry g (z slice first, x fastest), in raster
// order of their maxima (z, y, x). Ties between equal neighbours go to the first in raster order.
std::vector<VolumePeak> find_volume_peaks(const float* volume, const VolumeGeometry& g,
                                          double scale, const PostprocessSettings& s);

}  // namespace smlm::localization::nets::deepstorm3d
