// Parameter: a trainable tensor and the gradient that backward passes accumulate into it (same
// shape, same device). Layers own their Parameters; optimizers and checkpoints reach them through
// Layer::parameters() by path ("0/weight", "encoder/2/bias", …).
#pragma once

#include <string>

#include "nn/tensor.h"

namespace smlm::nn {

struct Parameter {
  Parameter() = default;
  explicit Parameter(Tensor v)
      : value(std::move(v)), grad(Tensor::zeros(value.shape(), value.device())) {}

  Tensor value;
  Tensor grad;

  void zero_grad() { grad.zero(); }
  // Moves value and gradient to `device` (no-op when already there).
  void to(const Device& device) {
    value = value.to(device);
    grad = grad.to(device);
  }
};

struct NamedParameter {
  std::string name;
  Parameter* parameter;
};

struct NamedBuffer {
  std::string name;
  Tensor* tensor;
};

}  // namespace smlm::nn
