// Sequential: layers applied one after the other; backward runs them in reverse. Owns its layers;
// their paths are their positions ("0", "1", …).
#pragma once

#include <memory>
#include <vector>

#include "nn/layer.h"

namespace smlm::nn {

class Sequential : public Layer {
 public:
  Sequential() = default;

  // Appends a layer (moved to this container's device) and returns it.
  Layer& add(std::unique_ptr<Layer> layer);
  template <class L, class... Args>
  L& emplace(Args&&... args) {
    return static_cast<L&>(add(std::make_unique<L>(std::forward<Args>(args)...)));
  }
  size_t size() const { return layers_.size(); }
  Layer& operator[](size_t i) { return *layers_.at(i); }

  Tensor forward(const Tensor& x, bool training) override;
  // Stops early, returning an undefined tensor, when a layer returns no input gradient.
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override { return "Sequential"; }
  std::vector<std::pair<std::string, Layer*>> children() const override;

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
};

}  // namespace smlm::nn
