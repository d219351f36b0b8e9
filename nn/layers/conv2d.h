// Conv2d: a 2D convolution layer with optional bias, over NCHW tensors (kernels/nn/conv2d.h on
// oneDNN or cuDNN). Weight (out, in/groups, k, k), bias (out, 1, 1, 1); He-normal weights from
// a seed, zero bias.
#pragma once

#include <cstdint>

#include "kernels/nn/conv2d.h"
#include "nn/init.h"
#include "nn/layer.h"

namespace smlm::nn {

struct Conv2dOptions {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int kernel = 3;
  int stride = 1;
  int padding = 0;  // zero padding on each side; kernel/2 keeps the size at stride 1
  int dilation = 1;
  int groups = 1;
  bool bias = true;
  Init init = Init::he_normal;
  uint64_t seed = 0;  // weights are drawn from Philox stream (seed, 0)
  // False for a first layer: backward() then skips ∂L/∂input and returns an undefined tensor.
  bool input_grad = true;
};

class Conv2d : public Layer {
 public:
  explicit Conv2d(const Conv2dOptions& options);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Parameter*>> own_parameters() override;

  const Conv2dOptions& options() const { return opt_; }
  // The convolution descriptor for an input of shape x.
  kernels::nn::Conv2dDesc desc(const Shape& x) const;

  Parameter weight;
  Parameter bias;  // value undefined when options().bias is false

 private:
  Conv2dOptions opt_;
  Tensor input_;
};

}  // namespace smlm::nn
