// DECODE's loss over tensors (kernels/nn/pixel_gmm.h has the definition): count term,
// Gaussian-mixture localization term and background term of a per-pixel head with D = 3 (2D) or
// 4 (3D) parameters per emitter.
#pragma once

#include "kernels/nn/pixel_gmm.h"
#include "nn/tensor.h"

namespace smlm::nn {

struct PixelGmmResult {
  kernels::nn::PixelGmmParts parts;  // value = parts.value (batch mean)
  Tensor grad;                       // ∂value/∂output when asked for, else undefined
};

// output: (n, 2 + 2D, h, w) raw head outputs; targets: (n, M, D, 1) (M ≥ 1 slots, the first
// counts[b] of sample b used); counts: (n, 1, 1, 1); bg_target: (n, 1, h, w), or undefined for
// no background term. All on output's device. Throws smlm::Error for inconsistent shapes.
PixelGmmResult pixel_gmm_loss(const Tensor& output, const Tensor& targets, const Tensor& counts,
                              const Tensor& bg_target, double bg_weight, bool need_grad);

}  // namespace smlm::nn
