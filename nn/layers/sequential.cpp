// Sequential: a chain of layers.
#include "nn/layers/sequential.h"

#include "core/error.h"

namespace smlm::nn {

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  SMLM_CHECK(layer, "Sequential::add: null layer");
  layer->to(device_);
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

Tensor Sequential::forward(const Tensor& x, bool training) {
  Tensor y = x;
  for (auto& l : layers_) y = l->forward(y, training);
  return y;
}

Tensor Sequential::backward(const Tensor& grad_out) {
  Tensor g = grad_out;
  for (auto it = layers_.rbegin(); it != layers_.rend() && g.defined(); ++it)
    g = (*it)->backward(g);
  return g;
}

std::vector<std::pair<std::string, Layer*>> Sequential::children() const {
  std::vector<std::pair<std::string, Layer*>> v;
  for (size_t i = 0; i < layers_.size(); ++i) v.emplace_back(std::to_string(i), layers_[i].get());
  return v;
}

}  // namespace smlm::nn
