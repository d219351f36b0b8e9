// MaxPool2d and AvgPool2d: 2D pooling layers over kernels/nn/pooling.h (stride defaults to the
// kernel size; average pooling counts padding in the window area). No parameters.
#pragma once

#include "kernels/nn/pooling.h"
#include "nn/layer.h"

namespace smlm::nn {

class Pool2d : public Layer {
 public:
  // stride 0: the kernel size.
  Pool2d(kernels::nn::PoolKind kind, int kernel, int stride = 0, int padding = 0);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;

  kernels::nn::Pool2dDesc desc(const Shape& x) const;

 private:
  kernels::nn::PoolKind kind_;
  int kernel_, stride_, padding_;
  Tensor input_;
};

class MaxPool2d : public Pool2d {
 public:
  explicit MaxPool2d(int kernel = 2, int stride = 0, int padding = 0)
      : Pool2d(kernels::nn::PoolKind::max, kernel, stride, padding) {}
};

class AvgPool2d : public Pool2d {
 public:
  explicit AvgPool2d(int kernel = 2, int stride = 0, int padding = 0)
      : Pool2d(kernels::nn::PoolKind::average, kernel, stride, padding) {}
};

}  // namespace smlm::nn
