// Conv2d: forward through conv2d_forward, backward through backward data and backward filter,
// the gradients added into the parameters' grads.
#include "nn/layers/conv2d.h"

#include <sstream>

#include "core/error.h"
#include "nn/layers/conv_common.h"
#include "nn/ops.h"

namespace smlm::nn {

Conv2d::Conv2d(const Conv2dOptions& o) : opt_(o) {
  detail::check_groups("Conv2d", o.in_channels, o.out_channels, o.groups);
  detail::init_weight_and_bias({o.out_channels, o.in_channels / o.groups, o.kernel, o.kernel},
                               o.kernel, o.init, o.seed, o.bias, o.out_channels, weight, bias);
}

kernels::nn::Conv2dDesc Conv2d::desc(const Shape& x) const {
  return detail::conv_desc(x, opt_.out_channels,
                           {opt_.kernel, opt_.stride, opt_.padding, opt_.dilation, opt_.groups});
}

Tensor Conv2d::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(x.c() == opt_.in_channels,
             describe() << ": input " << x.shape().str() << " has the wrong channel count");
  const auto d = desc(x.shape());
  d.validate();
  Tensor y(d.y(), device_);
  kernels::nn::conv2d_forward(device_, d, x.data(), weight.value.data(),
                              opt_.bias ? bias.value.data() : nullptr, y.data());
  if (training) input_ = x;
  return y;
}

Tensor Conv2d::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  const auto d = desc(input_.shape());
  SMLM_CHECK(grad_out.shape() == d.y(),
             describe() << ": gradient " << grad_out.shape().str() << ", output " << d.y().str());
  Tensor dw(weight.value.shape(), device_);
  Tensor db = opt_.bias ? Tensor(bias.value.shape(), device_) : Tensor();
  kernels::nn::conv2d_backward_filter(device_, d, input_.data(), grad_out.data(), dw.data(),
                                      opt_.bias ? db.data() : nullptr);
  add_(weight.grad, dw);
  if (opt_.bias) add_(bias.grad, db);
  Tensor dx;
  if (opt_.input_grad) {
    dx = Tensor(input_.shape(), device_);
    kernels::nn::conv2d_backward_data(device_, d, grad_out.data(), weight.value.data(), dx.data());
  }
  input_ = Tensor();
  return dx;
}

std::string Conv2d::describe() const {
  std::ostringstream s;
  s << "Conv2d(" << opt_.in_channels << ", " << opt_.out_channels << ", kernel=" << opt_.kernel
    << ", stride=" << opt_.stride << ", padding=" << opt_.padding << ", dilation=" << opt_.dilation
    << ", groups=" << opt_.groups << ", bias=" << (opt_.bias ? "true" : "false") << ")";
  return s.str();
}

std::vector<std::pair<std::string, Parameter*>> Conv2d::own_parameters() {
  return detail::weight_and_bias(weight, bias, opt_.bias);
}

}  // namespace smlm::nn
