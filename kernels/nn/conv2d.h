// 2D convolution (cross-correlation, as in every deep-learning library) over NCHW float32 tensors:
// forward, the gradient with respect to the input (backward data) and with respect to the weights
// and bias (backward filter). The CPU runs oneDNN, the GPU cuDNN; both pick their algorithms once
// per Conv2dDesc and keep them (and their workspaces) in a per-thread cache. The CPU path's choice
// does not depend on timing, so its results repeat exactly from run to run.
//
// Layouts: x (N, C, H, W); weights (K, C/groups, kh, kw) with K = out_channels; bias (K);
// y (N, K, OH, OW) with OH = (H + 2·pad_h − dilation_h·(kh − 1) − 1) / stride_h + 1 (likewise OW).
// Group g maps input channels [g·C/G, (g+1)·C/G) to output channels [g·K/G, (g+1)·K/G).
// All pointers are in `device`'s memory; outputs are overwritten, never accumulated.
#pragma once

#include <compare>
#include <cstdint>

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

struct Conv2dDesc {
  Shape x;                   // input shape
  int64_t out_channels = 1;  // K
  int kernel_h = 3, kernel_w = 3;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;  // zero padding on each side
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;

  Shape y() const;       // output shape
  Shape weight() const;  // (K, C/groups, kh, kw)
  // Throws smlm::Error on inconsistent sizes (channels not divisible by groups, empty output, …).
  void validate() const;
  auto operator<=>(const Conv2dDesc&) const = default;
};

// y = conv(x, w) + bias; bias may be null (no bias).
void conv2d_forward(const Device& device, const Conv2dDesc& desc, const float* x, const float* w,
                    const float* bias, float* y);
// dx = ∂(Σ dy·y)/∂x: the transposed convolution of dy with w.
void conv2d_backward_data(const Device& device, const Conv2dDesc& desc, const float* dy,
                          const float* w, float* dx);
// dw = ∂(Σ dy·y)/∂w and, when dbias is not null, dbias[k] = Σ dy[:, k, :, :].
void conv2d_backward_filter(const Device& device, const Conv2dDesc& desc, const float* x,
                            const float* dy, float* dw, float* dbias);

// How the GPU path picks its algorithms: off (the default), cuDNN's heuristics
// (cudnnGet…_v7), the same choice on every run, so training is reproducible; on, cudnnFind…
// times the candidates once per shape and keeps the fastest (which may differ between runs).
// Only deterministic algorithms are used either way.
void set_conv2d_autotune(bool autotune);
bool conv2d_autotune();
// Whether the GPU path may use TF32 tensor cores (on by default: ~10-bit mantissa products,
// several times faster on Ampere and Hopper). Off forces exact float FMA algorithms.
void set_conv2d_allow_tf32(bool allow);
bool conv2d_allow_tf32();
// True when the cuDNN path is compiled in.
bool cudnn_compiled();
// Drops this thread's cached primitives, algorithms and workspaces.
void clear_conv2d_cache();

}  // namespace smlm::kernels::nn
