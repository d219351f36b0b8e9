// Private to kernels/nn: the activation functions as SMLM_HD math, one source for both devices.
#pragma once

#include <cmath>

#include "core/hd.h"
#include "kernels/nn/activation.h"

namespace smlm::kernels::nn::detail {

SMLM_HD_INLINE float activation_value(Activation a, float alpha, float x) {
  switch (a) {
    case Activation::relu:
      return x > 0.f ? x : 0.f;
    case Activation::elu:
      return x > 0.f ? x : alpha * expm1f(x);
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
