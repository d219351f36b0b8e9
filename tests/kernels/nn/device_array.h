// Test helpers for the neural primitives: host vectors copied onto a device and back, random
// fills, the devices to parameterize over, and normalized error (ggml's test-backend-ops measure).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/device.h"
#include "kernels/nn/activation.h"
#include "kernels/nn/loss.h"
#include "kernels/nn/memory.h"
#include "kernels/nn/upsample.h"

// Readable test parameters in gtest's output (found by argument-dependent lookup).
namespace smlm::kernels {
inline void PrintTo(DeviceKind k, std::ostream* os) {
  *os << (k == DeviceKind::cpu ? "cpu" : "cuda");
}
namespace nn {
inline void PrintTo(Activation a, std::ostream* os) { *os << activation_name(a); }
inline void PrintTo(UpsampleMode m, std::ostream* os) { *os << upsample_mode_name(m); }
inline void PrintTo(LossKind k, std::ostream* os) { *os << static_cast<int>(k); }
}  // namespace nn
}  // namespace smlm::kernels

namespace smlm::test {

using kernels::Device;

// A float array in a device's memory, filled from and read back to host vectors.
class DeviceArray {
 public:
  DeviceArray(const Device& d, const std::vector<float>& host) : d_(d), n_(host.size()) {
    p_ = static_cast<float*>(kernels::nn::allocate_bytes(d, n_ * sizeof(float)));
    kernels::nn::copy_bytes(d, p_, Device::cpu(), host.data(), n_ * sizeof(float));
  }
  DeviceArray(const Device& d, size_t n, float value = 0.f)
      : DeviceArray(d, std::vector<float>(n, value)) {}
  ~DeviceArray() { kernels::nn::free_bytes(d_, p_); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  float* get() { return p_; }
  std::vector<float> host() const {
    std::vector<float> h(n_);
    kernels::nn::copy_bytes(Device::cpu(), h.data(), d_, p_, n_ * sizeof(float));
    return h;
  }

 private:
  Device d_;
  size_t n_;
  float* p_ = nullptr;
};

inline std::vector<float> random_vector(size_t n, unsigned seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(g);
  return v;
}

// Σ(a − b)² / Σb²: 0 for equal arrays, ~1e-14 for float rounding against a double reference.
inline double normalized_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return den > 0 ? num / den : num;
}

// The devices a parameterized test runs on; the CUDA case skips without a GPU.
inline std::vector<kernels::DeviceKind> test_device_kinds() {
  return {kernels::DeviceKind::cpu, kernels::DeviceKind::cuda};
}
inline std::string device_kind_name(const testing::TestParamInfo<kernels::DeviceKind>& i) {
  return i.param == kernels::DeviceKind::cpu ? "cpu" : "cuda";
}

}  // namespace smlm::test

// Declares `device` for the test's DeviceKind parameter, skipping the test when it is a GPU and
// none is present.
#define SMLM_TEST_DEVICE(device, kind)                                                          \
  if ((kind) == ::smlm::kernels::DeviceKind::cuda && ::smlm::kernels::cuda_device_count() == 0) \
    GTEST_SKIP() << "no CUDA device";                                                           \
  const ::smlm::kernels::Device device { (kind), 0 }
