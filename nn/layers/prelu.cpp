// PReLU over kernels/nn/prelu: keeps the input for both gradients.
#include "nn/layers/prelu.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/prelu.h"
#include "nn/ops.h"

namespace smlm::nn {

PReLU::PReLU(int64_t slopes, float init) : slopes_(slopes) {
  SMLM_CHECK(slopes > 0, "PReLU: slopes > 0 expected, got " << slopes);
  slope = Parameter(Tensor::full(Shape{slopes, 1, 1, 1}, init));
}

Tensor PReLU::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(slopes_ == 1 || x.c() == slopes_,
             describe() << ": input " << x.shape().str() << " has the wrong channel count");
  Tensor y(x.shape(), device_);
  kernels::nn::prelu_forward(device_, x.shape(), x.data(), slope.value.data(), slopes_, y.data());
  if (training) input_ = x;
  return y;
}

Tensor PReLU::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  SMLM_CHECK(grad_out.shape() == input_.shape(), describe() << ": gradient shape");
  Tensor dx(input_.shape(), device_), da(slope.value.shape(), device_);
  kernels::nn::prelu_backward(device_, input_.shape(), input_.data(), grad_out.data(),
                              slope.value.data(), slopes_, dx.data(), da.data());
  add_(slope.grad, da);
  input_ = Tensor();
  return dx;
}

std::string PReLU::describe() const {
  std::ostringstream s;
  s << "PReLU(" << slopes_ << ")";
  return s.str();
}

std::vector<std::pair<std::string, Parameter*>> PReLU::own_parameters() {
  return {{"slope", &slope}};
}

}  // namespace smlm::nn
