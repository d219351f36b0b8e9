// SGD: one fused update per parameter (kernels/nn/optimizer_step).
#include "nn/optim/sgd.h"

#include "kernels/nn/optimizer_step.h"

namespace smlm::nn {

Sgd::Sgd(std::vector<NamedParameter> parameters, const SgdOptions& o)
    : Optimizer(std::move(parameters), o.lr), opt_(o) {
  for (const auto& p : params_)
    velocity_.push_back(Tensor::zeros(p.parameter->value.shape(), p.parameter->value.device()));
}

void Sgd::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i].parameter;
    velocity_[i] = velocity_[i].to(p.value.device());
    kernels::nn::sgd_step(p.value.device(), p.value.numel(), lr_, opt_.momentum, opt_.weight_decay,
                          p.value.data(), p.grad.data(), velocity_[i].data());
  }
}

std::map<std::string, double> Sgd::settings() const {
  return {{"lr", lr_}, {"momentum", opt_.momentum}, {"weight_decay", opt_.weight_decay}};
}

void Sgd::load_settings(const std::map<std::string, double>& s) {
  Optimizer::load_settings(s);
  if (auto it = s.find("momentum"); it != s.end()) opt_.momentum = static_cast<float>(it->second);
  if (auto it = s.find("weight_decay"); it != s.end())
    opt_.weight_decay = static_cast<float>(it->second);
}

std::vector<NamedBuffer> Sgd::state() {
  std::vector<NamedBuffer> v;
  for (size_t i = 0; i < params_.size(); ++i)
    v.push_back({"velocity/" + params_[i].name, &velocity_[i]});
  return v;
}

}  // namespace smlm::nn
