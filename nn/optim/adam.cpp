// Adam/AdamW: one fused update per parameter (kernels/nn/optimizer_step).
#include "nn/optim/adam.h"

#include "kernels/nn/optimizer_step.h"

namespace smlm::nn {

Adam::Adam(std::vector<NamedParameter> parameters, const AdamOptions& o)
    : Optimizer(std::move(parameters), o.lr), opt_(o) {
  for (const auto& p : params_) {
    m_.push_back(Tensor::zeros(p.parameter->value.shape(), p.parameter->value.device()));
    v_.push_back(Tensor::zeros(p.parameter->value.shape(), p.parameter->value.device()));
  }
}

void Adam::step() {
  ++step_;
  kernels::nn::AdamStep s;
  s.lr = lr_;
  s.beta1 = opt_.beta1;
  s.beta2 = opt_.beta2;
  s.eps = opt_.eps;
  s.weight_decay = opt_.weight_decay;
  s.decoupled = opt_.decoupled_weight_decay;
  s.step = step_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i].parameter;
    m_[i] = m_[i].to(p.value.device());
    v_[i] = v_[i].to(p.value.device());
    kernels::nn::adam_step(p.value.device(), p.value.numel(), s, p.value.data(), p.grad.data(),
                           m_[i].data(), v_[i].data());
  }
}

std::map<std::string, double> Adam::settings() const {
  return {{"lr", lr_},
          {"beta1", opt_.beta1},
          {"beta2", opt_.beta2},
          {"eps", opt_.eps},
          {"weight_decay", opt_.weight_decay},
          {"decoupled_weight_decay", opt_.decoupled_weight_decay ? 1.0 : 0.0},
          {"step", static_cast<double>(step_)}};
}

void Adam::load_settings(const std::map<std::string, double>& s) {
  Optimizer::load_settings(s);
  auto get = [&](const char* k, auto& field) {
    if (auto it = s.find(k); it != s.end())
      field = static_cast<std::remove_reference_t<decltype(field)>>(it->second);
  };
  get("beta1", opt_.beta1);
  get("beta2", opt_.beta2);
  get("eps", opt_.eps);
  get("weight_decay", opt_.weight_decay);
  if (auto it = s.find("decoupled_weight_decay"); it != s.end())
    opt_.decoupled_weight_decay = it->second != 0.0;
  get("step", step_);
}

std::vector<NamedBuffer> Adam::state() {
  std::vector<NamedBuffer> v;
  for (size_t i = 0; i < params_.size(); ++i) {
    v.push_back({"m/" + params_[i].name, &m_[i]});
    v.push_back({"v/" + params_[i].name, &v_[i]});
  }
  return v;
}

}  // namespace smlm::nn
