// 2D max and average pooling over NCHW tensors on either device. Windows of kernel_h × kernel_w
// pixels, moved by the stride, over the input padded by pad_h/pad_w on each side; the output is
// floor((H + 2·pad − kernel) / stride) + 1 high (likewise wide). Max pooling ignores the padding
// (ties go to the first maximum in row-major window order); average pooling divides by the full
// window area, padding included (PyTorch's count_include_pad).
#pragma once

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

enum class PoolKind { max, average };

struct Pool2dDesc {
  Shape x;  // input shape
  PoolKind kind = PoolKind::max;
  int kernel_h = 2, kernel_w = 2;
  int stride_h = 2, stride_w = 2;
  int pad_h = 0, pad_w = 0;

  Shape y() const;  // output shape
  // Throws smlm::Error on a non-positive kernel or stride, padding of half a kernel or more, or
  // an empty output.
  void validate() const;
};

// y = pool(x).
void pool2d_forward(const Device& device, const Pool2dDesc& desc, const float* x, float* y);
// dx = ∂(Σ dy·y)/∂x (overwritten). Max pooling needs the forward input x (the argmax is
// recomputed); average pooling ignores x.
void pool2d_backward(const Device& device, const Pool2dDesc& desc, const float* x, const float* dy,
                     float* dx);

}  // namespace smlm::kernels::nn
