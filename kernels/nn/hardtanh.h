// HardTanh on either device: y = clamp(x, lo, hi) (lo < hi), a bounded linear output; the
// gradient passes where lo < x < hi and is 0 elsewhere (PyTorch's convention at the bounds).
// Arrays of n floats in the device's memory; y may alias x, dx may alias dy.
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

void hardtanh_forward(const Device& device, float lo, float hi, int64_t n, const float* x,
                      float* y);
// dx = dy where lo < x < hi, else 0; x is the forward input.
void hardtanh_backward(const Device& device, float lo, float hi, int64_t n, const float* x,
                       const float* dy, float* dx);

}  // namespace smlm::kernels::nn
