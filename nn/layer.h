// Layer: the unit of a network. forward(x, training) computes the output; with training = true
// it also keeps what its backward pass needs (and uses batch statistics, drops out).
// backward(grad_out) takes ∂L/∂output, accumulates ∂L/∂θ into each Parameter's grad and returns
// ∂L/∂input (an undefined Tensor when the layer was told not to compute it). One backward per
// training forward, whose saved tensors it then releases; a layer is not re-entrant. Tensors come
// in and go out on the layer's device (to() moves its parameters and buffers there).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nn/parameter.h"
#include "nn/tensor.h"

namespace smlm::nn {

class Layer {
 public:
  virtual ~Layer() = default;
  Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual Tensor forward(const Tensor& x, bool training) = 0;
  virtual Tensor backward(const Tensor& grad_out) = 0;

  // One line naming the layer and its settings, e.g. "Conv2d(1, 32, kernel=3, padding=1)".
  virtual std::string describe() const = 0;
  // Sub-layers of a container, with their path components ("0", "1", … or given names).
  virtual std::vector<std::pair<std::string, Layer*>> children() const { return {}; }
  // This layer's own parameters and buffers (running statistics), children excluded.
  virtual std::vector<std::pair<std::string, Parameter*>> own_parameters() { return {}; }
  virtual std::vector<std::pair<std::string, Tensor*>> own_buffers() { return {}; }

  // Every parameter and buffer of the tree, named by path ("2/weight"), in a stable order.
  std::vector<NamedParameter> parameters();
  std::vector<NamedBuffer> buffers();
  int64_t parameter_count();
  void zero_grad();
  // The tree's description: describe() of every layer, children indented under their parent.
  std::string architecture() const;

  // Moves parameters and buffers (of the whole tree) to `device`; later inputs must live there.
  virtual void to(const Device& device);
  const Device& device() const { return device_; }

 protected:
  // Throws smlm::Error unless x is defined and on this layer's device.
  void check_input(const Tensor& x, const char* what) const;

  Device device_ = Device::cpu();
};

}  // namespace smlm::nn
