// Dropout: inverted dropout layer (kernels/nn/dropout.h); identity outside training. The masks
// come from (seed, call count), so a seeded network trains reproducibly on either device.
#pragma once

#include <cstdint>

#include "nn/layer.h"

namespace smlm::nn {

class Dropout : public Layer {
 public:
  explicit Dropout(float p = 0.5f, uint64_t seed = 0);

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& grad_out) override;
  std::string describe() const override;

  // Training forwards so far; the next mask is drawn for this count. Settable to replay a mask.
  uint64_t calls() const { return calls_; }
  void set_calls(uint64_t calls) { calls_ = calls; }

 private:
  float p_;
  uint64_t seed_, calls_ = 0;
  Tensor mask_;
};

}  // namespace smlm::nn
