// Private to kernels/nn: the activation functions as SMLM_HD math, one source for both devices.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.h"
#include "kernels/nn/activation.h"

namespace smlm::kernels::nn::detail {

#if !defined(__CUDA_ARCH__)
// e^x − 1 for x <= 0 (ELU's negative side; larger x are taken as 0, below −87 as −87), without a
// branch or a libm call, so that the CPU's `omp simd` loops vectorize: glibc's expm1f is scalar and
// was half of a DECODE forward pass (bench/RESULTS.md). |x| < ½: the Taylor series to x⁷
// (truncation < 3e-7 relative); else 2ⁿ·e^r − 1 with r = x − n·ln 2 (Cody–Waite split), |r| <= ½
// ln 2, e^r to r⁶ (< 2e-7), 2ⁿ built in the exponent bits. Within a few ulp of expm1f.
inline float expm1_nonpositive(float x) {
  x = x < -87.f ? -87.f : (x > 0.f ? 0.f : x);
  const float small =
      x * (1.f +
           x * (0.5f + x * (1.f / 6 + x * (1.f / 24 +
                                           x * (1.f / 120 + x * (1.f / 720 + x * (1.f / 5040)))))));
  // Round to nearest for t <= 0: truncation of t − ½ (vectorizes without SSE4's round).
  const int32_t n = static_cast<int32_t>(x * 1.44269504088896341f - 0.5f);
  const float nf = static_cast<float>(n);
  const float r = (x - nf * 0.693145751953125f) - nf * 1.428606765330187045e-06f;
  const float er =
      1.f +
      r * (1.f + r * (0.5f + r * (1.f / 6 + r * (1.f / 24 + r * (1.f / 120 + r * (1.f / 720))))));
  const int32_t bits = (n + 127) << 23;  // n >= −126: a normal float
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x > -0.5f ? small : er * scale - 1.f;
}
#endif

SMLM_HD_INLINE float activation_value(Activation a, float alpha, float x) {
  switch (a) {
    case Activation::relu:
      return x > 0.f ? x : 0.f;
    case Activation::elu:
#if defined(__CUDA_ARCH__)
      return x > 0.f ? x : alpha * expm1f(x);
#else
      return x > 0.f ? x : alpha * expm1_nonpositive(x);
#endif
    case Activation::leaky_relu:
      return x > 0.f ? x : alpha * x;
    case Activation::sigmoid:
      return 1.f / (1.f + expf(-x));
    case Activation::tanh:
      return tanhf(x);
    case Activation::softplus:
      return fmaxf(x, 0.f) + log1pf(expf(-fabsf(x)));
    case Activation::identity:
      break;
  }
  return x;
}

// f'(x) from the input x and the output y = f(x).
SMLM_HD_INLINE float activation_slope(Activation a, float alpha, float x, float y) {
  switch (a) {
    case Activation::relu:
      return x > 0.f ? 1.f : 0.f;
    case Activation::elu:
      return x > 0.f ? 1.f : y + alpha;
    case Activation::leaky_relu:
      return x > 0.f ? 1.f : alpha;
    case Activation::sigmoid:
      return y * (1.f - y);
    case Activation::tanh:
      return 1.f - y * y;
    case Activation::softplus:
      return 1.f / (1.f + expf(-x));
    case Activation::identity:
      break;
  }
  return 1.f;
}

}  // namespace smlm::kernels::nn::detail
