// GaussianBlur: a depthwise convolution (groups = channels) with a fixed kernel.
#include "nn/layers/gaussian_blur.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "kernels/nn/conv2d.h"

namespace smlm::nn {

namespace {
kernels::nn::Conv2dDesc blur_desc(const Shape& x, int size) {
  kernels::nn::Conv2dDesc d;
  d.x = x;
  d.out_channels = x.c;
  d.kernel_h = d.kernel_w = size;
  d.pad_h = d.pad_w = size / 2;
  d.groups = static_cast<int>(x.c);
  return d;
}
}  // namespace

GaussianBlur::GaussianBlur(int64_t channels, int size, float sigma)
    : channels_(channels), size_(size), sigma_(sigma) {
  SMLM_CHECK(channels > 0 && size > 0 && size % 2 == 1 && sigma > 0,
             "GaussianBlur: channels > 0, an odd size and sigma > 0 expected");
  std::vector<double> g(size);
  double s = 0;
  for (int i = 0; i < size; ++i) {
    const double d = i - size / 2;
    s += g[i] = std::exp(-0.5 * d * d / (double(sigma) * sigma));
  }
  std::vector<float> k;
  for (int64_t c = 0; c < channels; ++c)
    for (int i = 0; i < size; ++i)
      for (int j = 0; j < size; ++j) k.push_back(static_cast<float>(g[i] * g[j] / (s * s)));
  kernel_ = Tensor::from_host(Shape{channels, 1, size, size}, k);
}

void GaussianBlur::to(const Device& device) {
  kernel_ = kernel_.to(device);
  device_ = device;
}

Tensor GaussianBlur::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(x.c() == channels_, describe() << ": input " << x.shape().str());
  Tensor y(x.shape(), device_);
  kernels::nn::conv2d_forward(device_, blur_desc(x.shape(), size_), x.data(), kernel_.data(),
                              nullptr, y.data());
  if (training) input_shape_ = x.shape(), saved_ = true;
  return y;
}

Tensor GaussianBlur::backward(const Tensor& grad_out) {
  SMLM_CHECK(saved_, describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  SMLM_CHECK(grad_out.shape() == input_shape_, describe() << ": gradient shape");
  // The kernel is symmetric, so the blur is its own adjoint: the backward pass is a forward blur
  // (oneDNN's forward kernels are several times faster than its backward-data ones here).
  Tensor dx(input_shape_, device_);
  kernels::nn::conv2d_forward(device_, blur_desc(input_shape_, size_), grad_out.data(),
                              kernel_.data(), nullptr, dx.data());
  saved_ = false;
  return dx;
}

std::string GaussianBlur::describe() const {
  std::ostringstream s;
  s << "GaussianBlur(" << channels_ << ", size=" << size_ << ", sigma=" << sigma_ << ")";
  return s.str();
}

}  // namespace smlm::nn
