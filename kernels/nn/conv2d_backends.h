// Private to kernels/nn: the per-device implementations behind conv2d.h.
#pragma once

#include "kernels/nn/conv2d.h"

namespace smlm::kernels::nn::detail {

void onednn_conv2d_forward(const Conv2dDesc& d, const float* x, const float* w, const float* bias,
                           float* y);
void onednn_conv2d_backward_data(const Conv2dDesc& d, const float* dy, const float* w, float* dx);
void onednn_conv2d_backward_filter(const Conv2dDesc& d, const float* x, const float* dy, float* dw,
                                   float* dbias);
void onednn_clear_cache();

#if SMLM_HAVE_CUDNN
void cudnn_conv2d_forward(int device, const Conv2dDesc& d, const float* x, const float* w,
                          const float* bias, float* y);
void cudnn_conv2d_backward_data(int device, const Conv2dDesc& d, const float* dy, const float* w,
                                float* dx);
void cudnn_conv2d_backward_filter(int device, const Conv2dDesc& d, const float* x, const float* dy,
                                  float* dw);
void cudnn_clear_cache();
#endif

}  // namespace smlm::kernels::nn::detail
