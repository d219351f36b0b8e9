// Helpers for the layer tests: convolution options in one call, random parameter values.
#pragma once

#include "nn/layers/conv2d.h"
#include "tests/nn/gradient_check.h"

namespace smlm::test {

using namespace smlm::nn;

inline Conv2dOptions conv(int64_t in, int64_t out, int k, int stride = 1, int pad = 0, int dil = 1,
                          int groups = 1, bool bias = true, uint64_t seed = 1) {
  Conv2dOptions o;
  o.in_channels = in, o.out_channels = out, o.kernel = k, o.stride = stride, o.padding = pad;
  o.dilation = dil, o.groups = groups, o.bias = bias, o.seed = seed;
  return o;
}

// Biases start at zero; give them values so that their effect is exercised.
inline void randomize_parameters(Layer& l, unsigned seed) {
  for (auto& p : l.parameters())
    p.parameter->value.copy_from(random_tensor(p.parameter->value.shape(), seed++, -0.5f, 0.5f));
}

}  // namespace smlm::test
