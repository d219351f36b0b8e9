// Elementwise arithmetic and reductions over float arrays on either device: the building blocks of
// the layers, losses and optimizers in nn/. Pointers are in `device`'s memory; n counts floats.
// Outputs may alias inputs unless noted. Reductions return double on the host.
#pragma once

#include <cstdint>

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::kernels::nn {

// x[i] = value.
void fill(const Device& device, int64_t n, float* x, float value);
// y[i] = a·x[i] + b·y[i] (b = 0 ignores y's old contents, NaN included).
void axpby(const Device& device, int64_t n, float a, const float* x, float b, float* y);
// out[i] = a·x[i] + b·y[i].
void add(const Device& device, int64_t n, float a, const float* x, float b, const float* y,
         float* out);
// out[i] = x[i]·y[i].
void mul(const Device& device, int64_t n, const float* x, const float* y, float* out);
// out[i] = x[i]·y[i] + z[i].
void mul_add(const Device& device, int64_t n, const float* x, const float* y, const float* z,
             float* out);
// out[i] = a·x[i] + b (an affine map; a = 1, b = 0 copies).
void affine(const Device& device, int64_t n, const float* x, float a, float b, float* out);
// out[i] = |x[i]|, sign(x[i]) (0 at 0), x[i]², clamp(x[i], lo, hi).
void abs(const Device& device, int64_t n, const float* x, float* out);
void sign(const Device& device, int64_t n, const float* x, float* out);
void square(const Device& device, int64_t n, const float* x, float* out);
void clamp(const Device& device, int64_t n, const float* x, float lo, float hi, float* out);

// Σ x[i], Σ x[i]², Σ x[i]·y[i], Σ |x[i]|, max |x[i]|.
double sum(const Device& device, int64_t n, const float* x);
double sum_squares(const Device& device, int64_t n, const float* x);
double dot(const Device& device, int64_t n, const float* x, const float* y);
double sum_abs(const Device& device, int64_t n, const float* x);
// True when every x[i] is finite.
bool all_finite(const Device& device, int64_t n, const float* x);

// Per-channel bias over an NCHW tensor: y[n,c,:,:] += bias[c]; and its gradient
// db[c] = Σ_{n,h,w} dy[n,c,h,w] (overwritten).
void add_channel_bias(const Device& device, const Shape& shape, const float* bias, float* y);
void channel_sum(const Device& device, const Shape& shape, const float* dy, float* db);

// Channel-range copy between two NCHW tensors with the same n and plane (h·w): channels
// [src_c0, src_c0 + count) of src (src_channels in all) go to [dst_c0, dst_c0 + count) of dst
// (dst_channels in all), added to what is there when `accumulate`. Concatenation along channels is
// one call per part, its gradient the reverse calls.
void copy_channels(const Device& device, int64_t n, int64_t plane, const float* src,
                   int64_t src_channels, int64_t src_c0, float* dst, int64_t dst_channels,
                   int64_t dst_c0, int64_t count, bool accumulate = false);

}  // namespace smlm::kernels::nn
