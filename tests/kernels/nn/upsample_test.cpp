// Nearest and bilinear upsampling on each device: values against direct formulas, and the
// backward pass as the exact adjoint of the forward pass (⟨up(x), dy⟩ = ⟨x, up*(dy)⟩).
#include "kernels/nn/upsample.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Shape;
using kernels::nn::UpsampleMode;

// PyTorch's align_corners=False bilinear interpolation, in double.
double bilinear(const std::vector<float>& x, const Shape& s, int64_t nc, int f, int64_t oy,
                int64_t ox) {
  auto src = [&](int64_t o, int64_t size, int64_t& i0, int64_t& i1, double& t) {
    const double c = std::max(0.0, (o + 0.5) / f - 0.5);
    i0 = std::min<int64_t>(int64_t(c), size - 1);
    i1 = std::min<int64_t>(i0 + 1, size - 1);
    t = c - i0;
  };
  int64_t y0, y1, x0, x1;
  double ty, tx;
  src(oy, s.h, y0, y1, ty);
  src(ox, s.w, x0, x1, tx);
  auto v = [&](int64_t yy, int64_t xx) { return double(x[(nc * s.h + yy) * s.w + xx]); };
  return (1 - ty) * ((1 - tx) * v(y0, x0) + tx * v(y0, x1)) +
         ty * ((1 - tx) * v(y1, x0) + tx * v(y1, x1));
}

// Forward values against the formulas, and the backward pass as the forward pass's adjoint.
void expect_forward_and_adjoint(const kernels::Device& device, UpsampleMode mode, int f,
                                const Shape& s) {
  const int64_t ny = s.numel() * f * f, oh = s.h * f, ow = s.w * f;
  const auto x = random_vector(s.numel(), 41), dy = random_vector(ny, 42);
  DeviceArray X(device, x), Y(device, ny), DY(device, dy), DX(device, x.size());
  kernels::nn::upsample_forward(device, mode, f, s, X.get(), Y.get());
  kernels::nn::upsample_backward(device, mode, f, s, DY.get(), DX.get());
  const auto y = Y.host(), dx = DX.host();
  for (int64_t i = 0; i < ny; ++i) {
    const int64_t ox = i % ow, oy = (i / ow) % oh, nc = i / (ow * oh);
    const double want = mode == UpsampleMode::nearest ? x[(nc * s.h + oy / f) * s.w + ox / f]
                                                      : bilinear(x, s, nc, f, oy, ox);
    ASSERT_NEAR(y[i], want, 1e-6) << "output " << i;
  }
  double lhs = 0, rhs = 0;
  for (int64_t i = 0; i < ny; ++i) lhs += double(y[i]) * dy[i];
  for (int64_t i = 0; i < s.numel(); ++i) rhs += double(x[i]) * dx[i];
  EXPECT_NEAR(lhs, rhs, 1e-5 * std::max(1.0, std::fabs(lhs)));
}

class UpsampleTest : public testing::TestWithParam<std::tuple<DeviceKind, UpsampleMode, int>> {};

TEST_P(UpsampleTest, ForwardAndAdjoint) {
  const auto& [kind, mode, f] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  expect_forward_and_adjoint(device, mode, f, Shape{2, 3, 5, 4});
}

// Rows wider than the SIMD width and not a multiple of it, an odd number of them.
TEST_P(UpsampleTest, WideOddRows) {
  const auto& [kind, mode, f] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  expect_forward_and_adjoint(device, mode, f, Shape{2, 2, 3, 13});
}

INSTANTIATE_TEST_SUITE_P(Devices, UpsampleTest,
                         testing::Combine(testing::ValuesIn(test_device_kinds()),
                                          testing::Values(UpsampleMode::nearest,
                                                          UpsampleMode::bilinear),
                                          testing::Values(1, 2, 3, 4, 8)),
                         [](const auto& i) {
                           return std::string(std::get<0>(i.param) == DeviceKind::cpu ? "cpu"
                                                                                      : "cuda") +
                                  "_" + kernels::nn::upsample_mode_name(std::get<1>(i.param)) +
                                  "_x" + std::to_string(std::get<2>(i.param));
                         });

}  // namespace
}  // namespace smlm::test
