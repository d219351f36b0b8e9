// From Deep-STORM's spike map to emitters: local maxima (3×3) of the map smoothed by the loss's
// Gaussian (σ = 1 fine pixel), non-maximum suppression, the map's integral in a small window as
// the detection score, and the weighted centroid in that window as the sub-pixel position.
#pragma once

#include <vector>

namespace smlm::localization::nets::deepstorm {

struct PostprocessSettings {
  // A peak is kept when the map's integral over its window is at least threshold × spike_scale
  // (i.e. `threshold` emitters' worth of spike; 1 is one full emitter).
  double threshold = 0.3;
  // Half-side of the integration and centroid window [fine pixels]; 0 = max(2, U/2). Peaks closer
  // than this (Chebyshev distance) to a stronger kept one are dropped.
  int window_radius = 0;
};

// One emitter found in the map: position in camera pixel coordinates (pixel centres at integers,
// as ImageF: x_nm = (x + ½)·pixel size), and the map's integral over the window divided by the
// spike scale — a relative brightness, ≈ 1 per emitter as trained, not photons.
struct MapPeak {
  double x = 0, y = 0, value = 0;
};

// The window radius a setting of 0 stands for.
int effective_window_radius(const PostprocessSettings& s, int upsampling);

// Peaks of one map: fw × fh fine pixels, row-major (x fastest), U fine pixels per camera pixel,
// fine pixel k centred at camera coordinate (k + ½)/U − ½. Negative map values count as 0 in
// integrals and centroids. Peaks in raster order of their maxima.
std::vector<MapPeak> find_peaks(const float* map, int fw, int fh, int upsampling,
                                double spike_scale, const PostprocessSettings& s);

}  // namespace smlm::localization::nets::deepstorm
