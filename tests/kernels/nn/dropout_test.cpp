// Dropout on each device: the kept fraction, the 1/(1 − p) scale, reproducibility from the seed,
// fresh masks per call, and identical masks on the CPU and the GPU.
#include "kernels/nn/dropout.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;

class DropoutTest : public testing::TestWithParam<DeviceKind> {};

std::vector<float> mask(const kernels::Device& d, int64_t n, float p, uint64_t seed, uint64_t call,
                        std::vector<float>* y = nullptr) {
  const auto x = random_vector(n, 61, 0.5f, 1.5f);
  DeviceArray X(d, x), M(d, n), Y(d, n);
  kernels::nn::dropout_forward(d, n, p, seed, call, X.get(), M.get(), Y.get());
  if (y) {
    *y = Y.host();
    for (int64_t i = 0; i < n; ++i) (*y)[i] -= x[i] * M.host()[i];
  }
  return M.host();
}

TEST_P(DropoutTest, KeepsOneMinusPScaled) {
  SMLM_TEST_DEVICE(device, GetParam());
  const int64_t n = 100000;
  const float p = 0.3f;
  std::vector<float> diff;
  const auto m = mask(device, n, p, 7, 0, &diff);
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(m[i] == 0.f || std::fabs(m[i] - 1.f / (1.f - p)) < 1e-6f) << m[i];
    kept += m[i] != 0.f;
    ASSERT_EQ(diff[i], 0.f) << "y = x·mask";
  }
  // Binomial: sd = √(n p (1 − p)) ≈ 145; 5 sd.
  EXPECT_NEAR(double(kept), n * (1 - p), 725);
  EXPECT_EQ(mask(device, n, p, 7, 0), m) << "same seed and call, same mask";
  EXPECT_NE(mask(device, n, p, 7, 1), m) << "next call, new mask";
  EXPECT_NE(mask(device, n, p, 8, 0), m) << "other seed, other mask";
  for (float v : mask(device, 1000, 0.f, 1, 0)) EXPECT_EQ(v, 1.f);
  EXPECT_THROW(mask(device, 10, 1.f, 1, 0), Error);
}

TEST_P(DropoutTest, SameMaskOnEveryDevice) {
  SMLM_TEST_DEVICE(device, GetParam());
  EXPECT_EQ(mask(device, 5000, 0.5f, 42, 3), mask(kernels::Device::cpu(), 5000, 0.5f, 42, 3));
}

INSTANTIATE_TEST_SUITE_P(Devices, DropoutTest, testing::ValuesIn(test_device_kinds()),
                         device_kind_name);

}  // namespace
}  // namespace smlm::test
