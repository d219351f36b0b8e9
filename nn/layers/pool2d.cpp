// Pooling layers: max pooling keeps its input, whose argmax the backward pass recomputes.
#include "nn/layers/pool2d.h"

#include <sstream>

#include "core/error.h"

namespace smlm::nn {

Pool2d::Pool2d(kernels::nn::PoolKind kind, int kernel, int stride, int padding)
    : kind_(kind), kernel_(kernel), stride_(stride > 0 ? stride : kernel), padding_(padding) {
  SMLM_CHECK(kernel > 0, "pooling kernel " << kernel << ": expected 1 or more");
}

kernels::nn::Pool2dDesc Pool2d::desc(const Shape& x) const {
  kernels::nn::Pool2dDesc d;
  d.x = x;
  d.kind = kind_;
  d.kernel_h = d.kernel_w = kernel_;
  d.stride_h = d.stride_w = stride_;
  d.pad_h = d.pad_w = padding_;
  return d;
}

Tensor Pool2d::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  const auto d = desc(x.shape());
  d.validate();
  Tensor y(d.y(), device_);
  kernels::nn::pool2d_forward(device_, d, x.data(), y.data());
  if (training) input_ = x;
  return y;
}

Tensor Pool2d::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  const auto d = desc(input_.shape());
  SMLM_CHECK(grad_out.shape() == d.y(), describe() << ": gradient shape");
  Tensor dx(input_.shape(), device_);
  kernels::nn::pool2d_backward(device_, d, input_.data(), grad_out.data(), dx.data());
  input_ = Tensor();
  return dx;
}

std::string Pool2d::describe() const {
  std::ostringstream s;
  s << (kind_ == kernels::nn::PoolKind::max ? "MaxPool2d" : "AvgPool2d") << "(kernel=" << kernel_
    << ", stride=" << stride_ << ", padding=" << padding_ << ")";
  return s.str();
}

}  // namespace smlm::nn
