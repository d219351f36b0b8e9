// Peaks of the Deep-STORM map: separable Gaussian smoothing, 3×3 maxima, suppression by score.
#include "localization/nets/deepstorm/postprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "localization/detect.h"
#include "localization/nets/deepstorm/training_data.h"

namespace smlm::localization::nets::deepstorm {

int effective_window_radius(const PostprocessSettings& s, int upsampling) {
  return s.window_radius > 0 ? s.window_radius : std::max(2, upsampling / 2);
}

std::vector<MapPeak> find_peaks(const float* map, int fw, int fh, int upsampling,
                                double spike_scale, const PostprocessSettings& s) {
  const int r = effective_window_radius(s, upsampling);
  const int64_t n = int64_t{fw} * fh;
  // G (7 taps, σ = 1, zero padding) along x, then along y.
  float g[7];
  float gsum = 0;
  for (int t = -3; t <= 3; ++t) gsum += g[t + 3] = std::exp(-0.5f * t * t);
  for (float& v : g) v /= gsum;
  std::vector<float> tmp(n), smooth(n);
  for (int y = 0; y < fh; ++y)
    for (int x = 0; x < fw; ++x) {
      float a = 0;
      for (int t = -3; t <= 3; ++t)
        if (x + t >= 0 && x + t < fw) a += g[t + 3] * std::max(0.f, map[int64_t{y} * fw + x + t]);
      tmp[int64_t{y} * fw + x] = a;
    }
  for (int y = 0; y < fh; ++y)
    for (int x = 0; x < fw; ++x) {
      float a = 0;
      for (int t = -3; t <= 3; ++t)
        if (y + t >= 0 && y + t < fh) a += g[t + 3] * tmp[int64_t{y + t} * fw + x];
      smooth[int64_t{y} * fw + x] = a;
    }

  struct Found {
    MapPeak peak;
    float score;
    int kx, ky;
  };
  std::vector<Found> found;
  // The smallest smoothed peak an accepted emitter can have is well above this floor; it only
  // spares the window sums of the noise's countless tiny maxima.
  const float floor = static_cast<float>(1e-3 * s.threshold * spike_scale);
  for (int y = 0; y < fh; ++y)
    for (int x = 0; x < fw; ++x) {
      if (!(smooth[int64_t{y} * fw + x] > floor)) continue;
      if (!is_local_maximum(smooth.data(), fw, fh, x, y)) continue;
      double sw = 0, sx = 0, sy = 0;
      for (int j = std::max(0, y - r); j <= std::min(fh - 1, y + r); ++j)
        for (int i = std::max(0, x - r); i <= std::min(fw - 1, x + r); ++i) {
          const double v = std::max(0.f, map[int64_t{j} * fw + i]);
          sw += v, sx += v * i, sy += v * j;
        }
      if (sw < s.threshold * spike_scale) continue;
      found.push_back({{fine_to_camera(sx / sw, upsampling), fine_to_camera(sy / sw, upsampling),
                        sw / spike_scale},
                       smooth[int64_t{y} * fw + x],
                       x,
                       y});
    }
  // Non-maximum suppression: strongest first, each blocks its (2r + 1)² neighbourhood.
  std::vector<size_t> order(found.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return found[a].score > found[b].score; });
  std::vector<char> keep(found.size(), 0);
  std::vector<size_t> kept;
  for (size_t i : order) {
    bool blocked = false;
    for (size_t k : kept)
      if (std::abs(found[k].kx - found[i].kx) <= r && std::abs(found[k].ky - found[i].ky) <= r) {
        blocked = true;
        break;
      }
    if (!blocked) kept.push_back(i), keep[i] = 1;
  }
  std::vector<MapPeak> out;
  for (size_t i = 0; i < found.size(); ++i)
    if (keep[i]) out.push_back(found[i].peak);
  return out;
}

}  // namespace smlm::localization::nets::deepstorm
