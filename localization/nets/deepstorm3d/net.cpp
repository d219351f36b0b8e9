// DeepSTORM3D's net as an nn::Graph (concatenations of the raw input, residual sums).
#include "localization/nets/deepstorm3d/net.h"

#include "core/error.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/upsample.h"

namespace smlm::localization::nets::deepstorm3d {

void NetConfig::validate() const {
  SMLM_CHECK(width >= 1 && width <= kMaxWidth,
             "DeepSTORM3D width must be in [1, " << kMaxWidth << "], got " << width);
  SMLM_CHECK(slices >= 1 && slices <= kMaxSlices,
             "DeepSTORM3D slices must be in [1, " << kMaxSlices << "], got " << slices);
  SMLM_CHECK(upsampling == 1 || upsampling == 2 || upsampling == 4,
             "DeepSTORM3D upsampling must be 1, 2 or 4, got " << upsampling);
}

std::unique_ptr<nn::Graph> build_net(const NetConfig& c, uint64_t seed) {
  c.validate();
  auto g = std::make_unique<nn::Graph>();
  uint64_t layer_seed = seed * 1000;
  // 3×3 conv → LeakyReLU(0.2) → BatchNorm, as the published Conv2DLeakyReLUBN.
  auto layer = [&](int input, int in, int out, int dilation, bool input_grad = true) {
    nn::Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = 3, o.padding = dilation;
    o.dilation = dilation, o.seed = ++layer_seed, o.input_grad = input_grad;
    int n = g->emplace<nn::Conv2d>(input, o);
    n = g->emplace<nn::Activation>(n, nn::ActivationKind::leaky_relu, 0.2f);
    return g->emplace<nn::BatchNorm2d>(n, out);
  };
  const int f = c.width, d = c.slices;
  const int x0 = g->emplace<nn::BatchNorm2d>(nn::Graph::kInput, 1);
  int h = layer(x0, 1, f, 1);
  for (int dilation : {1, 2, 4, 8, 16}) {
    const int cat = g->concat({h, x0});
    h = g->sum({layer(cat, f + 1, f, dilation), h});
  }
  int u = g->concat({h, x0});
  int channels = f + 1;
  for (int s = c.upsampling; s > 1; s /= 2) {
    u = g->emplace<nn::Upsample>(u, 2, nn::UpsampleMode::nearest);
    u = layer(u, channels, f, 1);
    channels = f;
  }
  int v = layer(u, channels, d, 1);
  v = g->sum({layer(v, d, d, 1), v});
  v = g->sum({layer(v, d, d, 1), v});
  nn::Conv2dOptions last;
  last.in_channels = d, last.out_channels = d, last.kernel = 1, last.padding = 0;
  last.seed = ++layer_seed;
  last.init = nn::Init::zeros;  // the volume starts empty: no transient of huge false spikes
  g->emplace<nn::Conv2d>(v, last);
  return g;
}

}  // namespace smlm::localization::nets::deepstorm3d
