// Tensor arithmetic for building losses and other custom computations: elementwise maps, sums,
// channel concatenation. Operands must share device and element count (shapes are taken from the
// first operand); results are new tensors on that device, except the in-place *_ forms.
#pragma once

#include <vector>

#include "nn/tensor.h"

namespace smlm::nn {

Tensor add(const Tensor& a, const Tensor& b);                             // a + b
Tensor sub(const Tensor& a, const Tensor& b);                             // a − b
Tensor mul(const Tensor& a, const Tensor& b);                             // a·b
Tensor axpby(float alpha, const Tensor& a, float beta, const Tensor& b);  // αa + βb
Tensor scale(const Tensor& a, float s);                                   // s·a
Tensor affine(const Tensor& a, float s, float t);                         // s·a + t
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);  // −1, 0, 1
Tensor square(const Tensor& a);
Tensor clamp(const Tensor& a, float lo, float hi);

// y += α·x.
void add_(Tensor& y, const Tensor& x, float alpha = 1.f);
// y *= s.
void scale_(Tensor& y, float s);

double sum(const Tensor& a);
double mean(const Tensor& a);
double sum_squares(const Tensor& a);
double dot(const Tensor& a, const Tensor& b);
bool all_finite(const Tensor& a);

// Concatenation along channels: the parts share n, h and w.
Tensor concat_channels(const std::vector<Tensor>& parts);
// The inverse: channel counts that sum to x.c().
std::vector<Tensor> split_channels(const Tensor& x, const std::vector<int64_t>& channels);

// Throws smlm::Error unless a and b are defined, on one device, with equal numel.
void check_compatible(const Tensor& a, const Tensor& b, const char* what);

}  // namespace smlm::nn
