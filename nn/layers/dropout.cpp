// Dropout layer: the mask of the last training forward scales the gradient.
#include "nn/layers/dropout.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/dropout.h"
#include "nn/ops.h"

namespace smlm::nn {

Dropout::Dropout(float p, uint64_t seed) : p_(p), seed_(seed) {
  SMLM_CHECK(p >= 0.f && p < 1.f, "dropout probability " << p << ": expected 0 <= p < 1");
}

Tensor Dropout::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  if (!training) return x;
  Tensor y(x.shape(), device_);
  mask_ = Tensor(x.shape(), device_);
  kernels::nn::dropout_forward(device_, x.numel(), p_, seed_, calls_++, x.data(), mask_.data(),
                               y.data());
  return y;
}

Tensor Dropout::backward(const Tensor& grad_out) {
  SMLM_CHECK(mask_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  Tensor dx = mul(grad_out, mask_);
  mask_ = Tensor();
  return dx;
}

std::string Dropout::describe() const {
  std::ostringstream s;
  s << "Dropout(p=" << p_ << ")";
  return s.str();
}

}  // namespace smlm::nn
