// Max and average pooling: SMLM_HD functors over output pixels (forward) and over input pixels
// (backward, a gather over the windows that contain the pixel, so no atomics and no index buffer;
// max pooling with non-overlapping windows scatters per output instead, a quarter of the work).
// Max pooling 2×2 at stride 2 without padding, Deep-STORM's, has loop-free functors of its own.
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

struct ForwardRow {
  Geometry g;
  bool max;
  int64_t oy;
  const float* plane;  // the row's input plane
  float* y;            // the output row
  SMLM_HD void operator()(int64_t ox) const {
    if (max) {
      const int64_t k = g.argmax(plane, oy, ox);
      y[ox] = k >= 0 ? plane[k] : 0.f;
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
    y[ox] = s / static_cast<float>(g.kh * g.kw);
  }
};
struct Forward {
  Geometry g;
  bool max;
  const float* x;
  float* y;
  SMLM_HD ForwardRow row(int64_t row) const {  // row = nc·OH + oy
    const int64_t oy = row % g.oh, nc = row / g.oh;
    return {g, max, oy, x + nc * g.h * g.w, y + row * g.ow};
  }
};

struct BackwardRow {
  Geometry g;
  bool max;
  int64_t iy, oy0, oy1;
  const float *plane, *dplane;  // the row's input plane (max only) and gradient plane
  float* dx;                    // the row of dx
  SMLM_HD void operator()(int64_t ix) const {
    const int64_t tx = ix + g.pw;
    const int64_t ox0 = tx - g.kw + 1 > 0 ? (tx - g.kw + 1 + g.sw - 1) / g.sw : 0;
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
    dx[ix] = max ? s : s / static_cast<float>(g.kh * g.kw);
  }
};
struct Backward {
  Geometry g;
  bool max;
  const float *x, *dy;
  float* dx;
  SMLM_HD BackwardRow row(int64_t row) const {  // row = nc·H + iy
    const int64_t iy = row % g.h, nc = row / g.h;
    // Output rows whose window covers iy: oy·sh − ph ≤ iy ≤ oy·sh − ph + kh − 1.
    const int64_t ty = iy + g.ph;
    const int64_t oy0 = ty - g.kh + 1 > 0 ? (ty - g.kh + 1 + g.sh - 1) / g.sh : 0;
    const int64_t oy1 = ty / g.sh < g.oh - 1 ? ty / g.sh : g.oh - 1;
    return {g,
            max,
            iy,
            oy0,
            oy1,
            x ? x + nc * g.h * g.w : nullptr,
            dy + nc * g.oh * g.ow,
            dx + row * g.w};
  }
};

// Max pooling's backward pass when windows do not overlap (stride ≥ kernel): per output, its
// argmax receives dy; every input pixel belongs to one window at most, so there are no races.
struct ScatterMaxRow {
  Geometry g;
  int64_t oy;
  const float *plane, *dy;  // the input plane, the row of dy
  float* dplane;            // the plane of dx
  SMLM_HD void operator()(int64_t ox) const {
    const int64_t k = g.argmax(plane, oy, ox);
    if (k >= 0) dplane[k] = dy[ox];
  }
};
struct ScatterMax {
  Geometry g;
  const float *x, *dy;
  float* dx;
  SMLM_HD ScatterMaxRow row(int64_t row) const {  // row = nc·OH + oy
    const int64_t oy = row % g.oh, nc = row / g.oh;
    return {g, oy, x + nc * g.h * g.w, dy + row * g.ow, dx + nc * g.h * g.w};
  }
};

// Max pooling with 2×2 windows at stride 2 and no padding (Deep-STORM's), per output row: the two
// input rows' pixels 2·ox and 2·ox + 1, and the first maximum in window order, as
// Geometry::argmax. Written without loops or index arithmetic, so that the CPU's loop over ox
// runs as SIMD lanes.
struct Max2x2Row {
  const float *top, *bottom;
  float* y;
  SMLM_HD void operator()(int64_t ox) const {
    const float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
    float m = b > a ? b : a;
    m = c > m ? c : m;
    y[ox] = d > m ? d : m;
  }
};
struct Max2x2 {
  int64_t h, w, oh, ow;
  const float* x;
  float* y;
  SMLM_HD Max2x2Row row(int64_t row) const {  // row = nc·OH + oy
    const int64_t oy = row % oh, nc = row / oh;
    const float* top = x + (nc * h + 2 * oy) * w;
    return {top, top + w, y + row * ow};
  }
};

// Its backward pass: the window's first maximum receives dy, the other three pixels 0 — a chain of
// selects on float comparisons, which SIMD lanes can run.
struct Max2x2BackwardRow {
  const float *top, *bottom, *dy;
  float *dtop, *dbottom;
  SMLM_HD void operator()(int64_t ox) const {
    const float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
    const float m1 = b > a ? b : a, m2 = c > m1 ? c : m1;  // the maxima after b and after c
    const float g = dy[ox];
    const float rest_d = d > m2 ? 0.f : g;       // what a, b or c may receive
    const float rest_c = c > m1 ? 0.f : rest_d;  // what a or b may receive
    dtop[2 * ox] = b > a ? 0.f : rest_c;
    dtop[2 * ox + 1] = b > a ? rest_c : 0.f;
    dbottom[2 * ox] = c > m1 ? rest_d : 0.f;
    dbottom[2 * ox + 1] = d > m2 ? g : 0.f;
  }
};
struct Max2x2Backward {
  int64_t h, w, oh, ow;
  const float *x, *dy;
  float* dx;
  SMLM_HD Max2x2BackwardRow row(int64_t row) const {  // row = nc·OH + oy
    const int64_t oy = row % oh, nc = row / oh, i = (nc * h + 2 * oy) * w;
    return {x + i, x + i + w, dy + row * ow, dx + i, dx + i + w};
  }
};

bool is_max_2x2(const Pool2dDesc& d) {
  return d.kind == PoolKind::max && d.kernel_h == 2 && d.kernel_w == 2 && d.stride_h == 2 &&
         d.stride_w == 2 && d.pad_h == 0 && d.pad_w == 0;
}

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
  if (is_max_2x2(desc)) {
    detail::launch_rows(device, o.n * o.c * o.h, o.w, Max2x2{desc.x.h, desc.x.w, o.h, o.w, x, y});
    return;
  }
  detail::launch_rows(device, o.n * o.c * o.h, o.w,
                      Forward{geometry(desc), desc.kind == PoolKind::max, x, y});
}

void pool2d_backward(const Device& device, const Pool2dDesc& desc, const float* x, const float* dy,
                     float* dx) {
  desc.validate();
  const bool max = desc.kind == PoolKind::max;
  SMLM_CHECK(!max || x, "max pooling backward needs the forward input");
  const Shape& s = desc.x;
  const Shape o = desc.y();
  if (is_max_2x2(desc)) {
    // The windows write every pixel they cover; an odd last row or column is left to Zero.
    if (2 * o.h != s.h || 2 * o.w != s.w) detail::launch(device, s.numel(), Zero{dx});
    detail::launch_rows(device, o.n * o.c * o.h, o.w,
                        Max2x2Backward{s.h, s.w, o.h, o.w, x, dy, dx});
    return;
  }
  if (max && desc.stride_h >= desc.kernel_h && desc.stride_w >= desc.kernel_w) {
    detail::launch(device, s.numel(), Zero{dx});
    detail::launch_rows(device, o.n * o.c * o.h, o.w, ScatterMax{geometry(desc), x, dy, dx});
    return;
  }
  detail::launch_rows(device, s.n * s.c * s.h, s.w, Backward{geometry(desc), max, x, dy, dx});
}

}  // namespace smlm::kernels::nn
