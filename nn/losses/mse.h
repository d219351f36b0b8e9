// Mean squared error: mean (or sum) of (p − t)² and its gradient 2(p − t)/n.
#pragma once

#include "nn/losses/loss.h"

namespace smlm::nn {

inline LossResult mse_loss(const Tensor& prediction, const Tensor& target,
                           Reduction reduction = Reduction::mean, float weight = 1.f) {
  return pointwise_loss(kernels::nn::LossKind::mse, prediction, target, reduction, weight);
}

}  // namespace smlm::nn
