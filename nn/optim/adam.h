// Adam (Kingma & Ba 2015) with bias correction, and AdamW (Loshchilov & Hutter 2019) when
// weight decay is decoupled: θ −= lr·λ·θ before the Adam step instead of adding λθ to the gradient.
// State: first and second moments per parameter ("m/<path>", "v/<path>") and the step count.
#pragma once

#include <cstdint>

#include "nn/optim/optimizer.h"

namespace smlm::nn {

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.f;
  bool decoupled_weight_decay = false;  // true: AdamW
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedParameter> parameters, const AdamOptions& options = {});

  void step() override;
  std::string type() const override { return "adam"; }
  std::map<std::string, double> settings() const override;
  void load_settings(const std::map<std::string, double>& s) override;
  std::vector<NamedBuffer> state() override;

  int64_t steps() const { return step_; }

 private:
  AdamOptions opt_;
  int64_t step_ = 0;
  std::vector<Tensor> m_, v_;
};

// AdamW: Adam with decoupled weight decay (default λ = 0.01).
inline AdamOptions adamw_options(float lr = 1e-3f, float weight_decay = 1e-2f) {
  AdamOptions o;
  o.lr = lr;
  o.weight_decay = weight_decay;
  o.decoupled_weight_decay = true;
  return o;
}

}  // namespace smlm::nn
