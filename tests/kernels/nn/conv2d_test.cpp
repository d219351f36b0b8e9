// conv2d forward, backward data and backward filter on each device against the reference loops,
// over strides, padding, dilation, groups, one input or output channel and odd sizes.
#include "kernels/nn/conv2d.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "core/error.h"

#include "tests/kernels/nn/device_array.h"
#include "tests/kernels/nn/reference.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Conv2dDesc;
using kernels::nn::Shape;

struct Case {
  const char* name;
  Conv2dDesc desc;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Conv2dDesc make(Shape x, int64_t k, int kh, int kw, int s, int p, int dil = 1, int g = 1) {
  Conv2dDesc d;
  d.x = x;
  d.out_channels = k;
  d.kernel_h = kh, d.kernel_w = kw;
  d.stride_h = d.stride_w = s;
  d.pad_h = d.pad_w = p;
  d.dilation_h = d.dilation_w = dil;
  d.groups = g;
  return d;
}

std::vector<Case> cases() {
  Conv2dDesc nonsquare = make({2, 3, 9, 10}, 4, 3, 1, 1, 0);
  nonsquare.stride_w = 2, nonsquare.pad_h = 1, nonsquare.dilation_w = 1;
  return {
      {"basic", make({2, 3, 9, 8}, 4, 3, 3, 1, 1)},
      {"stride2", make({2, 4, 11, 10}, 5, 3, 3, 2, 1)},
      {"dilation2", make({1, 3, 12, 12}, 4, 3, 3, 1, 2, 2)},
      {"groups2", make({2, 4, 8, 8}, 6, 3, 3, 1, 1, 1, 2)},
      {"depthwise5x5", make({2, 4, 9, 9}, 4, 5, 5, 1, 2, 1, 4)},
      {"one_input_channel", make({3, 1, 16, 16}, 8, 3, 3, 1, 1)},
      {"one_output_channel_1x1", make({2, 8, 7, 7}, 1, 1, 1, 1, 0)},
      {"nonsquare", nonsquare},
      {"blur7x7", make({2, 1, 12, 12}, 1, 7, 7, 1, 3)},
      {"even_kernel_odd_size", make({2, 3, 7, 7}, 2, 2, 2, 2, 0)},
      {"wide32", make({2, 32, 12, 12}, 32, 3, 3, 1, 1)},
      {"odd_channels", make({2, 17, 6, 7}, 19, 3, 3, 1, 1)},
  };
}

class Conv2dTest : public testing::TestWithParam<std::tuple<DeviceKind, Case>> {};

// Float against a double reference: about 1e-14 in practice; TF32 on the GPU is switched off.
constexpr double kTol = 1e-10;

void check_against_reference(const kernels::Device& device, const Conv2dDesc& d) {
  const Shape ys = d.y();
  const auto x = random_vector(d.x.numel(), 1), w = random_vector(d.weight().numel(), 2);
  const auto b = random_vector(d.out_channels, 3), dy = random_vector(ys.numel(), 4);

  DeviceArray X(device, x), W(device, w), B(device, b), DY(device, dy);
  DeviceArray Y(device, ys.numel()), DX(device, x.size()), DW(device, w.size()),
      DB(device, b.size());

  kernels::nn::conv2d_forward(device, d, X.get(), W.get(), B.get(), Y.get());
  EXPECT_LT(normalized_error(Y.host(), reference::conv2d_forward(d, x, w, b)), kTol);
  kernels::nn::conv2d_forward(device, d, X.get(), W.get(), nullptr, Y.get());
  EXPECT_LT(normalized_error(Y.host(), reference::conv2d_forward(d, x, w, {})), kTol);

  kernels::nn::conv2d_backward_data(device, d, DY.get(), W.get(), DX.get());
  EXPECT_LT(normalized_error(DX.host(), reference::conv2d_backward_data(d, dy, w)), kTol);

  std::vector<float> db_ref;
  const auto dw_ref = reference::conv2d_backward_filter(d, x, dy, &db_ref);
  kernels::nn::conv2d_backward_filter(device, d, X.get(), DY.get(), DW.get(), DB.get());
  EXPECT_LT(normalized_error(DW.host(), dw_ref), kTol);
  EXPECT_LT(normalized_error(DB.host(), db_ref), kTol);
  kernels::nn::conv2d_backward_filter(device, d, X.get(), DY.get(), DW.get(), nullptr);
  EXPECT_LT(normalized_error(DW.host(), dw_ref), kTol);

  // The cached primitives serve new data at new addresses.
  const auto x2 = random_vector(d.x.numel(), 5);
  DeviceArray X2(device, x2), Y2(device, ys.numel());
  kernels::nn::conv2d_forward(device, d, X2.get(), W.get(), B.get(), Y2.get());
  EXPECT_LT(normalized_error(Y2.host(), reference::conv2d_forward(d, x2, w, b)), kTol);
}

TEST_P(Conv2dTest, MatchesReference) {
  const auto& [kind, c] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  kernels::nn::set_conv2d_allow_tf32(false);
  check_against_reference(device, c.desc);
  if (device.is_cuda()) {  // cudnnFind's choices too
    kernels::nn::set_conv2d_autotune(true);
    check_against_reference(device, c.desc);
    kernels::nn::set_conv2d_autotune(false);
  }
  kernels::nn::set_conv2d_allow_tf32(true);
}

// With TF32 allowed (the GPU default) results stay within TF32's ~1e-3 relative rounding.
TEST_P(Conv2dTest, Tf32StaysClose) {
  const auto& [kind, c] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  const Conv2dDesc& d = c.desc;
  const auto x = random_vector(d.x.numel(), 1), w = random_vector(d.weight().numel(), 2);
  DeviceArray X(device, x), W(device, w), Y(device, d.y().numel());
  kernels::nn::conv2d_forward(device, d, X.get(), W.get(), nullptr, Y.get());
  EXPECT_LT(normalized_error(Y.host(), reference::conv2d_forward(d, x, w, {})), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Devices, Conv2dTest,
                         testing::Combine(testing::ValuesIn(test_device_kinds()),
                                          testing::ValuesIn(cases())),
                         [](const auto& i) {
                           return std::string(std::get<0>(i.param) == DeviceKind::cpu ? "cpu"
                                                                                      : "cuda") +
                                  "_" + std::get<1>(i.param).name;
                         });

TEST(Conv2dDesc, ShapesAndValidation) {
  Conv2dDesc d = make({2, 4, 11, 10}, 6, 3, 3, 2, 1);
  EXPECT_EQ(d.y(), (Shape{2, 6, 6, 5}));
  EXPECT_EQ(d.weight(), (Shape{6, 4, 3, 3}));
  d.groups = 3;  // 4 channels do not split into 3 groups
  EXPECT_THROW(d.validate(), Error);
  d = make({1, 1, 2, 2}, 1, 5, 5, 1, 0);  // kernel larger than the input
  EXPECT_THROW(d.validate(), Error);
}

TEST(Conv2d, GpuWithoutCudaThrows) {
  if (kernels::cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const Conv2dDesc d = make({1, 1, 4, 4}, 1, 3, 3, 1, 1);
  std::vector<float> buf(16);
  EXPECT_THROW(kernels::nn::conv2d_forward(kernels::Device::cuda(0), d, buf.data(), buf.data(),
                                           nullptr, buf.data()),
               Error);
}

}  // namespace
}  // namespace smlm::test
