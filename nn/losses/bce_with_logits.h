// Binary cross-entropy on logits: mean (or sum) of −t·ln σ(p) − (1 − t)·ln(1 − σ(p)), computed
// without overflow for any logit p; gradient (σ(p) − t)/n. Targets in [0, 1].
#pragma once

#include "nn/losses/loss.h"

namespace smlm::nn {

inline LossResult bce_with_logits_loss(const Tensor& logits, const Tensor& target,
                                       Reduction reduction = Reduction::mean, float weight = 1.f) {
  return pointwise_loss(kernels::nn::LossKind::bce_with_logits, logits, target, reduction, weight);
}

}  // namespace smlm::nn
