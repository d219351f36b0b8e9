// Shared pieces of the convolution layers (nn/layers/conv_common.h).
#include "nn/layers/conv_common.h"

#include "core/error.h"

namespace smlm::nn::detail {

void check_groups(const char* layer, int64_t in_channels, int64_t out_channels, int groups) {
  SMLM_CHECK(in_channels > 0 && out_channels > 0 && groups > 0 && in_channels % groups == 0 &&
                 out_channels % groups == 0,
             layer << ": " << in_channels << " -> " << out_channels
                   << " channels do not split into " << groups << " groups");
}

kernels::nn::Conv2dDesc conv_desc(const Shape& x, int64_t out_channels, const ConvGeometry& g) {
  kernels::nn::Conv2dDesc d;
  d.x = x;
  d.out_channels = out_channels;
  d.kernel_h = d.kernel_w = g.kernel;
  d.stride_h = d.stride_w = g.stride;
  d.pad_h = d.pad_w = g.padding;
  d.dilation_h = d.dilation_w = g.dilation;
  d.groups = g.groups;
  return d;
}

void init_weight_and_bias(const Shape& ws, int kernel, Init init, uint64_t seed, bool has_bias,
                          int64_t out_channels, Parameter& weight, Parameter& bias) {
  Tensor w(ws);
  initialize(w, init, ws.c * kernel * kernel, ws.n * kernel * kernel, seed, 0);
  weight = Parameter(w);
  if (has_bias) bias = Parameter(Tensor::zeros(Shape{out_channels, 1, 1, 1}));
}

std::vector<std::pair<std::string, Parameter*>> weight_and_bias(Parameter& weight, Parameter& bias,
                                                                bool has_bias) {
  if (has_bias) return {{"weight", &weight}, {"bias", &bias}};
  return {{"weight", &weight}};
}

}  // namespace smlm::nn::detail
