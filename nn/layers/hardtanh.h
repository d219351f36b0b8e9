// HardTanh: y = clamp(x, lo, hi), the gradient passed inside (lo, hi) and 0 outside
// (kernels/nn/hardtanh.h). smNet bounds each output to its range with it. No parameters.
#pragma once

#include "nn/layer.h"

namespace smlm::nn {

class HardTanh : public Layer {
 public:
  // lo < hi; PyTorch's defaults are −1 and 1.
  explicit HardTanh(float lo = -1.f, float hi = 1.f);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;

  float lo() const { return lo_; }
  float hi() const { return hi_; }

 private:
  float lo_, hi_;
  Tensor input_;
};

}  // namespace smlm::nn
