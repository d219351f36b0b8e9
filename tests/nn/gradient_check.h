// Finite-difference checks of a Layer's backward pass: L = Σ r·forward(x) for a fixed random r;
// ∂L/∂x and ∂L/∂θ from backward(r) against central differences (L(v + ε) − L(v − ε))/2ε in float,
// compared by the relative L2 error over each tensor.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace smlm::test {

using nn::Layer;
using nn::Tensor;

inline Tensor random_tensor(const nn::Shape& s, unsigned seed, float lo = -1.f, float hi = 1.f,
                            const nn::Device& d = nn::Device::cpu()) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(s.numel()));
  for (float& x : v) x = u(g);
  return Tensor::from_host(s, v, d);
}

struct GradientCheckOptions {
  float eps = 1e-2f;
  double tolerance = 5e-3;  // relative L2 error allowed per tensor
  int max_entries = 40;     // entries per tensor checked (a random subset beyond this)
  // Called before every forward pass (e.g. to replay a dropout mask).
  std::function<void()> before_forward;
};

namespace detail {

inline double objective(Layer& layer, const Tensor& x, const std::vector<float>& r,
                        const GradientCheckOptions& o) {
  if (o.before_forward) o.before_forward();
  const auto y = layer.forward(x, true).host();
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += double(y[i]) * r[i];
  return s;
}

inline std::vector<size_t> entries(size_t n, int max, unsigned seed) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  if (n > size_t(max)) {
    std::mt19937 g(seed);
    std::shuffle(idx.begin(), idx.end(), g);
    idx.resize(max);
  }
  return idx;
}

// Compares analytic with central differences of f over the chosen entries of t.
inline void compare(const std::string& what, Tensor& t, const std::vector<float>& analytic,
                    const std::function<double()>& f, const GradientCheckOptions& o) {
  std::vector<float> v = t.host();
  double num = 0, den = 0;
  for (size_t i : entries(v.size(), o.max_entries, 17)) {
    const float orig = v[i];
    v[i] = orig + o.eps;
    t.copy_from(Tensor::from_host(t.shape(), v));
    const double plus = f();
    v[i] = orig - o.eps;
    t.copy_from(Tensor::from_host(t.shape(), v));
    const double minus = f();
    v[i] = orig;
    t.copy_from(Tensor::from_host(t.shape(), v));
    const double fd = (plus - minus) / (2.0 * o.eps);
    num += (analytic[i] - fd) * (analytic[i] - fd);
    den += fd * fd;
  }
  const double err = std::sqrt(num / std::max(den, 1e-20));
  EXPECT_LT(err, o.tolerance) << what << ": relative error of the gradient (|fd|² = " << den << ")";
  EXPECT_GT(den, 1e-12) << what << ": the gradient is (nearly) zero, the check is vacuous";
}

}  // namespace detail

// Checks ∂L/∂x (unless the layer returns none) and every parameter's gradient.
inline void check_gradients(Layer& layer, const Tensor& x, const GradientCheckOptions& o = {}) {
  layer.zero_grad();
  if (o.before_forward) o.before_forward();
  const Tensor y = layer.forward(x, true);
  std::vector<float> r = random_tensor(y.shape(), 99).host();
  const Tensor dx = layer.backward(Tensor::from_host(y.shape(), r, y.device()));
  Tensor xv = x.clone();
  auto f = [&] { return detail::objective(layer, xv, r, o); };
  if (dx.defined()) {
    ASSERT_EQ(dx.shape(), x.shape());
    detail::compare("input", xv, dx.host(), f, o);
  }
  for (auto& p : layer.parameters())
    detail::compare(p.name, p.parameter->value, p.parameter->grad.host(), f, o);
}

}  // namespace smlm::test
