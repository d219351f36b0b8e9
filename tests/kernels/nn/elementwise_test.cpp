// Elementwise arithmetic, reductions, channel bias and channel copies (concatenation) on each
// device against host arithmetic.
#include "kernels/nn/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Shape;

class ElementwiseTest : public testing::TestWithParam<DeviceKind> {};

TEST_P(ElementwiseTest, Arithmetic) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 10007;  // several CPU blocks, a ragged end
  const auto x = random_vector(n, 51), y = random_vector(n, 52), z = random_vector(n, 53);
  DeviceArray X(device, x), Y(device, y), Z(device, z), O(device, n);
  namespace k = kernels::nn;
  auto check = [&](auto&& want, const char* what) {
    const auto o = O.host();
    for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(o[i], want(i), 1e-6) << what << " at " << i;
  };
  k::add(device, n, 2.f, X.get(), -3.f, Y.get(), O.get());
  check([&](int64_t i) { return 2.0 * x[i] - 3.0 * y[i]; }, "add");
  k::mul(device, n, X.get(), Y.get(), O.get());
  check([&](int64_t i) { return double(x[i]) * y[i]; }, "mul");
  k::mul_add(device, n, X.get(), Y.get(), Z.get(), O.get());
  check([&](int64_t i) { return double(x[i]) * y[i] + z[i]; }, "mul_add");
  k::affine(device, n, X.get(), 0.5f, 1.f, O.get());
  check([&](int64_t i) { return 0.5 * x[i] + 1.0; }, "affine");
  k::abs(device, n, X.get(), O.get());
  check([&](int64_t i) { return std::fabs(x[i]); }, "abs");
  k::sign(device, n, X.get(), O.get());
  check([&](int64_t i) { return x[i] > 0 ? 1.0 : -1.0; }, "sign");
  k::square(device, n, X.get(), O.get());
  check([&](int64_t i) { return double(x[i]) * x[i]; }, "square");
  k::clamp(device, n, X.get(), -0.5f, 0.25f, O.get());
  check([&](int64_t i) { return std::min(0.25, std::max(-0.5, double(x[i]))); }, "clamp");
  k::fill(device, n, O.get(), std::numeric_limits<float>::quiet_NaN());
  k::axpby(device, n, 3.f, X.get(), 0.f, O.get());  // b = 0 ignores the NaN
  check([&](int64_t i) { return 3.0 * x[i]; }, "axpby b=0");
  k::axpby(device, n, 1.f, Y.get(), 2.f, O.get());
  check([&](int64_t i) { return 6.0 * x[i] + y[i]; }, "axpby");
}

TEST_P(ElementwiseTest, Reductions) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 20001;
  const auto x = random_vector(n, 54), y = random_vector(n, 55);
  DeviceArray X(device, x), Y(device, y);
  double s = 0, s2 = 0, d = 0, a = 0;
  for (int64_t i = 0; i < n; ++i)
    s += x[i], s2 += double(x[i]) * x[i], d += double(x[i]) * y[i], a += std::fabs(x[i]);
  namespace k = kernels::nn;
  EXPECT_NEAR(k::sum(device, n, X.get()), s, 1e-9);
  EXPECT_NEAR(k::sum_squares(device, n, X.get()), s2, 1e-9);
  EXPECT_NEAR(k::dot(device, n, X.get(), Y.get()), d, 1e-9);
  EXPECT_NEAR(k::sum_abs(device, n, X.get()), a, 1e-9);
  EXPECT_TRUE(k::all_finite(device, n, X.get()));
  auto bad = x;
  bad[n / 2] = std::numeric_limits<float>::infinity();
  DeviceArray B(device, bad);
  EXPECT_FALSE(k::all_finite(device, n, B.get()));
  EXPECT_EQ(k::sum(device, 0, X.get()), 0.0);
}

TEST_P(ElementwiseTest, ChannelBiasAndSum) {
  SMLM_TEST_DEVICE(device, GetParam());
  const Shape s{3, 4, 5, 2};
  const auto y = random_vector(s.numel(), 56);
  const std::vector<float> b{1.f, -2.f, 3.f, 0.5f};
  DeviceArray Y(device, y), B(device, b), S(device, 4);
  kernels::nn::add_channel_bias(device, s, B.get(), Y.get());
  const auto out = Y.host();
  std::vector<double> sums(4, 0.0);
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t c = (i / s.plane()) % s.c;
    EXPECT_NEAR(out[i], y[i] + b[c], 1e-6);
    sums[c] += out[i];
  }
  kernels::nn::channel_sum(device, s, Y.get(), S.get());
  const auto got = S.host();
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(got[c], sums[c], 1e-4);
}

TEST_P(ElementwiseTest, CopyChannelsConcatenatesAndSplits) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 2, plane = 6, ca = 3, cb = 2, cc = ca + cb;
  const auto a = random_vector(n * ca * plane, 57), b = random_vector(n * cb * plane, 58);
  DeviceArray A(device, a), B(device, b), C(device, n * cc * plane);
  namespace k = kernels::nn;
  k::copy_channels(device, n, plane, A.get(), ca, 0, C.get(), cc, 0, ca);
  k::copy_channels(device, n, plane, B.get(), cb, 0, C.get(), cc, ca, cb);
  const auto c = C.host();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < cc; ++ch)
      for (int64_t p = 0; p < plane; ++p) {
        const float want =
            ch < ca ? a[(i * ca + ch) * plane + p] : b[(i * cb + ch - ca) * plane + p];
        EXPECT_EQ(c[(i * cc + ch) * plane + p], want);
      }
  // Split back with accumulation: B += its slice of C, so B doubles.
  k::copy_channels(device, n, plane, C.get(), cc, ca, B.get(), cb, 0, cb, true);
  const auto b2 = B.host();
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b2[i], 2 * b[i]);
  EXPECT_THROW(k::copy_channels(device, n, plane, A.get(), ca, 2, C.get(), cc, 0, 2), Error);
}

INSTANTIATE_TEST_SUITE_P(Devices, ElementwiseTest, testing::ValuesIn(test_device_kinds()),
                         device_kind_name);

}  // namespace
}  // namespace smlm::test
