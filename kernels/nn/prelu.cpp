// PReLU: the pointwise parts by launch_rows (the plane's slope set up once per row), the slope
// gradient by channel_reduce; the same SMLM_HD math on both devices.
#include "kernels/nn/prelu.h"

#include "core/error.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

struct ForwardRow {
  const float* x;
  float* y;
  float a;
  SMLM_HD void operator()(int64_t p) const { y[p] = x[p] > 0.f ? x[p] : a * x[p]; }
};
struct Forward {
  int64_t c, plane;
  bool shared;
  const float *x, *a;
  float* y;
  SMLM_HD ForwardRow row(int64_t row) const {
    return {x + row * plane, y + row * plane, a[shared ? 0 : row % c]};
  }
};

struct BackwardRow {
  const float *x, *dy;
  float* dx;
  float a;
  SMLM_HD void operator()(int64_t p) const { dx[p] = x[p] > 0.f ? dy[p] : a * dy[p]; }
};
struct Backward {
  int64_t c, plane;
  bool shared;
  const float *x, *dy, *a;
  float* dx;
  SMLM_HD BackwardRow row(int64_t row) const {
    const int64_t i = row * plane;
    return {x + i, dy + i, dx + i, a[shared ? 0 : row % c]};
  }
};

struct SlopeTerm {  // ∂y/∂a = x on the negative side
  const float *x, *dy;
  SMLM_HD double operator()(int64_t i, int64_t) const {
    return x[i] > 0.f ? 0.0 : static_cast<double>(dy[i]) * x[i];
  }
};
struct StoreSlopeGrad {
  float* da;
  SMLM_HD void operator()(int64_t c, double s) const { da[c] = static_cast<float>(s); }
};

void check(const Shape& s, int64_t slopes) {
  SMLM_CHECK(slopes == 1 || slopes == s.c,
             "prelu: " << slopes << " slopes for input " << s.str() << " (1 or C expected)");
}

}  // namespace

void prelu_forward(const Device& d, const Shape& s, const float* x, const float* a, int64_t slopes,
                   float* y) {
  check(s, slopes);
  detail::launch_rows(d, s.n * s.c, s.plane(), Forward{s.c, s.plane(), slopes == 1, x, a, y});
}

void prelu_backward(const Device& d, const Shape& s, const float* x, const float* dy,
                    const float* a, int64_t slopes, float* dx, float* da) {
  check(s, slopes);
  detail::launch_rows(d, s.n * s.c, s.plane(), Backward{s.c, s.plane(), slopes == 1, x, dy, a, dx});
  // A shared slope sums over all of each sample: one channel of C·H·W elements.
  if (slopes == 1)
    detail::channel_reduce(d, s.n, 1, s.c * s.plane(), SlopeTerm{x, dy}, StoreSlopeGrad{da});
  else
    detail::channel_reduce(d, s.n, s.c, s.plane(), SlopeTerm{x, dy}, StoreSlopeGrad{da});
}

}  // namespace smlm::kernels::nn
