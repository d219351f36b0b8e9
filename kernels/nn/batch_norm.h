// 2D batch normalization over NCHW tensors on either device: per channel c,
// y = γ_c·(x − μ_c)·σ̂_c + β_c with σ̂_c = 1/√(var_c + eps). Training uses the batch's statistics
// over (N, H, W) (biased variance) and updates running averages
// r ← (1 − momentum)·r + momentum·batch (the running variance takes the unbiased batch variance,
// as PyTorch and cuDNN do); inference uses the running averages. Per-channel arrays hold C floats,
// everything in the device's memory.
#pragma once

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

// save_mean and save_invstd receive μ and σ̂ of this batch for the backward pass.
void batch_norm_forward_training(const Device& device, const Shape& shape, const float* x,
                                 const float* gamma, const float* beta, float eps, float momentum,
                                 float* y, float* running_mean, float* running_var,
                                 float* save_mean, float* save_invstd);

void batch_norm_forward_inference(const Device& device, const Shape& shape, const float* x,
                                  const float* gamma, const float* beta, const float* running_mean,
                                  const float* running_var, float eps, float* y);

// Gradients after a training forward pass (the statistics depend on x): dx, dγ, dβ overwritten.
void batch_norm_backward(const Device& device, const Shape& shape, const float* x, const float* dy,
                         const float* gamma, const float* save_mean, const float* save_invstd,
                         float* dx, float* dgamma, float* dbeta);

// Gradients after an inference forward pass (the statistics are constants).
void batch_norm_backward_inference(const Device& device, const Shape& shape, const float* x,
                                   const float* dy, const float* gamma, const float* running_mean,
                                   const float* running_var, float eps, float* dx, float* dgamma,
                                   float* dbeta);

}  // namespace smlm::kernels::nn
