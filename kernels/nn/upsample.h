// Upsampling of NCHW tensors by an integer factor on either device: nearest (each pixel becomes a
// factor × factor block) and bilinear (half-pixel centres, edges clamped: PyTorch's
// align_corners=False). Output shape (N, C, factor·H, factor·W).
#pragma once

#include <string>

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

enum class UpsampleMode { nearest, bilinear };

std::string upsample_mode_name(UpsampleMode m);  // "nearest", "bilinear"

// y = upsample(x); x has shape `x_shape`.
void upsample_forward(const Device& device, UpsampleMode mode, int factor, const Shape& x_shape,
                      const float* x, float* y);
// dx = ∂(Σ dy·y)/∂x (overwritten), a gather over the output pixels each input pixel feeds.
void upsample_backward(const Device& device, UpsampleMode mode, int factor, const Shape& x_shape,
                       const float* dy, float* dx);

}  // namespace smlm::kernels::nn
