// Max and average pooling: SMLM_HD functors over output pixels (forward) and over input pixels
// (backward, a gather over the windows that contain the pixel, so no atomics and no index buffer;
// max pooling with non-overlapping windows scatters per output instead, a quarter of the work).
#include "kernels/nn/pooling.h"

#include <cfloat>

#include "core/error.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

Shape Pool2dDesc::y() const {
  return {x.n, x.c, (x.h + 2 * pad_h - kernel_h) / stride_h + 1,
          (x.w + 2 * pad_w - kernel_w) / stride_w + 1};
}

void Pool2dDesc::validate() const {
  SMLM_CHECK(kernel_h > 0 && kernel_w > 0 && stride_h > 0 && stride_w > 0,
             "pooling: kernel and stride must be positive");
  SMLM_CHECK(pad_h >= 0 && pad_w >= 0 && 2 * pad_h < kernel_h && 2 * pad_w < kernel_w,
             "pooling: padding must be below half the kernel");
  SMLM_CHECK(x.h + 2 * pad_h >= kernel_h && x.w + 2 * pad_w >= kernel_w,
             "pooling: input " << x.str() << " smaller than the " << kernel_h << "x" << kernel_w
                               << " window");
}

namespace {

struct Geometry {
  int64_t h, w, oh, ow;
  int kh, kw, sh, sw, ph, pw;

  // Flat index (within the plane) of the window's first maximum, −1 if it lies wholly in the
  // padding (impossible when pad < kernel/2).
  SMLM_HD int64_t argmax(const float* plane, int64_t oy, int64_t ox) const {
    int64_t best = -1;
    float v = -FLT_MAX;
    for (int a = 0; a < kh; ++a) {
      const int64_t iy = oy * sh - ph + a;
      if (iy < 0 || iy >= h) continue;
      for (int b = 0; b < kw; ++b) {
        const int64_t ix = ox * sw - pw + b;
        if (ix < 0 || ix >= w) continue;
        const float t = plane[iy * w + ix];
        if (best < 0 || t > v) best = iy * w + ix, v = t;
      }
    }
    return best;
  }
};

struct Forward {
  Geometry g;
  bool max;
  const float* x;
  float* y;
  SMLM_HD void operator()(int64_t row, int64_t ox) const {  // row = nc·OH + oy
    const int64_t oy = row % g.oh, nc = row / g.oh, i = row * g.ow + ox;
    const float* plane = x + nc * g.h * g.w;
    if (max) {
      const int64_t k = g.argmax(plane, oy, ox);
      y[i] = k >= 0 ? plane[k] : 0.f;
      return;
    }
    float s = 0.f;
    for (int a = 0; a < g.kh; ++a) {
      const int64_t iy = oy * g.sh - g.ph + a;
      if (iy < 0 || iy >= g.h) continue;
      for (int b = 0; b < g.kw; ++b) {
        const int64_t ix = ox * g.sw - g.pw + b;
        if (ix >= 0 && ix < g.w) s += plane[iy * g.w + ix];
      }
    }
    y[i] = s / static_cast<float>(g.kh * g.kw);
  }
};

struct Backward {
  Geometry g;
  bool max;
  const float *x, *dy;
  float* dx;
  SMLM_HD void operator()(int64_t row, int64_t ix) const {  // row = nc·H + iy
    const int64_t iy = row % g.h, nc = row / g.h, i = row * g.w + ix;
    const float* plane = x ? x + nc * g.h * g.w : nullptr;
    const float* dplane = dy + nc * g.oh * g.ow;
    // Output rows whose window covers iy: oy·sh − ph ≤ iy ≤ oy·sh − ph + kh − 1.
    const int64_t ty = iy + g.ph, tx = ix + g.pw;
    const int64_t oy0 = ty - g.kh + 1 > 0 ? (ty - g.kh + 1 + g.sh - 1) / g.sh : 0;
    const int64_t ox0 = tx - g.kw + 1 > 0 ? (tx - g.kw + 1 + g.sw - 1) / g.sw : 0;
    const int64_t oy1 = ty / g.sh < g.oh - 1 ? ty / g.sh : g.oh - 1;
    const int64_t ox1 = tx / g.sw < g.ow - 1 ? tx / g.sw : g.ow - 1;
    float s = 0.f;
    for (int64_t oy = oy0; oy <= oy1; ++oy)
      for (int64_t ox = ox0; ox <= ox1; ++ox) {
        if (max) {
          if (g.argmax(plane, oy, ox) == iy * g.w + ix) s += dplane[oy * g.ow + ox];
        } else {
          s += dplane[oy * g.ow + ox];
        }
      }
    dx[i] = max ? s : s / static_cast<float>(g.kh * g.kw);
  }
};

// Max pooling's backward pass when windows do not overlap (stride ≥ kernel): per output, its
// argmax receives dy; every input pixel belongs to one window at most, so there are no races.
struct ScatterMax {
  Geometry g;
  const float *x, *dy;
  float* dx;
  SMLM_HD void operator()(int64_t row, int64_t ox) const {  // row = nc·OH + oy
    const int64_t oy = row % g.oh, nc = row / g.oh;
    const int64_t k = g.argmax(x + nc * g.h * g.w, oy, ox);
    if (k >= 0) dx[nc * g.h * g.w + k] = dy[row * g.ow + ox];
  }
};

struct Zero {
  float* x;
  SMLM_HD void operator()(int64_t i) const { x[i] = 0.f; }
};

Geometry geometry(const Pool2dDesc& d) {
  const Shape y = d.y();
  return {d.x.h, d.x.w, y.h, y.w, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.pad_h, d.pad_w};
}

}  // namespace

void pool2d_forward(const Device& device, const Pool2dDesc& desc, const float* x, float* y) {
  desc.validate();
  const Shape o = desc.y();
  detail::launch_rows(device, o.n * o.c * o.h, o.w,
                      Forward{geometry(desc), desc.kind == PoolKind::max, x, y});
}

void pool2d_backward(const Device& device, const Pool2dDesc& desc, const float* x, const float* dy,
                     float* dx) {
  desc.validate();
  const bool max = desc.kind == PoolKind::max;
  SMLM_CHECK(!max || x, "max pooling backward needs the forward input");
  const Shape& s = desc.x;
  if (max && desc.stride_h >= desc.kernel_h && desc.stride_w >= desc.kernel_w) {
    const Shape o = desc.y();
    detail::launch(device, s.numel(), Zero{dx});
    detail::launch_rows(device, o.n * o.c * o.h, o.w, ScatterMax{geometry(desc), x, dy, dx});
    return;
  }
  detail::launch_rows(device, s.n * s.c * s.h, s.w, Backward{geometry(desc), max, x, dy, dx});
}

}  // namespace smlm::kernels::nn
