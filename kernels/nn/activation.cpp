// Activation functions on either device: the math of activation_math.h run by launch().
#include "kernels/nn/activation.h"

#include "kernels/nn/activation_math.h"
#include "kernels/nn/launch.h"

namespace smlm::kernels::nn {

namespace {

// The kind is a template parameter, so that each loop is branch-free and vectorizes.
template <Activation A>
struct Forward {
  float alpha;
  const float* x;
  float* y;
  SMLM_HD void operator()(int64_t i) const { y[i] = detail::activation_value(A, alpha, x[i]); }
};

template <Activation A>
struct Backward {
  float alpha;
  const float *x, *y, *dy;
  float* dx;
  SMLM_HD void operator()(int64_t i) const {
    dx[i] = dy[i] * detail::activation_slope(A, alpha, x[i], y[i]);
  }
};

// Calls f.template operator()<A>() for the runtime kind a.
template <class F>
void dispatch(Activation a, F&& f) {
  switch (a) {
    case Activation::relu:
      return f.template operator()<Activation::relu>();
    case Activation::elu:
      return f.template operator()<Activation::elu>();
    case Activation::leaky_relu:
      return f.template operator()<Activation::leaky_relu>();
    case Activation::sigmoid:
      return f.template operator()<Activation::sigmoid>();
    case Activation::tanh:
      return f.template operator()<Activation::tanh>();
    case Activation::softplus:
      return f.template operator()<Activation::softplus>();
    case Activation::identity:
      return f.template operator()<Activation::identity>();
  }
}

}  // namespace

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::relu:
      return "relu";
    case Activation::elu:
      return "elu";
    case Activation::leaky_relu:
      return "leaky_relu";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::softplus:
      return "softplus";
    case Activation::identity:
      return "identity";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  for (Activation a :
       {Activation::relu, Activation::elu, Activation::leaky_relu, Activation::sigmoid,
        Activation::tanh, Activation::softplus, Activation::identity})
    if (activation_name(a) == name) return a;
  throw Error("activation '" + name +
              "': expected relu, elu, leaky_relu, sigmoid, tanh, softplus or identity");
}

void activation_forward(const Device& d, Activation a, float alpha, int64_t n, const float* x,
                        float* y) {
  dispatch(a, [&]<Activation A>() { detail::launch(d, n, Forward<A>{alpha, x, y}); });
}

void activation_backward(const Device& d, Activation a, float alpha, int64_t n, const float* x,
                         const float* y, const float* dy, float* dx) {
  dispatch(a, [&]<Activation A>() { detail::launch(d, n, Backward<A>{alpha, x, y, dy, dx}); });
}

}  // namespace smlm::kernels::nn
