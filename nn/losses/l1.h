// L1 loss: mean (or sum) of |p − t|; gradient sign(p − t)/n (0 where p = t). With a zero target
// it is Deep-STORM's sparsity penalty on the predicted map.
#pragma once

#include "nn/losses/loss.h"

namespace smlm::nn {

inline LossResult l1_loss(const Tensor& prediction, const Tensor& target,
                          Reduction reduction = Reduction::mean, float weight = 1.f) {
  return pointwise_loss(kernels::nn::LossKind::l1, prediction, target, reduction, weight);
}

}  // namespace smlm::nn
