// DeepSTORM3D's blurred-MSE + Dice loss on the host.
#include "localization/nets/deepstorm3d/loss.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/nets/deepstorm/training_data.h"

namespace smlm::localization::nets::deepstorm3d {

namespace {

constexpr int kRadius = 3;

// out[i] = Σ_j k[j − i + r]·in[j] over n rows of `len` contiguous values (row stride `stride` in
// both), zero beyond the ends: rows are added whole, so the inner loop is contiguous.
void blur_rows(const float* in, float* out, int n, int64_t stride, int64_t len, const float* k) {
  for (int i = 0; i < n; ++i) {
    float* o = out + i * stride;
    std::fill(o, o + len, 0.f);
    const int lo = std::max(0, i - kRadius), hi = std::min(n - 1, i + kRadius);
    for (int j = lo; j <= hi; ++j) {
      const float c = k[j - i + kRadius];
      const float* r = in + j * stride;
      for (int64_t x = 0; x < len; ++x) o[x] += c * r[x];
    }
  }
}

}  // namespace

bool VolumeGeometry::voxel(const VolumeEmitter& e, int& kz, int& ky, int& kx) const {
  kx = deepstorm::fine_index(e.x, upsampling);
  ky = deepstorm::fine_index(e.y, upsampling);
  kz = static_cast<int>(std::floor((e.z_nm - z_min_nm) / slice_nm()));
  return kx >= 0 && ky >= 0 && kz >= 0 && kx < width * upsampling && ky < height * upsampling &&
         kz < slices;
}

void spike_volume(const std::vector<VolumeEmitter>& emitters, const VolumeGeometry& g, double scale,
                  float* volume) {
  const int64_t fw = int64_t{g.width} * g.upsampling, fh = int64_t{g.height} * g.upsampling;
  std::fill(volume, volume + g.slices * fh * fw, 0.f);
  for (const VolumeEmitter& e : emitters) {
    int kz, ky, kx;
    if (g.voxel(e, kz, ky, kx)) volume[(kz * fh + ky) * fw + kx] += static_cast<float>(scale);
  }
}

void blur_volumes(int64_t n, int d, int h, int w, float* v) {
  float k[2 * kRadius + 1];
  for (int i = -kRadius; i <= kRadius; ++i)
    k[i + kRadius] = static_cast<float>(std::exp(-0.5 * i * i));
  const int64_t plane = int64_t{h} * w, vol = d * plane;
  // x within each row (short lines), then y within each plane and z within each volume as sums of
  // whole rows (a copy of the input lines first).
  kernels::parallel_for(n * d * h, [&](int64_t line) {
    thread_local std::vector<float> tmp;
    float* row = v + line * w;
    tmp.assign(row, row + w);
    blur_rows(tmp.data(), row, w, 1, 1, k);
  });
  kernels::parallel_for(n * d, [&](int64_t p) {
    float* pl = v + p * plane;
    std::vector<float> tmp(pl, pl + plane);
    blur_rows(tmp.data(), pl, h, w, w, k);
  });
  kernels::parallel_for(n * h, [&](int64_t line) {
    float* base = v + (line / h) * vol + (line % h) * w;  // row y of slice 0
    std::vector<float> tmp(int64_t{d} * w);
    for (int z = 0; z < d; ++z) std::copy_n(base + z * plane, w, tmp.data() + int64_t{z} * w);
    for (int z = 0; z < d; ++z) {
      float* o = base + z * plane;
      std::fill(o, o + w, 0.f);
      const int lo = std::max(0, z - kRadius), hi = std::min(d - 1, z + kRadius);
      for (int j = lo; j <= hi; ++j) {
        const float c = k[j - z + kRadius];
        const float* r = tmp.data() + int64_t{j} * w;
        for (int x = 0; x < w; ++x) o[x] += c * r[x];
      }
    }
  });
}

VolumeLoss volume_loss(const nn::Tensor& prediction, const nn::Tensor& target, double scale,
                       bool need_grad) {
  const auto& s = prediction.shape();
  const auto& ts = target.shape();
  SMLM_CHECK(s.n == ts.n && s.c == ts.c && s.h == ts.h && s.w == ts.w,
             "DeepSTORM3D loss: prediction and target shapes differ");
  const int64_t n = s.n, size = prediction.numel();
  const int d = static_cast<int>(s.c), h = static_cast<int>(s.h), w = static_cast<int>(s.w);
  std::vector<float> p = prediction.host(), t = target.host();
  // Dice on p/s and t/s (sums in double).
  double pt = 0, pp = 0, tt = 0;
  for (int64_t i = 0; i < size; ++i) {
    const double a = p[i] / scale, b = t[i] / scale;
    pt += a * b, pp += a * a, tt += b * b;
  }
  const double num = 2 * pt + 1, den = pp + tt + 1;
  std::vector<float> bp = p;
  blur_volumes(n, d, h, w, bp.data());
  blur_volumes(n, d, h, w, t.data());
  double mse = 0;
  for (int64_t i = 0; i < size; ++i) {
    const double r = double{bp[i]} - t[i];
    mse += r * r;
    bp[i] = static_cast<float>(2 * r / size);  // ∂mse/∂(G∗p)
  }
  VolumeLoss l;
  l.mse = mse / size;
  l.dice = 1 - num / den;
  l.value = l.mse + l.dice;
  if (need_grad) {
    blur_volumes(n, d, h, w, bp.data());
    // ∂Dice/∂p_i = −(2b_i·den − num·2a_i)/den² / s, with a = p/s, b = t/s (t unblurred).
    std::vector<float> traw = target.host();
    const double c = 1 / (den * den * scale);
    for (int64_t i = 0; i < size; ++i) {
      const double a = p[i] / scale, b = traw[i] / scale;
      bp[i] += static_cast<float>(-(2 * b * den - num * 2 * a) * c);
    }
    l.grad = nn::Tensor::from_host(s, bp, prediction.device());
  }
  return l;
}

}  // namespace smlm::localization::nets::deepstorm3d
