// ConvTranspose2d: the transposed 2D convolution ("deconvolution"), a learned upsampling: the
// adjoint of Conv2d with the same kernel, stride, padding, dilation and groups, run through the
// same primitives (its forward is a convolution's backward-data pass). Weight
// (in, out/groups, k, k) as in PyTorch, bias (out, 1, 1, 1); output height
// (H − 1)·stride − 2·padding + dilation·(k − 1) + 1 + output_padding (likewise the width).
#pragma once

#include <cstdint>

#include "kernels/nn/conv2d.h"
#include "nn/init.h"
#include "nn/layer.h"

namespace smlm::nn {

struct ConvTranspose2dOptions {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int kernel = 2;
  int stride = 2;
  int padding = 0;
  int output_padding = 0;  // below the stride: picks among the sizes that map back to H
  int dilation = 1;
  int groups = 1;
  bool bias = true;
  Init init = Init::he_normal;
  uint64_t seed = 0;
};

class ConvTranspose2d : public Layer {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Parameter*>> own_parameters() override;

  // The output shape for an input of shape x.
  Shape output_shape(const Shape& x) const;

  Parameter weight;
  Parameter bias;  // value undefined when options.bias is false

 private:
  // The convolution whose backward-data pass this layer's forward pass is.
  kernels::nn::Conv2dDesc adjoint(const Shape& x) const;

  ConvTranspose2dOptions opt_;
  Tensor input_;
};

}  // namespace smlm::nn
