// Upsample: integer-factor nearest or bilinear upsampling layer (kernels/nn/upsample.h). No
// parameters.
#pragma once

#include "kernels/nn/upsample.h"
#include "nn/layer.h"

namespace smlm::nn {

using UpsampleMode = kernels::nn::UpsampleMode;

class Upsample : public Layer {
 public:
  explicit Upsample(int factor = 2, UpsampleMode mode = UpsampleMode::nearest);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;

 private:
  int factor_;
  UpsampleMode mode_;
  Shape input_shape_{};
  bool saved_ = false;
};

}  // namespace smlm::nn
