// Fully connected (linear) map on either device: y = x·Wᵀ + b for a batch of n row vectors.
// x is (n, in) and y (n, out), row-major; W is (out, in), row-major (PyTorch's layout); b holds
// out floats or is null. Everything in the device's memory; outputs are overwritten and must not
// alias inputs.
//
// The engine has no GEMM of its own (oneDNN and cuDNN serve the convolutions only), so these are
// SMLM_HD functors, one output element each, summing in a fixed order: right for the small fully
// connected heads they serve (smNet's, e.g. 4096 → 3), not tuned for large matrices.
#pragma once

#include <cstdint>

#include "kernels/device.h"

namespace smlm::kernels::nn {

// y = x·Wᵀ + b.
void linear_forward(const Device& device, int64_t n, int64_t in, int64_t out, const float* x,
                    const float* w, const float* b, float* y);
// dx = dy·W, (n, in).
void linear_backward_data(const Device& device, int64_t n, int64_t in, int64_t out, const float* dy,
                          const float* w, float* dx);
// dW = dyᵀ·x, (out, in); db = Σ over the batch of dy (out floats), skipped when db is null.
void linear_backward_weights(const Device& device, int64_t n, int64_t in, int64_t out,
                             const float* x, const float* dy, float* dw, float* db);

}  // namespace smlm::kernels::nn
