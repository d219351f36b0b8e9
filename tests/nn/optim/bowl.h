// A test problem for the optimizers: an ill-conditioned quadratic bowl over one parameter.
#pragma once

#include <vector>

#include "nn/parameter.h"

namespace smlm::test {

using nn::NamedParameter;
using nn::Parameter;
using nn::Tensor;

// f(θ) = ½ Σ aᵢ(θᵢ − cᵢ)², an ill-conditioned bowl; grad = a(θ − c).
struct Bowl {
  Parameter p{Tensor::from_host({4, 1, 1, 1}, std::vector<float>{5, -3, 2, 0})};
  std::vector<float> a{1.f, 10.f, 0.1f, 3.f}, c{1.f, 2.f, -1.f, 0.5f};
  std::vector<NamedParameter> params() { return {{"theta", &p}}; }
  double gradient() {  // sets p.grad, returns f
    const auto th = p.value.host();
    std::vector<float> g(4);
    double f = 0;
    for (int i = 0; i < 4; ++i) {
      g[i] = a[i] * (th[i] - c[i]);
      f += 0.5 * a[i] * (th[i] - c[i]) * (th[i] - c[i]);
    }
    p.grad.copy_from(Tensor::from_host({4, 1, 1, 1}, g));
    return f;
  }
};

}  // namespace smlm::test
