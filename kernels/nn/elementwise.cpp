// Elementwise arithmetic and reductions: SMLM_HD functors, run by launch() on either device.
#include "kernels/nn/elementwise.h"

#include <cmath>

#include "core/hd.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

using detail::launch;
using detail::reduce_sum;

namespace {

struct Fill {
  float* x;
  float v;
  SMLM_HD void operator()(int64_t i) const { x[i] = v; }
};
struct Axpby {
  float a;
  const float* x;
  float b;
  float* y;
  SMLM_HD void operator()(int64_t i) const { y[i] = b == 0.f ? a * x[i] : a * x[i] + b * y[i]; }
};
struct Add {
  float a;
  const float* x;
  float b;
  const float* y;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = a * x[i] + b * y[i]; }
};
struct Mul {
  const float *x, *y;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = x[i] * y[i]; }
};
struct MulAdd {
  const float *x, *y, *z;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = x[i] * y[i] + z[i]; }
};
struct Affine {
  const float* x;
  float a, b;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = a * x[i] + b; }
};
struct Abs {
  const float* x;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = fabsf(x[i]); }
};
struct Sign {
  const float* x;
  float* out;
  SMLM_HD void operator()(int64_t i) const {
    out[i] = x[i] > 0.f ? 1.f : (x[i] < 0.f ? -1.f : 0.f);
  }
};
struct Square {
  const float* x;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = x[i] * x[i]; }
};
struct Clamp {
  const float* x;
  float lo, hi;
  float* out;
  SMLM_HD void operator()(int64_t i) const { out[i] = fminf(fmaxf(x[i], lo), hi); }
};

struct Value {
  const float* x;
  SMLM_HD double operator()(int64_t i) const { return x[i]; }
};
struct SquareTerm {
  const float* x;
  SMLM_HD double operator()(int64_t i) const { return static_cast<double>(x[i]) * x[i]; }
};
struct DotTerm {
  const float *x, *y;
  SMLM_HD double operator()(int64_t i) const { return static_cast<double>(x[i]) * y[i]; }
};
struct AbsTerm {
  const float* x;
  SMLM_HD double operator()(int64_t i) const { return fabs(static_cast<double>(x[i])); }
};
struct NonFiniteTerm {
  const float* x;
  SMLM_HD double operator()(int64_t i) const {
    return x[i] - x[i] == 0.f ? 0.0 : 1.0;
  }  // inf−inf and NaN are NaN
};

struct AddScalar {
  float b;
  float* y;
  SMLM_HD void operator()(int64_t p) const { y[p] += b; }
};
struct ChannelBias {  // per (plane n·C + c, pixel)
  const float* b;
  int64_t c, plane;
  float* y;
  SMLM_HD AddScalar row(int64_t row) const { return {b[row % c], y + row * plane}; }
};
struct ChannelTerm {
  const float* x;
  SMLM_HD double operator()(int64_t i, int64_t) const { return x[i]; }
};
struct StoreFloat {
  float* out;
  SMLM_HD void operator()(int64_t c, double v) const { out[c] = static_cast<float>(v); }
};

struct CopyRow {
  const float* src;
  float* dst;
  bool acc;
  SMLM_HD void operator()(int64_t p) const { dst[p] = acc ? dst[p] + src[p] : src[p]; }
};
struct CopyChannels {  // per (plane n·count + k, pixel)
  int64_t plane, count;
  const float* src;
  int64_t src_c, src_c0;
  float* dst;
  int64_t dst_c, dst_c0;
  bool acc;
  SMLM_HD CopyRow row(int64_t row) const {
    const int64_t k = row % count, n = row / count;
    return {src + (n * src_c + src_c0 + k) * plane, dst + (n * dst_c + dst_c0 + k) * plane, acc};
  }
};

}  // namespace

void fill(const Device& d, int64_t n, float* x, float value) { launch(d, n, Fill{x, value}); }
void axpby(const Device& d, int64_t n, float a, const float* x, float b, float* y) {
  launch(d, n, Axpby{a, x, b, y});
}
void add(const Device& d, int64_t n, float a, const float* x, float b, const float* y, float* out) {
  launch(d, n, Add{a, x, b, y, out});
}
void mul(const Device& d, int64_t n, const float* x, const float* y, float* out) {
  launch(d, n, Mul{x, y, out});
}
void mul_add(const Device& d, int64_t n, const float* x, const float* y, const float* z,
             float* out) {
  launch(d, n, MulAdd{x, y, z, out});
}
void affine(const Device& d, int64_t n, const float* x, float a, float b, float* out) {
  launch(d, n, Affine{x, a, b, out});
}
void abs(const Device& d, int64_t n, const float* x, float* out) { launch(d, n, Abs{x, out}); }
void sign(const Device& d, int64_t n, const float* x, float* out) { launch(d, n, Sign{x, out}); }
void square(const Device& d, int64_t n, const float* x, float* out) {
  launch(d, n, Square{x, out});
}
void clamp(const Device& d, int64_t n, const float* x, float lo, float hi, float* out) {
  launch(d, n, Clamp{x, lo, hi, out});
}

double sum(const Device& d, int64_t n, const float* x) { return reduce_sum(d, n, Value{x}); }
double sum_squares(const Device& d, int64_t n, const float* x) {
  return reduce_sum(d, n, SquareTerm{x});
}
double dot(const Device& d, int64_t n, const float* x, const float* y) {
  return reduce_sum(d, n, DotTerm{x, y});
}
double sum_abs(const Device& d, int64_t n, const float* x) { return reduce_sum(d, n, AbsTerm{x}); }
bool all_finite(const Device& d, int64_t n, const float* x) {
  return reduce_sum(d, n, NonFiniteTerm{x}) == 0.0;
}

void add_channel_bias(const Device& d, const Shape& s, const float* bias, float* y) {
  detail::launch_rows(d, s.n * s.c, s.plane(), ChannelBias{bias, s.c, s.plane(), y});
}
void channel_sum(const Device& d, const Shape& s, const float* dy, float* db) {
  detail::channel_reduce(d, s.n, s.c, s.plane(), ChannelTerm{dy}, StoreFloat{db});
}

void copy_channels(const Device& d, int64_t n, int64_t plane, const float* src,
                   int64_t src_channels, int64_t src_c0, float* dst, int64_t dst_channels,
                   int64_t dst_c0, int64_t count, bool accumulate) {
  SMLM_CHECK(src_c0 >= 0 && src_c0 + count <= src_channels && dst_c0 >= 0 &&
                 dst_c0 + count <= dst_channels,
             "copy_channels: channel range out of bounds");
  detail::launch_rows(
      d, n * count, plane,
      CopyChannels{plane, count, src, src_channels, src_c0, dst, dst_channels, dst_c0, accumulate});
}

}  // namespace smlm::kernels::nn
