// Pointwise losses between a prediction p and a target t on either device: the summed value and
// the gradient with respect to p. nn/losses/ turns them into means over a batch.
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

enum class LossKind {
  mse,              // (p − t)²
  l1,               // |p − t|              (gradient sign(p − t), 0 at p = t)
  bce_with_logits,  // −t·ln σ(p) − (1 − t)·ln(1 − σ(p)), p a logit, t in [0, 1]
};

// Σ loss(p[i], t[i]) over n elements, in double.
double loss_sum(const Device& device, LossKind kind, int64_t n, const float* p, const float* t);
// grad[i] = scale · ∂loss(p[i], t[i])/∂p[i] (overwritten).
void loss_grad(const Device& device, LossKind kind, int64_t n, const float* p, const float* t,
               float scale, float* grad);

}  // namespace smlm::kernels::nn
