// Deep-STORM's encoder–decoder as an nn::Sequential.
#include "localization/nets/deepstorm/net.h"

#include <numeric>

#include "core/error.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/upsample.h"

namespace smlm::localization::nets::deepstorm {

void NetConfig::validate() const {
  SMLM_CHECK(upsampling >= 1 && upsampling <= 16,
             "Deep-STORM upsampling must be in [1, 16], got " << upsampling);
  for (int w : widths)
    SMLM_CHECK(w >= 1 && w <= kMaxWidth,
               "Deep-STORM widths must be in [1, " << kMaxWidth << "], got " << w);
}

int NetConfig::size_multiple() const { return 8 / std::gcd(8, upsampling); }

std::unique_ptr<nn::Sequential> build_net(const NetConfig& c, uint64_t seed) {
  c.validate();
  auto net = std::make_unique<nn::Sequential>();
  uint64_t layer_seed = seed * 1000;
  auto block = [&](int in, int out, bool input_grad) {
    nn::Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = 3, o.padding = 1, o.bias = false;
    o.seed = ++layer_seed, o.input_grad = input_grad;
    net->emplace<nn::Conv2d>(o);
    net->emplace<nn::BatchNorm2d>(out);
    net->emplace<nn::Activation>(nn::ActivationKind::relu);
  };
  const auto& w = c.widths;
  if (c.upsampling > 1) net->emplace<nn::Upsample>(c.upsampling, nn::UpsampleMode::nearest);
  block(1, w[0], false);
  net->emplace<nn::MaxPool2d>(2);
  block(w[0], w[1], true);
  net->emplace<nn::MaxPool2d>(2);
  block(w[1], w[2], true);
  net->emplace<nn::MaxPool2d>(2);
  block(w[2], w[3], true);
  net->emplace<nn::Upsample>(2, nn::UpsampleMode::nearest);
  block(w[3], w[2], true);
  net->emplace<nn::Upsample>(2, nn::UpsampleMode::nearest);
  block(w[2], w[1], true);
  net->emplace<nn::Upsample>(2, nn::UpsampleMode::nearest);
  block(w[1], w[0], true);
  nn::Conv2dOptions last;
  last.in_channels = w[0], last.out_channels = 1, last.kernel = 1, last.padding = 0;
  last.seed = ++layer_seed;
  net->emplace<nn::Conv2d>(last);
  return net;
}

}  // namespace smlm::localization::nets::deepstorm
