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

// Nearest, per (output row, input column): the column's factor copies. The factor is a template
// parameter for the common ones (F > 0), so that the copies need no loop and the CPU's loop over
// columns runs as SIMD lanes; F = 0 takes it at run time.
template <int F>
struct NearestForwardRow {
  int f;
  const float* x;  // the source input row
  float* y;        // the output row
  SMLM_HD void operator()(int64_t ix) const {
    const int n = F > 0 ? F : f;
    const float v = x[ix];
    for (int k = 0; k < n; ++k) y[ix * n + k] = v;
  }
};
template <int F>
struct NearestForward {
  int f;
  int64_t w;
  const float* x;
  float* y;
  // row = nc·OH + oy = (nc·H + iy)·factor + a: the source row is row / factor.
  SMLM_HD NearestForwardRow<F> row(int64_t row) const {
    const int n = F > 0 ? F : f;
    return {f, x + row / n * w, y + row * w * n};
  }
};

struct BilinearForwardRow {
  int f;
  int64_t w;
  const float *top, *bottom;  // the two source rows
  float ty;                   // the weight of bottom
  float* y;                   // the output row
  SMLM_HD void operator()(int64_t ox) const {
    const Taps tx = taps(ox, f, w);
    const float t = top[tx.i0] * (1.f - tx.t) + top[tx.i1] * tx.t;
    const float b = bottom[tx.i0] * (1.f - tx.t) + bottom[tx.i1] * tx.t;
    y[ox] = t * (1.f - ty) + b * ty;
  }
};
struct BilinearForward {
  int f;
  int64_t h, w;
  const float* x;
  float* y;
  SMLM_HD BilinearForwardRow row(int64_t row) const {  // row = nc·OH + oy
    const int64_t oh = h * f, oy = row % oh, nc = row / oh;
    const float* p = x + nc * h * w;
    const Taps ty = taps(oy, f, h);
    return {f, w, p + ty.i0 * w, p + ty.i1 * w, ty.t, y + row * w * f};
  }
};

// Nearest's backward pass, per input pixel: the sum over its F×F block, rows in order (F as in
// NearestForwardRow).
template <int F>
struct NearestBackwardRow {
  int f;
  int64_t ow;
  const float* dy;  // the block's first row of dy
  float* dx;        // the row of dx
  SMLM_HD void operator()(int64_t ix) const {
    const int n = F > 0 ? F : f;
    float s = 0.f;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) s += dy[a * ow + ix * n + b];
    dx[ix] = s;
  }
};
template <int F>
struct NearestBackward {
  int f;
  int64_t w;
  const float* dy;
  float* dx;
  // row = nc·H + iy: the block's first row of dy is nc·OH + iy·factor = row·factor.
  SMLM_HD NearestBackwardRow<F> row(int64_t row) const {
    const int n = F > 0 ? F : f;
    const int64_t ow = w * n;
    return {f, ow, dy + row * n * ow, dx + row * w};
  }
};

struct BilinearBackwardRow {
  int f;
  int64_t h, w, iy;
  const float* d;  // the gradient plane
  float* dx;       // the row of dx
  SMLM_HD void operator()(int64_t ix) const {
    const int64_t ow = w * f, oh = h * f;
    // Output pixels within two input pixels of this one reach it; the edges reach further.
    const int64_t y0 = iy == 0 ? 0 : (iy - 1) * f, y1 = iy == h - 1 ? oh : (iy + 2) * f;
    const int64_t x0 = ix == 0 ? 0 : (ix - 1) * f, x1 = ix == w - 1 ? ow : (ix + 2) * f;
    float s = 0.f;
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
    dx[ix] = s;
  }
};
struct BilinearBackward {
  int f;
  int64_t h, w;
  const float* dy;
  float* dx;
  SMLM_HD BilinearBackwardRow row(int64_t row) const {  // row = nc·H + iy
    const int64_t iy = row % h, nc = row / h;
    return {f, h, w, iy, dy + nc * h * f * w * f, dx + row * w};
  }
};

// Runs body.template operator()<F>() with the factor as a template parameter where it is a common
// one, else with F = 0.
template <class Body>
void dispatch_factor(int factor, Body&& body) {
  switch (factor) {
    case 2:
      return body.template operator()<2>();
    case 4:
      return body.template operator()<4>();
    case 8:
      return body.template operator()<8>();
    default:
      return body.template operator()<0>();
  }
}

}  // namespace

std::string upsample_mode_name(UpsampleMode m) {
  return m == UpsampleMode::nearest ? "nearest" : "bilinear";
}

void upsample_forward(const Device& device, UpsampleMode mode, int factor, const Shape& s,
                      const float* x, float* y) {
  SMLM_CHECK(factor >= 1, "upsampling factor " << factor << ": expected 1 or more");
  if (mode == UpsampleMode::nearest)
    dispatch_factor(factor, [&]<int F>() {
      detail::launch_rows(device, s.n * s.c * s.h * factor, s.w,
                          NearestForward<F>{factor, s.w, x, y});
    });
  else
    detail::launch_rows(device, s.n * s.c * s.h * factor, s.w * factor,
                        BilinearForward{factor, s.h, s.w, x, y});
}

void upsample_backward(const Device& device, UpsampleMode mode, int factor, const Shape& s,
                       const float* dy, float* dx) {
  SMLM_CHECK(factor >= 1, "upsampling factor " << factor << ": expected 1 or more");
  if (mode == UpsampleMode::nearest)
    dispatch_factor(factor, [&]<int F>() {
      detail::launch_rows(device, s.n * s.c * s.h, s.w, NearestBackward<F>{factor, s.w, dy, dx});
    });
  else
    detail::launch_rows(device, s.n * s.c * s.h, s.w, BilinearBackward{factor, s.h, s.w, dy, dx});
}

}  // namespace smlm::kernels::nn
