// Batch normalization: per-channel sums by channel_reduce (two passes for the variance, one for
// both gradient sums), the pointwise parts by launch_rows; the same SMLM_HD math on both devices.
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
struct GradSums {  // (Σ dy, Σ dy·(x − μ)) from one pass
  const float *dy, *x, *mean;
  SMLM_HD detail::Sum2 operator()(int64_t i, int64_t c) const {
    const double g = dy[i];
    return {g, g * (static_cast<double>(x[i]) - mean[c])};
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
struct StoreGrads {     // dβ = Σ dy, dγ = Σ dy·(x − μ)·σ̂
  const float* invstd;  // σ̂ or, when `var`, the variance
  float eps;
  bool var;
  float *dgamma, *dbeta;
  SMLM_HD void operator()(int64_t c, detail::Sum2 s) const {
    dbeta[c] = static_cast<float>(s.a);
    dgamma[c] = static_cast<float>(var ? s.b / sqrt(static_cast<double>(invstd[c]) + eps)
                                       : s.b * invstd[c]);
  }
};

// Pointwise functors run per plane n·C + c (row) and pixel: the channel's scalars are set up once
// per plane.
struct Affine {  // y = (x − μ)·s + β, s = γσ̂
  const float* x;
  float* y;
  float mean, scale, beta;
  SMLM_HD void operator()(int64_t p) const { y[p] = (x[p] - mean) * scale + beta; }
};
struct Normalize {  // invstd holds σ̂ or, when `var`, the variance
  int64_t c, plane;
  const float *x, *gamma, *beta, *mean, *invstd;
  float eps;
  bool var;
  float* y;
  SMLM_HD Affine row(int64_t row) const {
    const int64_t k = row % c;
    const float s = var ? 1.f / sqrtf(invstd[k] + eps) : invstd[k];
    return {x + row * plane, y + row * plane, mean[k], gamma[k] * s, beta[k]};
  }
};

struct TrainingDxRow {  // dx = γσ̂/M·(M·dy − dβ − x̂·dγ)
  const float *x, *dy;
  float* dx;
  float mean, invstd, scale, dbeta, dgamma, inv_count;
  SMLM_HD void operator()(int64_t p) const {
    const float xhat = (x[p] - mean) * invstd;
    dx[p] = scale * (dy[p] - (dbeta + xhat * dgamma) * inv_count);
  }
};
struct TrainingDx {
  int64_t c, plane;
  float inv_count;
  const float *x, *dy, *gamma, *mean, *invstd, *dgamma, *dbeta;
  float* dx;
  SMLM_HD TrainingDxRow row(int64_t row) const {
    const int64_t k = row % c, i = row * plane;
    return {x + i,    dy + i,    dx + i,   mean[k], invstd[k], gamma[k] * invstd[k],
            dbeta[k], dgamma[k], inv_count};
  }
};

struct ScaleRow {
  const float* dy;
  float* dx;
  float scale;
  SMLM_HD void operator()(int64_t p) const { dx[p] = dy[p] * scale; }
};
struct InferenceDx {  // dx = dy·γ/√(var + eps)
  int64_t c, plane;
  const float *dy, *gamma, *var;
  float eps;
  float* dx;
  SMLM_HD ScaleRow row(int64_t row) const {
    const int64_t k = row % c;
    return {dy + row * plane, dx + row * plane, gamma[k] / sqrtf(var[k] + eps)};
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
  detail::channel_reduce(d, s.n, s.c, s.plane(), GradSums{dy, x, save_mean},
                         StoreGrads{save_invstd, 0.f, false, dgamma, dbeta});
  detail::launch_rows(d, s.n * s.c, s.plane(),
                      TrainingDx{s.c, s.plane(), 1.f / static_cast<float>(s.n * s.plane()), x, dy,
                                 gamma, save_mean, save_invstd, dgamma, dbeta, dx});
}

void batch_norm_backward_inference(const Device& d, const Shape& s, const float* x, const float* dy,
                                   const float* gamma, const float* running_mean,
                                   const float* running_var, float eps, float* dx, float* dgamma,
                                   float* dbeta) {
  detail::channel_reduce(d, s.n, s.c, s.plane(), GradSums{dy, x, running_mean},
                         StoreGrads{running_var, eps, true, dgamma, dbeta});
  detail::launch_rows(d, s.n * s.c, s.plane(),
                      InferenceDx{s.c, s.plane(), dy, gamma, running_var, eps, dx});
}

}  // namespace smlm::kernels::nn
