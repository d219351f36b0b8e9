// Activation layer: keeps input and output for the slope.
#include "nn/layers/activation.h"

#include <sstream>

#include "core/error.h"

namespace smlm::nn {

Activation::Activation(ActivationKind kind, float alpha) : kind_(kind), alpha_(alpha) {
  if (alpha_ < 0.f) alpha_ = kind == ActivationKind::leaky_relu ? 0.01f : 1.f;
}

Tensor Activation::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  Tensor y(x.shape(), device_);
  kernels::nn::activation_forward(device_, kind_, alpha_, x.numel(), x.data(), y.data());
  if (training) input_ = x, output_ = y;
  return y;
}

Tensor Activation::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  SMLM_CHECK(grad_out.numel() == input_.numel(), describe() << ": gradient shape");
  Tensor dx(input_.shape(), device_);
  kernels::nn::activation_backward(device_, kind_, alpha_, dx.numel(), input_.data(),
                                   output_.data(), grad_out.data(), dx.data());
  input_ = output_ = Tensor();
  return dx;
}

std::string Activation::describe() const {
  std::ostringstream s;
  s << "Activation(" << kernels::nn::activation_name(kind_);
  if (kind_ == ActivationKind::elu || kind_ == ActivationKind::leaky_relu)
    s << ", alpha=" << alpha_;
  s << ")";
  return s.str();
}

}  // namespace smlm::nn
