// What a loss returns: its value and its gradient with respect to the prediction, ready for the
// network's backward(). Losses average over all elements (Reduction::mean) or add them up.
#pragma once

#include "kernels/nn/loss.h"
#include "nn/tensor.h"

namespace smlm::nn {

enum class Reduction { mean, sum };

struct LossResult {
  double value = 0;  // on the host
  Tensor grad;       // ∂value/∂prediction: prediction's shape and device
};

// The pointwise loss `kind` between prediction and target (same numel and device), scaled by
// `weight` (value and gradient).
LossResult pointwise_loss(kernels::nn::LossKind kind, const Tensor& prediction,
                          const Tensor& target, Reduction reduction = Reduction::mean,
                          float weight = 1.f);

}  // namespace smlm::nn
