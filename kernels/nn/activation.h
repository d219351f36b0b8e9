// Pointwise activation functions and their derivatives on either device. Arrays of n floats in
// the device's memory; y may alias x in the forward pass, dx may alias dy in the backward pass.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/device.h"

namespace smlm::kernels::nn {

enum class Activation {
  relu,        // max(x, 0)
  elu,         // x > 0 ? x : α(eˣ − 1)            (α = 1 usually)
  leaky_relu,  // x > 0 ? x : αx                    (α = 0.01 usually, DeepSTORM3D 0.2)
  sigmoid,     // 1 / (1 + e⁻ˣ)
  tanh,        // tanh x
  softplus,    // ln(1 + eˣ), computed without overflow
  identity,    // x
};

// "relu", "elu", … (the names parse_activation accepts).
std::string activation_name(Activation a);
Activation parse_activation(const std::string& name);

// y = f(x).
void activation_forward(const Device& device, Activation a, float alpha, int64_t n, const float* x,
                        float* y);
// dx = f'(x)·dy; needs the forward input x and output y.
void activation_backward(const Device& device, Activation a, float alpha, int64_t n, const float* x,
                         const float* y, const float* dy, float* dx);

}  // namespace smlm::kernels::nn
