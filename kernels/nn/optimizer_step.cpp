// Optimizer updates as SMLM_HD functors, one pass over a parameter array.
#include "kernels/nn/optimizer_step.h"

#include <cmath>

#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

struct Sgd {
  float lr, mu, wd;
  float* p;
  const float* g;
  float* v;
  SMLM_HD void operator()(int64_t i) const {
    const float d = g[i] + wd * p[i];
    const float vi = mu * v[i] + d;
    v[i] = vi;
    p[i] -= lr * vi;
  }
};

struct Adam {
  float lr, b1, b2, eps, wd, c1, c2;  // c1, c2: 1/(1 − βᵗ)
  bool decoupled;
  float* p;
  const float* g;
  float *m, *v;
  SMLM_HD void operator()(int64_t i) const {
    float gi = g[i];
    if (decoupled)
      p[i] -= lr * wd * p[i];
    else
      gi += wd * p[i];
    const float mi = b1 * m[i] + (1.f - b1) * gi;
    const float vi = b2 * v[i] + (1.f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi * c1) / (sqrtf(vi * c2) + eps);
  }
};

}  // namespace

void sgd_step(const Device& d, int64_t n, float lr, float momentum, float weight_decay,
              float* param, const float* grad, float* velocity) {
  detail::launch(d, n, Sgd{lr, momentum, weight_decay, param, grad, velocity});
}

void adam_step(const Device& d, int64_t n, const AdamStep& s, float* param, const float* grad,
               float* m, float* v) {
  SMLM_CHECK(s.step >= 1, "adam_step: step counts from 1");
  const double t = static_cast<double>(s.step);
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(s.beta1), t)));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(s.beta2), t)));
  detail::launch(
      d, n,
      Adam{s.lr, s.beta1, s.beta2, s.eps, s.weight_decay, c1, c2, s.decoupled, param, grad, m, v});
}

}  // namespace smlm::kernels::nn
