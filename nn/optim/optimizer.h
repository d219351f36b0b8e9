// Optimizer: updates a set of named Parameters from their accumulated gradients. Subclasses keep
// per-parameter state tensors (on the parameters' device, moved along if the parameters move) and
// expose state and settings by name, so that checkpoints can save and restore them exactly.
// The optimizer refers to the Parameters; the model that owns them must outlive it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nn/parameter.h"

namespace smlm::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<NamedParameter> parameters, float lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter from its grad (grads are left as they are).
  virtual void step() = 0;
  void zero_grad();

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }

  // "sgd", "adam", …
  virtual std::string type() const = 0;
  // Scalar settings and counters (lr, betas, step, …) and their restoration.
  virtual std::map<std::string, double> settings() const;
  virtual void load_settings(const std::map<std::string, double>& s);
  // State tensors named "<kind>/<parameter path>", e.g. "m/0/weight".
  virtual std::vector<NamedBuffer> state() { return {}; }

  const std::vector<NamedParameter>& parameters() const { return params_; }

 protected:
  std::vector<NamedParameter> params_;
  float lr_;
};

}  // namespace smlm::nn
