// SGD with momentum and L2 weight decay (PyTorch's rule): v = μv + g + λθ; θ −= lr·v.
// State: one velocity per parameter ("velocity/<path>").
#pragma once

#include "nn/optim/optimizer.h"

namespace smlm::nn {

struct SgdOptions {
  float lr = 1e-2f;
  float momentum = 0.f;
  float weight_decay = 0.f;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<NamedParameter> parameters, const SgdOptions& options = {});

  void step() override;
  std::string type() const override { return "sgd"; }
  std::map<std::string, double> settings() const override;
  void load_settings(const std::map<std::string, double>& s) override;
  std::vector<NamedBuffer> state() override;

 private:
  SgdOptions opt_;
  std::vector<Tensor> velocity_;
};

}  // namespace smlm::nn
