// GaussianBlur: a fixed (untrained) normalized Gaussian filter applied to each channel separately,
// size × size taps (odd), zero padding keeping the image size. A loss building block: Deep-STORM
// compares G∗prediction with G∗target. No parameters; backward gives ∂L/∂input.
#pragma once

#include "nn/layer.h"

namespace smlm::nn {

class GaussianBlur : public Layer {
 public:
  GaussianBlur(int64_t channels, int size, float sigma);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  void to(const Device& device) override;

  // The (channels, 1, size, size) depthwise kernel, Σ = 1 per channel.
  const Tensor& kernel() const { return kernel_; }

 private:
  int64_t channels_;
  int size_;
  float sigma_;
  Tensor kernel_;
  Shape input_shape_{};
  bool saved_ = false;
};

}  // namespace smlm::nn
