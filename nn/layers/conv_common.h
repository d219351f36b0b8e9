// What Conv2d and ConvTranspose2d share: the channel/group check, the square-kernel convolution
// descriptor (ConvTranspose2d runs the adjoint of one), the weight and bias they start from, and
// their parameter list. Internal to nn/layers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/nn/conv2d.h"
#include "nn/init.h"
#include "nn/parameter.h"

namespace smlm::nn::detail {

// The geometry of a square-kernel convolution.
struct ConvGeometry {
  int kernel, stride, padding, dilation, groups;
};

// Throws smlm::Error naming `layer` unless both channel counts split into the groups.
void check_groups(const char* layer, int64_t in_channels, int64_t out_channels, int groups);

// The convolution of an input of shape x to out_channels channels with geometry g.
kernels::nn::Conv2dDesc conv_desc(const Shape& x, int64_t out_channels, const ConvGeometry& g);

// weight: a tensor of shape ws initialized by `init` from Philox stream (seed, 0), fan-in
// ws.c·k², fan-out ws.n·k²; bias: zeros of (out_channels, 1, 1, 1) when has_bias.
void init_weight_and_bias(const Shape& ws, int kernel, Init init, uint64_t seed, bool has_bias,
                          int64_t out_channels, Parameter& weight, Parameter& bias);

// {"weight", &weight} and, when has_bias, {"bias", &bias}.
std::vector<std::pair<std::string, Parameter*>> weight_and_bias(Parameter& weight, Parameter& bias,
                                                                bool has_bias);

}  // namespace smlm::nn::detail
