// DECODE's post-processing (Speiser et al. 2021, "spatial integration"): a pixel is a detection
// when it is a local maximum of the probability map (3×3, above raw_threshold) or, not being
// one, holds a probability above split_threshold (two emitters in neighbouring pixels); its
// probability is then its own plus its four neighbours', and it is kept above `threshold`. Each
// detection reads the head's values at its pixel: position, photons, z, their σs, background.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hd.h"
#include "localization/nets/decode/model.h"

namespace smlm::localization::nets::decode {

struct PostprocessSettings {
  double threshold = 0.5;        // integrated probability a detection needs (--probability)
  double raw_threshold = 0.1;    // local maxima below this are not candidates
  double split_threshold = 0.6;  // non-maxima above this are detections of their own

  // Throws smlm::Error unless all are in [0, 1] (threshold in (0, 2]).
  void validate() const;
};

// One molecule: camera pixel coordinates (centres at integers), z [nm] (0 in 2D), photons, the
// background under it [photons/px], the σs [px, nm, photons], probability (≤ 1).
struct Detection {
  double x = 0, y = 0, z_nm = 0, photons = 0, background = 0;
  double sigma_x = 0, sigma_y = 0, sigma_z_nm = 0, sigma_photons = 0;
  double probability = 0;
};

// The integrated probability of pixel k of a w × h probability map p, or 0 when pixel k is not a
// detection candidate (SMLM_HD: one source for any device).
struct SpatialIntegration {
  const float* p;
  int w, h;
  float raw_threshold, split_threshold;
  SMLM_HD float operator()(int64_t k) const {
    const int x = static_cast<int>(k % w), y = static_cast<int>(k / w);
    const float v = p[k];
    bool is_max = v > raw_threshold;
    float sum = v;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int xx = x + dx, yy = y + dy;
        if ((dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const float q = p[int64_t{yy} * w + xx];
        // Ties go to the first pixel in raster order, so a plateau gives one maximum.
        if (q > v || (q == v && (dy < 0 || (dy == 0 && dx < 0)))) is_max = false;
        if (dx == 0 || dy == 0) sum += q;
      }
    return is_max || v > split_threshold ? sum : 0.f;
  }
};

// The detections of one frame's raw outputs `out`: (2 + 2D) planes of w × h, D = dims, in raster
// order of their pixels.
std::vector<Detection> find_emitters(const float* out, int w, int h, int dims, const Scaling& scale,
                                     const PostprocessSettings& s);

}  // namespace smlm::localization::nets::decode
