// Layer's tree walks: parameter and buffer paths, device moves, the architecture text.
#include "nn/layer.h"

#include "core/error.h"

namespace smlm::nn {

namespace {

template <class F>
void walk(Layer& layer, const std::string& prefix, F&& f) {
  f(layer, prefix);
  for (auto& [name, child] : layer.children()) walk(*child, prefix + name + "/", f);
}

void describe_tree(const Layer& layer, int depth, std::string& out) {
  out += std::string(2 * depth, ' ') + layer.describe() + "\n";
  for (const auto& [name, child] : layer.children()) {
    (void)name;
    describe_tree(*child, depth + 1, out);
  }
}

}  // namespace

std::vector<NamedParameter> Layer::parameters() {
  std::vector<NamedParameter> v;
  walk(*this, "", [&](Layer& l, const std::string& prefix) {
    for (auto& [name, p] : l.own_parameters()) v.push_back({prefix + name, p});
  });
  return v;
}

std::vector<NamedBuffer> Layer::buffers() {
  std::vector<NamedBuffer> v;
  walk(*this, "", [&](Layer& l, const std::string& prefix) {
    for (auto& [name, t] : l.own_buffers()) v.push_back({prefix + name, t});
  });
  return v;
}

int64_t Layer::parameter_count() {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.parameter->value.numel();
  return n;
}

void Layer::zero_grad() {
  for (auto& p : parameters()) p.parameter->zero_grad();
}

std::string Layer::architecture() const {
  std::string s;
  describe_tree(*this, 0, s);
  return s;
}

void Layer::to(const Device& device) {
  for (auto& [name, p] : own_parameters()) p->to(device);
  for (auto& [name, t] : own_buffers()) *t = t->to(device);
  for (auto& [name, child] : children()) child->to(device);
  device_ = device;
}

void Layer::check_input(const Tensor& x, const char* what) const {
  SMLM_CHECK(x.defined(), describe() << ": " << what << " is undefined");
  SMLM_CHECK(
      x.device().kind == device_.kind && x.device().index == device_.index,
      describe() << ": " << what << " on " << x.device().name() << ", layer on " << device_.name());
}

}  // namespace smlm::nn
