// HardTanh over kernels/nn/hardtanh: keeps the input for the gradient's mask.
#include "nn/layers/hardtanh.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/hardtanh.h"

namespace smlm::nn {

HardTanh::HardTanh(float lo, float hi) : lo_(lo), hi_(hi) {
  SMLM_CHECK(lo < hi, "HardTanh: lo " << lo << " must be below hi " << hi);
}

Tensor HardTanh::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  Tensor y(x.shape(), device_);
  kernels::nn::hardtanh_forward(device_, lo_, hi_, x.numel(), x.data(), y.data());
  if (training) input_ = x;
  return y;
}

Tensor HardTanh::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  SMLM_CHECK(grad_out.numel() == input_.numel(), describe() << ": gradient shape");
  Tensor dx(input_.shape(), device_);
  kernels::nn::hardtanh_backward(device_, lo_, hi_, dx.numel(), input_.data(), grad_out.data(),
                                 dx.data());
  input_ = Tensor();
  return dx;
}

std::string HardTanh::describe() const {
  std::ostringstream s;
  s << "HardTanh(" << lo_ << ", " << hi_ << ")";
  return s.str();
}

}  // namespace smlm::nn
