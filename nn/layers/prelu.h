// PReLU: a parametric ReLU layer (He et al. 2015) over NCHW tensors, y = x if x > 0 else a·x,
// with a learnable slope a per channel (kernels/nn/prelu.h). Slope (slopes, 1, 1, 1), every entry
// starting at 0.25 (PyTorch's default); slopes is the input's channel count, or 1 for one slope
// shared by all channels (PyTorch's PReLU()). On a flat (N, F, 1, 1) tensor (Linear's output)
// the channels are the features.
#pragma once

#include <cstdint>

#include "nn/layer.h"

namespace smlm::nn {

class PReLU : public Layer {
 public:
  explicit PReLU(int64_t slopes, float init = 0.25f);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Parameter*>> own_parameters() override;

  int64_t slopes() const { return slopes_; }

  Parameter slope;  // checkpoint name "slope"

 private:
  int64_t slopes_;
  Tensor input_;
};

}  // namespace smlm::nn
