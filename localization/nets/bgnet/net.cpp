// BGNet's U-Net as an nn::Graph.
#include "localization/nets/bgnet/net.h"

#include "core/error.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/upsample.h"

namespace smlm::localization::nets::bgnet {

void NetConfig::validate() const {
  SMLM_CHECK(width >= 1 && width <= kMaxWidth,
             "BGNet width must be in [1, " << kMaxWidth << "], got " << width);
}

std::unique_ptr<nn::Graph> build_net(const NetConfig& c, uint64_t seed) {
  c.validate();
  auto g = std::make_unique<nn::Graph>();
  uint64_t layer_seed = seed * 1000;
  auto block = [&](int input, int in, int out, bool input_grad = true) {
    nn::Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = 3, o.padding = 1;
    o.seed = ++layer_seed, o.input_grad = input_grad;
    int n = g->emplace<nn::Conv2d>(input, o);
    n = g->emplace<nn::BatchNorm2d>(n, out);
    return g->emplace<nn::Activation>(n, nn::ActivationKind::relu);
  };
  const int f = c.width;
  const int e0 = block(block(nn::Graph::kInput, 1, f, /*input_grad=*/false), f, f);
  const int e1 = block(block(g->emplace<nn::MaxPool2d>(e0, 2), f, 2 * f), 2 * f, 2 * f);
  const int b = block(block(g->emplace<nn::MaxPool2d>(e1, 2), 2 * f, 8 * f), 8 * f, 8 * f);
  const int u1 = g->emplace<nn::Upsample>(b, 2, nn::UpsampleMode::nearest);
  const int d1 = block(block(g->concat({u1, e1}), 8 * f + 2 * f, 2 * f), 2 * f, 2 * f);
  const int u0 = g->emplace<nn::Upsample>(d1, 2, nn::UpsampleMode::nearest);
  const int d0 = block(block(g->concat({u0, e0}), 2 * f + f, f), f, f);
  nn::Conv2dOptions last;
  last.in_channels = f, last.out_channels = 1, last.kernel = 1, last.padding = 0;
  last.seed = ++layer_seed;
  g->emplace<nn::Conv2d>(d0, last);
  return g;
}

}  // namespace smlm::localization::nets::bgnet
