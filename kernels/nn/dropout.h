// Inverted dropout on either device: each element is kept with probability 1 − p and scaled by
// 1/(1 − p), else zeroed. The decision for element i of call `call` is a pure function of
// (seed, call, i) through Philox (kernels/random.h), so the CPU and the GPU drop the same elements.
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

// mask[i] = kept ? 1/(1 − p) : 0 and y[i] = x[i]·mask[i]; 0 ≤ p < 1. Arrays of n floats.
void dropout_forward(const Device& device, int64_t n, float p, uint64_t seed, uint64_t call,
                     const float* x, float* mask, float* y);

}  // namespace smlm::kernels::nn
