// Linear over kernels/nn/linear: the input seen as (N, in_features), the output flat.
#include "nn/layers/linear.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/linear.h"
#include "nn/ops.h"

namespace smlm::nn {

namespace {

LinearOptions with(int64_t in, int64_t out, uint64_t seed) {
  LinearOptions o;
  o.in_features = in, o.out_features = out, o.seed = seed;
  return o;
}

}  // namespace

Linear::Linear(const LinearOptions& o) : opt_(o) {
  SMLM_CHECK(o.in_features > 0 && o.out_features > 0,
             "Linear: in_features and out_features must be positive");
  Tensor w(Shape{o.out_features, o.in_features, 1, 1});
  initialize(w, o.init, o.in_features, o.out_features, o.seed, 0);
  weight = Parameter(w);
  if (o.bias) {
    Tensor b(Shape{o.out_features, 1, 1, 1});
    initialize(b, o.bias_init, o.in_features, o.out_features, o.seed, 1);
    bias = Parameter(b);
  }
}

Linear::Linear(int64_t in_features, int64_t out_features, uint64_t seed)
    : Linear(with(in_features, out_features, seed)) {}

Tensor Linear::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(x.c() * x.h() * x.w() == opt_.in_features,
             describe() << ": input " << x.shape().str() << " does not hold " << opt_.in_features
                        << " features per sample");
  Tensor y(Shape{x.n(), opt_.out_features, 1, 1}, device_);
  kernels::nn::linear_forward(device_, x.n(), opt_.in_features, opt_.out_features, x.data(),
                              weight.value.data(), opt_.bias ? bias.value.data() : nullptr,
                              y.data());
  if (training) input_ = x;
  return y;
}

Tensor Linear::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  const int64_t n = input_.n();
  SMLM_CHECK(grad_out.n() == n && grad_out.numel() == n * opt_.out_features,
             describe() << ": gradient " << grad_out.shape().str() << " for input "
                        << input_.shape().str());
  Tensor dw(weight.value.shape(), device_);
  Tensor db = opt_.bias ? Tensor(bias.value.shape(), device_) : Tensor();
  kernels::nn::linear_backward_weights(device_, n, opt_.in_features, opt_.out_features,
                                       input_.data(), grad_out.data(), dw.data(),
                                       opt_.bias ? db.data() : nullptr);
  add_(weight.grad, dw);
  if (opt_.bias) add_(bias.grad, db);
  Tensor dx;
  if (opt_.input_grad) {
    dx = Tensor(input_.shape(), device_);
    kernels::nn::linear_backward_data(device_, n, opt_.in_features, opt_.out_features,
                                      grad_out.data(), weight.value.data(), dx.data());
  }
  input_ = Tensor();
  return dx;
}

std::string Linear::describe() const {
  std::ostringstream s;
  s << "Linear(" << opt_.in_features << ", " << opt_.out_features
    << ", bias=" << (opt_.bias ? "true" : "false") << ")";
  return s.str();
}

std::vector<std::pair<std::string, Parameter*>> Linear::own_parameters() {
  if (opt_.bias) return {{"weight", &weight}, {"bias", &bias}};
  return {{"weight", &weight}};
}

}  // namespace smlm::nn
