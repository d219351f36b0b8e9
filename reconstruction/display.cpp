// Contrast mapping: the reference level is a percentile of the positive pixels, found with
// nth_element on a copy of them.
#include "reconstruction/display.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/parallel_for.h"

namespace smlm::reconstruction {

Image<uint16_t> to_display(const ImageF& image, int bits, double percentile) {
  SMLM_CHECK(bits >= 1 && bits <= 16, "to_display: bits must be in [1, 16], got " << bits);
  SMLM_CHECK(percentile > 0 && percentile <= 100,
             "to_display: percentile must be in (0, 100], got " << percentile);
  Image<uint16_t> out(image.width(), image.height());

  std::vector<float> positive;
  for (float v : image.vec())
    if (v > 0 && std::isfinite(v)) positive.push_back(v);
  if (positive.empty()) return out;

  // Linear interpolation between the order statistics around rank (n − 1)·q.
  const double rank = (positive.size() - 1) * (percentile / 100.0);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const double frac = rank - lo;
  std::nth_element(positive.begin(), positive.begin() + lo, positive.end());
  double level = positive[lo];
  if (frac > 0 && lo + 1 < positive.size())
    level += frac * (*std::min_element(positive.begin() + lo + 1, positive.end()) - level);

  const double full = static_cast<double>((1 << bits) - 1);
  const double scale = full / level;
  const int64_t w = image.width();
  kernels::parallel_for(image.height(), [&](int64_t y) {
    const float* in = image.data() + y * w;
    uint16_t* dst = out.data() + y * w;
    for (int64_t x = 0; x < w; ++x) {
      const double v = in[x] * scale;
      dst[x] = v > 0 ? static_cast<uint16_t>(std::min(full, std::nearbyint(v))) : 0;
    }
  });
  return out;
}

}  // namespace smlm::reconstruction
