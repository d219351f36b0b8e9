// Upsample layer: only the input's shape is needed for the backward pass.
#include "nn/layers/upsample.h"

#include <sstream>

#include "core/error.h"

namespace smlm::nn {

Upsample::Upsample(int factor, UpsampleMode mode) : factor_(factor), mode_(mode) {
  SMLM_CHECK(factor >= 1, "upsampling factor " << factor << ": expected 1 or more");
}

Tensor Upsample::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  Tensor y(Shape{x.n(), x.c(), x.h() * factor_, x.w() * factor_}, device_);
  kernels::nn::upsample_forward(device_, mode_, factor_, x.shape(), x.data(), y.data());
  if (training) input_shape_ = x.shape(), saved_ = true;
  return y;
}

Tensor Upsample::backward(const Tensor& grad_out) {
  SMLM_CHECK(saved_, describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  const Shape& s = input_shape_;
  SMLM_CHECK(grad_out.shape() == (Shape{s.n, s.c, s.h * factor_, s.w * factor_}),
             describe() << ": gradient shape");
  Tensor dx(s, device_);
  kernels::nn::upsample_backward(device_, mode_, factor_, s, grad_out.data(), dx.data());
  saved_ = false;
  return dx;
}

std::string Upsample::describe() const {
  std::ostringstream s;
  s << "Upsample(factor=" << factor_ << ", mode=" << kernels::nn::upsample_mode_name(mode_) << ")";
  return s.str();
}

}  // namespace smlm::nn
