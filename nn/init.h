// Weight initialization, seeded: values are drawn on the host from the Philox stream
// (seed, stream) of kernels/random.h and copied to the tensor's device, so a seed gives the same
// weights on every device and every run.
#pragma once

#include <cstdint>
#include <string>

#include "nn/tensor.h"

namespace smlm::nn {

enum class Init {
  he_normal,       // N(0, 2/fan_in): ReLU-family layers (Kaiming He et al. 2015)
  he_uniform,      // U(±√(6/fan_in))
  xavier_normal,   // N(0, 2/(fan_in + fan_out)) (Glorot & Bengio 2010)
  xavier_uniform,  // U(±√(6/(fan_in + fan_out)))
  torch_uniform,   // U(±1/√fan_in): PyTorch's default for Linear and Conv weights
                   // (kaiming_uniform_ with a = √5) and for their biases
  zeros,
};

std::string init_name(Init init);

// Fills t. fan_in and fan_out count the inputs and outputs of one unit (for a convolution
// weight (K, C/g, kh, kw): fan_in = C/g·kh·kw, fan_out = K·kh·kw).
void initialize(Tensor& t, Init init, int64_t fan_in, int64_t fan_out, uint64_t seed,
                uint64_t stream = 0);

}  // namespace smlm::nn
