// Pointwise losses: value and slope as SMLM_HD math, summed by reduce_sum, applied by launch.
#include "kernels/nn/loss.h"

#include <cmath>

#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

SMLM_HD_INLINE double loss_value(LossKind k, float p, float t) {
  const double d = static_cast<double>(p) - t;
  switch (k) {
    case LossKind::mse:
      return d * d;
    case LossKind::l1:
      return fabs(d);
    case LossKind::bce_with_logits:
      // max(p, 0) − p·t + ln(1 + e^−|p|): no overflow for any logit.
      return fmax(static_cast<double>(p), 0.0) - static_cast<double>(p) * t +
             log1p(exp(-fabs(static_cast<double>(p))));
  }
  return 0.0;
}

SMLM_HD_INLINE float loss_slope(LossKind k, float p, float t) {
  switch (k) {
    case LossKind::mse:
      return 2.f * (p - t);
    case LossKind::l1:
      return p > t ? 1.f : (p < t ? -1.f : 0.f);
    case LossKind::bce_with_logits:
      return 1.f / (1.f + expf(-p)) - t;
  }
  return 0.f;
}

struct Term {
  LossKind k;
  const float *p, *t;
  SMLM_HD double operator()(int64_t i) const { return loss_value(k, p[i], t[i]); }
};

struct Grad {
  LossKind k;
  const float *p, *t;
  float scale;
  float* g;
  SMLM_HD void operator()(int64_t i) const { g[i] = scale * loss_slope(k, p[i], t[i]); }
};

}  // namespace

double loss_sum(const Device& d, LossKind kind, int64_t n, const float* p, const float* t) {
  return detail::reduce_sum(d, n, Term{kind, p, t});
}

void loss_grad(const Device& d, LossKind kind, int64_t n, const float* p, const float* t,
               float scale, float* grad) {
  detail::launch(d, n, Grad{kind, p, t, scale, grad});
}

}  // namespace smlm::kernels::nn
