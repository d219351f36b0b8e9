// Linear: a fully connected layer, y = W·x + b per sample (kernels/nn/linear.h).
//
// Flat tensors: a batch of N feature vectors of F values is the tensor (N, F, 1, 1) — features
// as channels, so that per-channel layers (BatchNorm2d, PReLU) act per feature and a 1×1
// convolution is a linear map. Linear takes any input (N, C, H, W) with C·H·W = in_features and
// reads each sample flattened in NCHW order (c, then h, then w: PyTorch's flatten(1)), so a
// convolutional trunk feeds it directly, and a flat (N, in_features, 1, 1) as it is. Its output
// is flat, (N, out_features, 1, 1); the input gradient has the input's shape.
//
// Weight (out_features, in_features, 1, 1), row-major as PyTorch's (out, in); bias
// (out_features, 1, 1, 1). Both start U(±1/√in_features) by default, PyTorch's initialization
// (Init::torch_uniform), drawn from Philox streams (seed, 0) and (seed, 1).
#pragma once

#include <cstdint>

#include "nn/init.h"
#include "nn/layer.h"

namespace smlm::nn {

struct LinearOptions {
  int64_t in_features = 1;
  int64_t out_features = 1;
  bool bias = true;
  Init init = Init::torch_uniform;       // the weight's
  Init bias_init = Init::torch_uniform;  // the bias's (fan-in in_features, as the weight's)
  uint64_t seed = 0;
  // False for a first layer: backward() then skips ∂L/∂input and returns an undefined tensor.
  bool input_grad = true;
};

class Linear : public Layer {
 public:
  explicit Linear(const LinearOptions& options);
  // in_features → out_features with a bias and PyTorch's initialization from `seed`.
  Linear(int64_t in_features, int64_t out_features, uint64_t seed = 0);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Parameter*>> own_parameters() override;

  const LinearOptions& options() const { return opt_; }

  Parameter weight;
  Parameter bias;  // value undefined when options().bias is false

 private:
  LinearOptions opt_;
  Tensor input_;
};

}  // namespace smlm::nn
