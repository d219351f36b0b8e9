// Activation: a pointwise nonlinearity layer (ReLU, ELU, leaky ReLU, sigmoid, tanh, softplus)
// over kernels/nn/activation.h. No parameters.
#pragma once

#include "kernels/nn/activation.h"
#include "nn/layer.h"

namespace smlm::nn {

using ActivationKind = kernels::nn::Activation;

class Activation : public Layer {
 public:
  // alpha: ELU's α (default 1) or leaky ReLU's negative slope (default 0.01); ignored otherwise.
  explicit Activation(ActivationKind kind, float alpha = -1.f);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;

  ActivationKind kind() const { return kind_; }

 private:
  ActivationKind kind_;
  float alpha_;
  Tensor input_, output_;
};

}  // namespace smlm::nn
