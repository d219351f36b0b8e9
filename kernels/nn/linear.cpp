// Linear map: one SMLM_HD functor per output element of each product, run by launch_rows (rows:
// the samples, or W's rows for dW), the bias gradient by channel_sum; the same math on both
// devices.
#include "kernels/nn/linear.h"

#include "core/error.h"
#include "kernels/nn/elementwise.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

// Σ a[i]·b[i] over [0, len) as eight interleaved partial sums added in a fixed order: eight
// independent chains of additions rather than one serial chain, the same rounding on either
// device.
SMLM_HD_INLINE float dot(const float* a, const float* b, int64_t len) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float s = 0.f;
  for (; i < len; ++i) s += a[i] * b[i];
  for (int k = 0; k < 8; ++k) s += acc[k];
  return s;
}

struct ForwardRow {  // y[o] = W[o]·x + b[o] for one sample
  const float *x, *w, *b;
  float* y;
  int64_t in;
  SMLM_HD void operator()(int64_t o) const { y[o] = dot(w + o * in, x, in) + (b ? b[o] : 0.f); }
};
struct Forward {
  int64_t in, out;
  const float *x, *w, *b;
  float* y;
  SMLM_HD ForwardRow row(int64_t n) const { return {x + n * in, w, b, y + n * out, in}; }
};

struct DataRow {  // dx[i] = Σ_o dy[o]·W[o, i] for one sample
  const float *dy, *w;
  float* dx;
  int64_t in, out;
  SMLM_HD void operator()(int64_t i) const {
    float s = 0.f;
    for (int64_t o = 0; o < out; ++o) s += dy[o] * w[o * in + i];
    dx[i] = s;
  }
};
struct Data {
  int64_t in, out;
  const float *dy, *w;
  float* dx;
  SMLM_HD DataRow row(int64_t n) const { return {dy + n * out, w, dx + n * in, in, out}; }
};

struct WeightsRow {  // dW[o, i] = Σ_n dy[n, o]·x[n, i] for one output o
  const float *x, *dy;
  float* dw;
  int64_t n, in, out;
  SMLM_HD void operator()(int64_t i) const {
    float s = 0.f;
    for (int64_t k = 0; k < n; ++k) s += dy[k * out] * x[k * in + i];
    dw[i] = s;
  }
};
struct Weights {
  int64_t n, in, out;
  const float *x, *dy;
  float* dw;
  SMLM_HD WeightsRow row(int64_t o) const { return {x, dy + o, dw + o * in, n, in, out}; }
};

void check(int64_t n, int64_t in, int64_t out) {
  SMLM_CHECK(n >= 0 && in > 0 && out > 0,
             "linear: batch " << n << ", in_features " << in << ", out_features " << out);
}

}  // namespace

void linear_forward(const Device& d, int64_t n, int64_t in, int64_t out, const float* x,
                    const float* w, const float* b, float* y) {
  check(n, in, out);
  detail::launch_rows(d, n, out, Forward{in, out, x, w, b, y});
}

void linear_backward_data(const Device& d, int64_t n, int64_t in, int64_t out, const float* dy,
                          const float* w, float* dx) {
  check(n, in, out);
  detail::launch_rows(d, n, in, Data{in, out, dy, w, dx});
}

void linear_backward_weights(const Device& d, int64_t n, int64_t in, int64_t out, const float* x,
                             const float* dy, float* dw, float* db) {
  check(n, in, out);
  detail::launch_rows(d, out, in, Weights{n, in, out, x, dy, dw});
  if (db) channel_sum(d, Shape{n, out, 1, 1}, dy, db);
}

}  // namespace smlm::kernels::nn
