// BatchNorm2d: per-channel batch normalization with learnable scale γ (init 1) and shift β
// (init 0), each (C, 1, 1, 1), and running mean/variance buffers (init 0 and 1) updated during
// training forwards (kernels/nn/batch_norm.h). A frozen layer uses the running statistics in
// training forwards too (and still passes gradients to γ, β and the input).
#pragma once

#include "nn/layer.h"

namespace smlm::nn {

class BatchNorm2d : public Layer {
 public:
  explicit BatchNorm2d(int64_t channels, float eps = 1e-5f, float momentum = 0.1f);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Parameter*>> own_parameters() override;
  std::vector<std::pair<std::string, Tensor*>> own_buffers() override;

  void set_frozen(bool frozen) { frozen_ = frozen; }

  Parameter gamma, beta;
  Tensor running_mean, running_var;

 private:
  int64_t channels_;
  float eps_, momentum_;
  bool frozen_ = false;
  Tensor input_, save_mean_, save_invstd_;
  bool batch_stats_ = false;  // whether the saved forward used batch statistics
};

}  // namespace smlm::nn
