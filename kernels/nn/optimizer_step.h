// One optimizer update of a parameter array on either device: SGD with momentum and Adam/AdamW.
// param, grad and the state arrays (velocity; first and second moments) hold n floats each in the
// device's memory; the state starts at zero.
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

// v = momentum·v + (g + weight_decay·θ);  θ −= lr·v   (PyTorch's SGD; momentum 0 is plain SGD).
void sgd_step(const Device& device, int64_t n, float lr, float momentum, float weight_decay,
              float* param, const float* grad, float* velocity);

struct AdamStep {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float weight_decay = 0.f;
  bool decoupled = false;  // AdamW: θ −= lr·wd·θ; else the decay joins the gradient (L2)
  int64_t step = 1;        // 1 on the first update: bias corrections 1 − βᵗ
};

// m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  θ −= lr·m̂/(√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 −
// β₂ᵗ).
void adam_step(const Device& device, int64_t n, const AdamStep& s, float* param, const float* grad,
               float* m, float* v);

}  // namespace smlm::kernels::nn
