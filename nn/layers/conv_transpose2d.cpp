// ConvTranspose2d through the convolution primitives with the roles of input and output swapped.
#include "nn/layers/conv_transpose2d.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/elementwise.h"
#include "nn/layers/conv_common.h"
#include "nn/ops.h"

namespace smlm::nn {

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o) : opt_(o) {
  detail::check_groups("ConvTranspose2d", o.in_channels, o.out_channels, o.groups);
  SMLM_CHECK(o.output_padding >= 0 && o.output_padding < o.stride,
             "ConvTranspose2d: output_padding must be below the stride");
  detail::init_weight_and_bias({o.in_channels, o.out_channels / o.groups, o.kernel, o.kernel},
                               o.kernel, o.init, o.seed, o.bias, o.out_channels, weight, bias);
}

Shape ConvTranspose2d::output_shape(const Shape& x) const {
  auto size = [&](int64_t in) {
    return (in - 1) * opt_.stride - 2 * opt_.padding + opt_.dilation * (opt_.kernel - 1) + 1 +
           opt_.output_padding;
  };
  return {x.n, opt_.out_channels, size(x.h), size(x.w)};
}

kernels::nn::Conv2dDesc ConvTranspose2d::adjoint(const Shape& x) const {
  return detail::conv_desc(output_shape(x), opt_.in_channels,
                           {opt_.kernel, opt_.stride, opt_.padding, opt_.dilation, opt_.groups});
}

Tensor ConvTranspose2d::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(x.c() == opt_.in_channels,
             describe() << ": input " << x.shape().str() << " has the wrong channel count");
  const auto d = adjoint(x.shape());
  d.validate();
  SMLM_CHECK(d.y() == x.shape(), describe() << ": input " << x.shape().str() << " is too small");
  Tensor y(d.x, device_);
  kernels::nn::conv2d_backward_data(device_, d, x.data(), weight.value.data(), y.data());
  if (opt_.bias) kernels::nn::add_channel_bias(device_, y.shape(), bias.value.data(), y.data());
  if (training) input_ = x;
  return y;
}

Tensor ConvTranspose2d::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  const auto d = adjoint(input_.shape());
  SMLM_CHECK(grad_out.shape() == d.x,
             describe() << ": gradient " << grad_out.shape().str() << ", output " << d.x.str());
  Tensor dw(weight.value.shape(), device_);
  kernels::nn::conv2d_backward_filter(device_, d, grad_out.data(), input_.data(), dw.data(),
                                      nullptr);
  add_(weight.grad, dw);
  if (opt_.bias) {
    Tensor db(bias.value.shape(), device_);
    kernels::nn::channel_sum(device_, grad_out.shape(), grad_out.data(), db.data());
    add_(bias.grad, db);
  }
  Tensor dx(input_.shape(), device_);
  kernels::nn::conv2d_forward(device_, d, grad_out.data(), weight.value.data(), nullptr, dx.data());
  input_ = Tensor();
  return dx;
}

std::string ConvTranspose2d::describe() const {
  std::ostringstream s;
  s << "ConvTranspose2d(" << opt_.in_channels << ", " << opt_.out_channels
    << ", kernel=" << opt_.kernel << ", stride=" << opt_.stride << ", padding=" << opt_.padding
    << ", output_padding=" << opt_.output_padding << ", dilation=" << opt_.dilation
    << ", groups=" << opt_.groups << ", bias=" << (opt_.bias ? "true" : "false") << ")";
  return s.str();
}

std::vector<std::pair<std::string, Parameter*>> ConvTranspose2d::own_parameters() {
  return detail::weight_and_bias(weight, bias, opt_.bias);
}

}  // namespace smlm::nn
