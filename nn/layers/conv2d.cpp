// Conv2d: forward through conv2d_forward, backward through backward data and backward filter,
// the gradients added into the parameters' grads.
#include "nn/layers/conv2d.h"

#include <sstream>

#include "core/error.h"
#include "nn/ops.h"

namespace smlm::nn {

Conv2d::Conv2d(const Conv2dOptions& o) : opt_(o) {
  SMLM_CHECK(o.in_channels > 0 && o.out_channels > 0 && o.groups > 0 &&
                 o.in_channels % o.groups == 0 && o.out_channels % o.groups == 0,
             "Conv2d: " << o.in_channels << " -> " << o.out_channels
                        << " channels do not split into " << o.groups << " groups");
  const Shape ws{o.out_channels, o.in_channels / o.groups, o.kernel, o.kernel};
  Tensor w(ws);
  initialize(w, o.init, ws.c * o.kernel * o.kernel, ws.n * o.kernel * o.kernel, o.seed, 0);
  weight = Parameter(w);
  if (o.bias) bias = Parameter(Tensor::zeros(Shape{o.out_channels, 1, 1, 1}));
}

kernels::nn::Conv2dDesc Conv2d::desc(const Shape& x) const {
  kernels::nn::Conv2dDesc d;
  d.x = x;
  d.out_channels = opt_.out_channels;
  d.kernel_h = d.kernel_w = opt_.kernel;
  d.stride_h = d.stride_w = opt_.stride;
  d.pad_h = d.pad_w = opt_.padding;
  d.dilation_h = d.dilation_w = opt_.dilation;
  d.groups = opt_.groups;
  return d;
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
  if (opt_.bias) return {{"weight", &weight}, {"bias", &bias}};
  return {{"weight", &weight}};
}

}  // namespace smlm::nn
