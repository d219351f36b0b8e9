// Deep-STORM's net: output shapes for the published and a small configuration, the size multiple,
// the layer sequence, and settings that must be refused.
#include <gtest/gtest.h>

#include "core/error.h"
#include "localization/nets/deepstorm/model.h"
#include "localization/nets/deepstorm/net.h"
#include "localization/nets/deepstorm/trainer.h"
#include "nn/tensor.h"
#include "tests/test_util.h"

namespace smlm::localization::nets::deepstorm {
namespace {

TEST(DeepStormNet, PublishedArchitectureShapes) {
  NetConfig c;  // upsampling 8, widths 32, 64, 128, 512
  auto net = build_net(c, 1);
  const nn::Tensor x = nn::Tensor::full({2, 1, 4, 6}, 0.5f);
  const nn::Tensor y = net->forward(x, false);
  EXPECT_EQ(y.n(), 2);
  EXPECT_EQ(y.c(), 1);
  EXPECT_EQ(y.h(), 32);
  EXPECT_EQ(y.w(), 48);
  const std::string a = net->architecture();
  EXPECT_NE(a.find("Upsample"), std::string::npos) << a;
  EXPECT_NE(a.find("Conv2d(1, 32"), std::string::npos) << a;
  EXPECT_NE(a.find("Conv2d(128, 512"), std::string::npos) << a;
  EXPECT_NE(a.find("Conv2d(512, 128"), std::string::npos) << a;
  EXPECT_NE(a.find("Conv2d(32, 1, kernel=1"), std::string::npos) << a;
  // Weights: 9·(32 + 32·64 + 64·128 + 128·512 + 512·128 + 128·64 + 64·32) + 32 + 1 for the
  // convolutions, 2·(32 + 64 + 128 + 512 + 128 + 64 + 32) for the BatchNorms.
  const int64_t conv = 9 * (32 + 32 * 64 + 64 * 128 + 128 * 512 + 512 * 128 + 128 * 64 + 64 * 32);
  EXPECT_EQ(net->parameter_count(), conv + 33 + 2 * (32 + 64 + 128 + 512 + 128 + 64 + 32));
}

TEST(DeepStormNet, SmallConfigurationShapes) {
  NetConfig c;
  c.upsampling = 4;
  c.widths = {8, 16, 32, 128};
  EXPECT_EQ(c.size_multiple(), 2);
  auto net = build_net(c, 3);
  const nn::Tensor y = net->forward(nn::Tensor::zeros({1, 1, 16, 10}), true);
  EXPECT_EQ(y.h(), 64);
  EXPECT_EQ(y.w(), 40);
  // The training backward pass stops at the first convolution (no input gradient).
  const nn::Tensor g = net->backward(nn::Tensor::full(y.shape(), 1.f));
  EXPECT_FALSE(g.defined());
}

TEST(DeepStormNet, SizeMultipleFollowsUpsampling) {
  NetConfig c;
  const int expected[] = {8, 8, 4, 8, 2, 8, 4, 8, 1, 8, 4, 8, 2, 8, 4, 8, 1};
  for (int u = 1; u <= 16; ++u) {
    c.upsampling = u;
    EXPECT_EQ(c.size_multiple(), expected[u]) << "upsampling " << u;
    EXPECT_EQ((c.size_multiple() * u) % 8, 0);
  }
}

TEST(DeepStormNet, RejectsImpossibleSettings) {
  NetConfig c;
  c.upsampling = 0;
  EXPECT_THROW(c.validate(), Error);
  c.upsampling = 4;
  c.widths[2] = 0;
  EXPECT_THROW(build_net(c, 1), Error);
  c.widths[2] = 100000;  // checked before 100000² weights are allocated
  EXPECT_NE(test::error_of([&] { build_net(c, 1); }).find("widths must be in [1, 4096]"),
            std::string::npos);
}

TEST(DeepStormNet, TrainingSizesAreBoundedBeforeAllocating) {
  TrainSettings s;
  s.net.upsampling = 4;
  s.net.widths = {16, 32, 64, 256};
  s.data.patch = 16;
  EXPECT_NO_THROW(s.validate());
  s.batch = 100000;
  EXPECT_NE(test::error_of([&] { s.validate(); }).find("batch must be in [1, 4096]"),
            std::string::npos);
  s.batch = 4000;
  s.data.patch = 128;
  EXPECT_NE(test::error_of([&] { s.validate(); }).find("GB of activations"), std::string::npos);
}

TEST(DeepStormModel, SettingsFromAFileAreRangeChecked) {
  NetConfig c;
  c.upsampling = 4;
  c.widths = {4, 4, 4, 4};
  Model m(c, 1);
  m.norm.std = 1;
  const nn::Attributes good = model_attributes(m);
  EXPECT_NO_THROW(model_from_attributes(good));
  const std::pair<const char*, nn::AttributeValue> bad[] = {
      {"width1", int64_t{1} << 40}, {"upsampling", 1e9},     {"patch", -3.0},
      {"psf_sigma_nm", -1.0},       {"norm_mean", INFINITY}, {"qe", 7.0}};
  for (const auto& [key, value] : bad) {
    nn::Attributes a = good;
    a[key] = value;
    const std::string msg = test::error_of([&] { model_from_attributes(a); });
    EXPECT_FALSE(msg.empty()) << key;
  }
  nn::Attributes a = good;
  a["width1"] = int64_t{1} << 40;
  EXPECT_NE(test::error_of([&] { model_from_attributes(a); }).find("'width1'"), std::string::npos);
}

}  // namespace
}  // namespace smlm::localization::nets::deepstorm
