// Nearest and bilinear upsampling: SMLM_HD functors; the backward pass gathers per input pixel.
#include "kernels/nn/upsample.h"

#include "core/error.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

// Bilinear source position of output coordinate o: lower tap i0, upper tap i1, weight of i1.
struct Taps {
  int64_t i0, i1;
  float t;
};

SMLM_HD_INLINE Taps taps(int64_t o, int factor, int64_t size) {
  float s = (static_cast<float>(o) + 0.5f) / static_cast<float>(factor) - 0.5f;
  if (s < 0.f) s = 0.f;
  int64_t i0 = static_cast<int64_t>(s);
  if (i0 > size - 1) i0 = size - 1;
  const int64_t i1 = i0 + 1 < size ? i0 + 1 : size - 1;
  return {i0, i1, s - static_cast<float>(i0)};
}

// Weight of input coordinate i in output coordinate o.
SMLM_HD_INLINE float tap_weight(int64_t o, int64_t i, int factor, int64_t size) {
  const Taps k = taps(o, factor, size);
  return (k.i0 == i ? 1.f - k.t : 0.f) + (k.i1 == i ? k.t : 0.f);
}

// Nearest: per (output row, input column), writing the column's `factor` copies: no division per
// output pixel.
struct NearestForward {
  int f;
  int64_t h, w;
  const float* x;
  float* y;
  SMLM_HD void operator()(int64_t row, int64_t ix) const {  // row = nc·OH + oy
    const int64_t oh = h * f, oy = row % oh, nc = row / oh;
    const float v = x[(nc * h + oy / f) * w + ix];
    float* out = y + row * w * f + ix * f;
    for (int k = 0; k < f; ++k) out[k] = v;
  }
};

struct BilinearForward {
  int f;
  int64_t h, w;
  const float* x;
  float* y;
  SMLM_HD void operator()(int64_t row, int64_t ox) const {  // row = nc·OH + oy
    const int64_t ow = w * f, oh = h * f;
    const int64_t oy = row % oh, nc = row / oh, i = row * ow + ox;
    const float* p = x + nc * h * w;
    const Taps ty = taps(oy, f, h), tx = taps(ox, f, w);
    const float top = p[ty.i0 * w + tx.i0] * (1.f - tx.t) + p[ty.i0 * w + tx.i1] * tx.t;
    const float bot = p[ty.i1 * w + tx.i0] * (1.f - tx.t) + p[ty.i1 * w + tx.i1] * tx.t;
    y[i] = top * (1.f - ty.t) + bot * ty.t;
  }
};

struct Backward {
  bool bilinear;
  int f;
  int64_t h, w;
  const float* dy;
  float* dx;
  SMLM_HD void operator()(int64_t row, int64_t ix) const {  // row = nc·H + iy
    const int64_t ow = w * f, oh = h * f;
    const int64_t iy = row % h, nc = row / h, i = row * w + ix;
    const float* d = dy + nc * oh * ow;
    float s = 0.f;
    if (!bilinear) {
      for (int a = 0; a < f; ++a)
        for (int b = 0; b < f; ++b) s += d[(iy * f + a) * ow + ix * f + b];
      dx[i] = s;
      return;
    }
    // Output pixels within two input pixels of this one reach it; the edges reach further.
    const int64_t y0 = iy == 0 ? 0 : (iy - 1) * f, y1 = iy == h - 1 ? oh : (iy + 2) * f;
    const int64_t x0 = ix == 0 ? 0 : (ix - 1) * f, x1 = ix == w - 1 ? ow : (ix + 2) * f;
    for (int64_t oy = y0; oy < y1 && oy < oh; ++oy) {
      const float wy = tap_weight(oy, iy, f, h);
      if (wy == 0.f) continue;
      float r = 0.f;
      for (int64_t ox = x0; ox < x1 && ox < ow; ++ox) {
        const float wx = tap_weight(ox, ix, f, w);
        if (wx != 0.f) r += wx * d[oy * ow + ox];
      }
      s += wy * r;
    }
    dx[i] = s;
  }
};

}  // namespace

std::string upsample_mode_name(UpsampleMode m) {
  return m == UpsampleMode::nearest ? "nearest" : "bilinear";
}

void upsample_forward(const Device& device, UpsampleMode mode, int factor, const Shape& s,
                      const float* x, float* y) {
  SMLM_CHECK(factor >= 1, "upsampling factor " << factor << ": expected 1 or more");
  if (mode == UpsampleMode::nearest)
    detail::launch_rows(device, s.n * s.c * s.h * factor, s.w,
                        NearestForward{factor, s.h, s.w, x, y});
  else
    detail::launch_rows(device, s.n * s.c * s.h * factor, s.w * factor,
                        BilinearForward{factor, s.h, s.w, x, y});
}

void upsample_backward(const Device& device, UpsampleMode mode, int factor, const Shape& s,
                       const float* dy, float* dx) {
  SMLM_CHECK(factor >= 1, "upsampling factor " << factor << ": expected 1 or more");
  detail::launch_rows(device, s.n * s.c * s.h, s.w,
                      Backward{mode == UpsampleMode::bilinear, factor, s.h, s.w, dy, dx});
}

}  // namespace smlm::kernels::nn
