// Device memory: copies between devices, and the cache of freed blocks that serves repeated sizes.
#include "kernels/nn/memory.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kernels/nn/device_array.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;

class MemoryTest : public testing::TestWithParam<DeviceKind> {};

TEST_P(MemoryTest, FreedBlocksAreReused) {
  SMLM_TEST_DEVICE(device, GetParam());
  namespace k = kernels::nn;
  k::release_cached_memory(device);
  EXPECT_EQ(k::cached_bytes(device), 0u);
  void* a = k::allocate_bytes(device, 100000);
  k::free_bytes(device, a);
  EXPECT_GE(k::cached_bytes(device), 100000u);
  void* b = k::allocate_bytes(device, 99000);  // rounds to the same size class
  EXPECT_EQ(a, b);
  void* c = k::allocate_bytes(device, 100000);  // the cache is empty again: a new block
  EXPECT_NE(c, b);
  k::free_bytes(device, b);
  k::free_bytes(device, c);
  k::release_cached_memory(device);
  EXPECT_EQ(k::cached_bytes(device), 0u);
  EXPECT_EQ(k::allocate_bytes(device, 0), nullptr);
}

TEST_P(MemoryTest, CopiesBetweenDevices) {
  SMLM_TEST_DEVICE(device, GetParam());
  const std::vector<float> v{1, 2, 3, 4, 5};
  DeviceArray a(device, v), b(device, v.size());
  kernels::nn::copy_bytes(device, b.get(), device, a.get(), v.size() * sizeof(float));
  kernels::nn::synchronize(device);
  EXPECT_EQ(b.host(), v);
}

INSTANTIATE_TEST_SUITE_P(Devices, MemoryTest, testing::ValuesIn(test_device_kinds()),
                         device_kind_name);

}  // namespace
}  // namespace smlm::test
