// Parametric ReLU over NCHW tensors on either device: y = x if x > 0, else a_k·x, with one
// learnable slope per channel (k = c) or one shared by every channel (k = 0). `slopes` is C or 1;
// the slope array a holds that many floats. Everything in the device's memory.
#pragma once

#include <cstdint>

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

void prelu_forward(const Device& device, const Shape& shape, const float* x, const float* a,
                   int64_t slopes, float* y);

// dx = dy where x > 0, a_k·dy elsewhere; da_k = Σ dy·x over the x <= 0 of slope k (over N, H, W
// and, for a shared slope, C), a deterministic per-channel reduction without atomics. dx and da
// are overwritten.
void prelu_backward(const Device& device, const Shape& shape, const float* x, const float* dy,
                    const float* a, int64_t slopes, float* dx, float* da);

}  // namespace smlm::kernels::nn
