// DECODE's spatial integration and the read-out of the heads at each detection.
#include "localization/nets/decode/postprocess.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/nn/pixel_gmm_math.h"

namespace smlm::localization::nets::decode {

void PostprocessSettings::validate() const {
  SMLM_CHECK(std::isfinite(threshold) && threshold > 0 && threshold <= 2,
             "probability threshold must be in (0, 2], got " << threshold);
  SMLM_CHECK(raw_threshold >= 0 && raw_threshold <= 1,
             "raw probability threshold must be in [0, 1], got " << raw_threshold);
  SMLM_CHECK(split_threshold >= 0 && split_threshold <= 1,
             "split probability threshold must be in [0, 1], got " << split_threshold);
}

std::vector<Detection> find_emitters(const float* out, int w, int h, int dims, const Scaling& sc,
                                     const PostprocessSettings& s) {
  const int64_t plane = int64_t{w} * h;
  std::vector<float> p(plane);
  for (int64_t k = 0; k < plane; ++k) p[k] = static_cast<float>(kernels::nn::gmm_sigmoid(out[k]));
  const SpatialIntegration integrate{p.data(), w, h, static_cast<float>(s.raw_threshold),
                                     static_cast<float>(s.split_threshold)};
  std::vector<Detection> found;
  for (int64_t k = 0; k < plane; ++k) {
    const float q = integrate(k);
    if (!(q > s.threshold)) continue;
    const int x = static_cast<int>(k % w), y = static_cast<int>(k / w);
    const kernels::nn::GmmPixel g = kernels::nn::gmm_pixel(out + k, plane, dims, y, x);
    Detection d;
    d.x = g.mu[1];
    d.y = g.mu[2];
    d.photons = g.mu[0] * sc.photon_scale;
    d.sigma_photons = g.sigma[0] * sc.photon_scale;
    d.sigma_x = g.sigma[1];
    d.sigma_y = g.sigma[2];
    if (dims == 4) {
      d.z_nm = g.mu[3] * sc.z_scale_nm;
      d.sigma_z_nm = g.sigma[3] * sc.z_scale_nm;
    }
    d.background = g.bg * sc.bg_scale;
    d.probability = std::min(1.0, double{q});
    found.push_back(d);
  }
  return found;
}

}  // namespace smlm::localization::nets::decode
