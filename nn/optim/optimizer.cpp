// Optimizer base: parameter bookkeeping and the learning rate.
#include "nn/optim/optimizer.h"

#include "core/error.h"

namespace smlm::nn {

Optimizer::Optimizer(std::vector<NamedParameter> parameters, float lr)
    : params_(std::move(parameters)), lr_(lr) {
  SMLM_CHECK(lr >= 0, "learning rate " << lr << ": expected >= 0");
  for (const auto& p : params_) SMLM_CHECK(p.parameter, "optimizer: null parameter " << p.name);
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.parameter->zero_grad();
}

std::map<std::string, double> Optimizer::settings() const { return {{"lr", lr_}}; }

void Optimizer::load_settings(const std::map<std::string, double>& s) {
  if (auto it = s.find("lr"); it != s.end()) lr_ = static_cast<float>(it->second);
}

}  // namespace smlm::nn
