// Wavelet filtering and local-maximum search on the CPU, one frame at a time, over the SMLM_HD
// per-pixel functions of detect.h.
#include "localization/detect.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace smlm::localization {

void DetectionSettings::validate() const {
  SMLM_CHECK(std::isfinite(threshold) && threshold >= 0,
             "detection threshold must be a finite number >= 0 (× std of the first wavelet "
             "level), got "
                 << threshold);
  SMLM_CHECK(nms_radius >= 0 && nms_radius <= kMaxNmsRadius,
             "non-maximum suppression radius must be 0 (automatic) .."
                 << kMaxNmsRadius << " px, got " << nms_radius);
}

namespace {

// out = kernel(step) ∗ in, separable: along x into tmp, then along y.
void smooth(const ImageF& in, int step, ImageF& tmp, ImageF& out) {
  const int w = in.width(), h = in.height();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) tmp(x, y) = atrous_tap(in.data(), w, h, x, y, step, 1, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) out(x, y) = atrous_tap(tmp.data(), w, h, x, y, step, 0, 1);
}

}  // namespace

WaveletLevels atrous_wavelet(const ImageF& photons) {
  const int w = photons.width(), h = photons.height();
  ImageF tmp(w, h), v1(w, h), v2(w, h);
  smooth(photons, 1, tmp, v1);
  smooth(v1, 2, tmp, v2);
  WaveletLevels levels{ImageF(w, h), ImageF(w, h)};
  for (size_t i = 0; i < photons.size(); ++i) {
    levels.f1.data()[i] = photons.data()[i] - v1.data()[i];
    levels.f2.data()[i] = v1.data()[i] - v2.data()[i];
  }
  return levels;
}

std::vector<Candidate> detect(const ImageF& photons, const DetectionSettings& s) {
  s.validate();
  std::vector<Candidate> out;
  if (photons.empty()) return out;
  const int w = photons.width(), h = photons.height();
  const WaveletLevels lv = atrous_wavelet(photons);

  const int64_t n = static_cast<int64_t>(lv.f1.size());
  double sum, sum2;
  sum_and_squares(lv.f1.data(), n, sum, sum2);
  const float thr = detection_threshold(sum, sum2, static_cast<double>(n), s.threshold);

  const float* f2 = lv.f2.data();
  const int r = std::max(1, s.nms_radius);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float v = f2[y * w + x];
      if (v > thr && is_local_maximum(f2, w, h, x, y, r)) out.push_back({x, y, v});
    }
  return out;
}

}  // namespace smlm::localization
