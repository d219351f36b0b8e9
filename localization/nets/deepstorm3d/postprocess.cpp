// DeepSTORM3D's post-processing: 3D non-maximum suppression and centre of gravity.
#include "localization/nets/deepstorm3d/postprocess.h"

#include <algorithm>

namespace smlm::localization::nets::deepstorm3d {

std::vector<VolumePeak> find_volume_peaks(const float* volume, const VolumeGeometry& g,
                                          double scale, const PostprocessSettings& s) {
  const int d = g.slices, h = g.height * g.upsampling, w = g.width * g.upsampling;
  const int64_t plane = int64_t{h} * w;
  const float top = static_cast<float>(scale);
  auto at = [&](int z, int y, int x) {
    return std::clamp(volume[z * plane + int64_t{y} * w + x], 0.f, top);
  };
  std::vector<VolumePeak> peaks;
  const int r = std::max(0, s.window_radius);
  for (int z = 0; z < d; ++z)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const float v = at(z, y, x);
        if (v <= 0) continue;
        bool is_max = true;
        for (int dz = -1; dz <= 1 && is_max; ++dz)
          for (int dy = -1; dy <= 1 && is_max; ++dy)
            for (int dx = -1; dx <= 1 && is_max; ++dx) {
              const int zz = z + dz, yy = y + dy, xx = x + dx;
              if ((dz | dy | dx) == 0 || zz < 0 || yy < 0 || xx < 0 || zz >= d || yy >= h ||
                  xx >= w)
                continue;
              const float u = at(zz, yy, xx);
              const bool before = (dz < 0) || (dz == 0 && (dy < 0 || (dy == 0 && dx < 0)));
              if (u > v || (before && u == v)) is_max = false;
            }
        if (!is_max) continue;
        double sum = 0, sz = 0, sy = 0, sx = 0;
        for (int zz = std::max(0, z - r); zz <= std::min(d - 1, z + r); ++zz)
          for (int yy = std::max(0, y - r); yy <= std::min(h - 1, y + r); ++yy)
            for (int xx = std::max(0, x - r); xx <= std::min(w - 1, x + r); ++xx) {
              const double u = at(zz, yy, xx);
              sum += u, sz += u * zz, sy += u * yy, sx += u * xx;
            }
        if (sum < s.threshold * scale) continue;
        peaks.push_back({g.x_px(sx / sum), g.x_px(sy / sum), g.z_nm(sz / sum), sum / scale});
      }
  return peaks;
}

}  // namespace smlm::localization::nets::deepstorm3d
