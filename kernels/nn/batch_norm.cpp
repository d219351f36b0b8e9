// Batch normalization: per-channel sums by channel_reduce (two passes for the variance), the
// pointwise parts by launch; the same SMLM_HD math on both devices.
#include "kernels/nn/batch_norm.h"

#include <cmath>

#include "core/error.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

struct Value {
  const float* x;
  SMLM_HD double operator()(int64_t i, int64_t) const { return x[i]; }
};
struct CenteredSquare {
  const float *x, *mean;
  SMLM_HD double operator()(int64_t i, int64_t c) const {
    const double d = static_cast<double>(x[i]) - mean[c];
    return d * d;
  }
};
struct Product {  // dy·(x − μ)·σ̂
  const float *dy, *x, *mean, *invstd;
  SMLM_HD double operator()(int64_t i, int64_t c) const {
    return static_cast<double>(dy[i]) * ((static_cast<double>(x[i]) - mean[c]) * invstd[c]);
  }
};

struct StoreMean {
  double inv_count;
  float* mean;
  SMLM_HD void operator()(int64_t c, double s) const {
    mean[c] = static_cast<float>(s * inv_count);
  }
};
struct StoreStd {
  double count, eps, momentum;
  const float* mean;
  float *invstd, *running_mean, *running_var;
  SMLM_HD void operator()(int64_t c, double s) const {
    const double var = s / count;
    invstd[c] = static_cast<float>(1.0 / sqrt(var + eps));
    const double unbiased = count > 1 ? s / (count - 1) : var;
    running_mean[c] = static_cast<float>((1 - momentum) * running_mean[c] + momentum * mean[c]);
    running_var[c] = static_cast<float>((1 - momentum) * running_var[c] + momentum * unbiased);
  }
};
struct Store {
  float* out;
  SMLM_HD void operator()(int64_t c, double s) const { out[c] = static_cast<float>(s); }
};

// Pointwise functors run per (plane, pixel): plane = n·C + c.
struct Normalize {  // y = γ(x − μ)σ̂ + β; invstd holds σ̂ or, when `var`, the variance
  int64_t c, plane;
  const float *x, *gamma, *beta, *mean, *invstd;
  float eps;
  bool var;
  float* y;
  SMLM_HD void operator()(int64_t row, int64_t p) const {
    const int64_t k = row % c, i = row * plane + p;
    const float s = var ? 1.f / sqrtf(invstd[k] + eps) : invstd[k];
    y[i] = gamma[k] * (x[i] - mean[k]) * s + beta[k];
  }
};

struct TrainingDx {  // dx = γσ̂/M·(M·dy − dβ − x̂·dγ)
  int64_t c, plane;
  float inv_count;
  const float *x, *dy, *gamma, *mean, *invstd, *dgamma, *dbeta;
  float* dx;
  SMLM_HD void operator()(int64_t row, int64_t p) const {
    const int64_t k = row % c, i = row * plane + p;
    const float xhat = (x[i] - mean[k]) * invstd[k];
    dx[i] = gamma[k] * invstd[k] * (dy[i] - (dbeta[k] + xhat * dgamma[k]) * inv_count);
  }
};

struct InferenceDx {
  int64_t c, plane;
  const float *dy, *gamma, *var;
  float eps;
  float* dx;
  SMLM_HD void operator()(int64_t row, int64_t p) const {
    const int64_t k = row % c, i = row * plane + p;
    dx[i] = dy[i] * gamma[k] / sqrtf(var[k] + eps);
  }
};

struct ProductVar {  // dy·(x − μ)/√(var + eps)
  const float *dy, *x, *mean, *var;
  float eps;
  SMLM_HD double operator()(int64_t i, int64_t c) const {
    return static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - mean[c]) /
           sqrt(static_cast<double>(var[c]) + eps);
  }
};

}  // namespace

void batch_norm_forward_training(const Device& d, const Shape& s, const float* x,
                                 const float* gamma, const float* beta, float eps, float momentum,
                                 float* y, float* running_mean, float* running_var,
                                 float* save_mean, float* save_invstd) {
  const int64_t count = s.n * s.plane();
  SMLM_CHECK(count > 0, "batch norm: empty input " << s.str());
  detail::channel_reduce(d, s.n, s.c, s.plane(), Value{x},
                         StoreMean{1.0 / static_cast<double>(count), save_mean});
  detail::channel_reduce(d, s.n, s.c, s.plane(), CenteredSquare{x, save_mean},
                         StoreStd{static_cast<double>(count), eps, momentum, save_mean, save_invstd,
                                  running_mean, running_var});
  detail::launch_rows(
      d, s.n * s.c, s.plane(),
      Normalize{s.c, s.plane(), x, gamma, beta, save_mean, save_invstd, eps, false, y});
}

void batch_norm_forward_inference(const Device& d, const Shape& s, const float* x,
                                  const float* gamma, const float* beta, const float* running_mean,
                                  const float* running_var, float eps, float* y) {
  detail::launch_rows(
      d, s.n * s.c, s.plane(),
      Normalize{s.c, s.plane(), x, gamma, beta, running_mean, running_var, eps, true, y});
}

void batch_norm_backward(const Device& d, const Shape& s, const float* x, const float* dy,
                         const float* gamma, const float* save_mean, const float* save_invstd,
                         float* dx, float* dgamma, float* dbeta) {
  detail::channel_reduce(d, s.n, s.c, s.plane(), Value{dy}, Store{dbeta});
  detail::channel_reduce(d, s.n, s.c, s.plane(), Product{dy, x, save_mean, save_invstd},
                         Store{dgamma});
  detail::launch_rows(d, s.n * s.c, s.plane(),
                      TrainingDx{s.c, s.plane(), 1.f / static_cast<float>(s.n * s.plane()), x, dy,
                                 gamma, save_mean, save_invstd, dgamma, dbeta, dx});
}

void batch_norm_backward_inference(const Device& d, const Shape& s, const float* x, const float* dy,
                                   const float* gamma, const float* running_mean,
                                   const float* running_var, float eps, float* dx, float* dgamma,
                                   float* dbeta) {
  detail::channel_reduce(d, s.n, s.c, s.plane(), Value{dy}, Store{dbeta});
  detail::channel_reduce(d, s.n, s.c, s.plane(), ProductVar{dy, x, running_mean, running_var, eps},
                         Store{dgamma});
  detail::launch_rows(d, s.n * s.c, s.plane(),
                      InferenceDx{s.c, s.plane(), dy, gamma, running_var, eps, dx});
}

}  // namespace smlm::kernels::nn
