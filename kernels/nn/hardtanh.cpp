// HardTanh: two SMLM_HD functors run by launch(), the same math on both devices.
#include "kernels/nn/hardtanh.h"

#include "core/error.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

struct Forward {
  float lo, hi;
  const float* x;
  float* y;
  // NaN passes through, as in PyTorch.
  SMLM_HD void operator()(int64_t i) const {
    const float v = x[i];
    y[i] = v < lo ? lo : (v > hi ? hi : v);
  }
};

struct Backward {
  float lo, hi;
  const float *x, *dy;
  float* dx;
  SMLM_HD void operator()(int64_t i) const {
    const float v = x[i];
    dx[i] = v > lo && v < hi ? dy[i] : 0.f;
  }
};

void check(float lo, float hi) {
  SMLM_CHECK(lo < hi, "hardtanh: lo " << lo << " must be below hi " << hi);
}

}  // namespace

void hardtanh_forward(const Device& d, float lo, float hi, int64_t n, const float* x, float* y) {
  check(lo, hi);
  detail::launch(d, n, Forward{lo, hi, x, y});
}

void hardtanh_backward(const Device& d, float lo, float hi, int64_t n, const float* x,
                       const float* dy, float* dx) {
  check(lo, hi);
  detail::launch(d, n, Backward{lo, hi, x, dy, dx});
}

}  // namespace smlm::kernels::nn
