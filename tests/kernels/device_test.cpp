#include "kernels/device.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::kernels {
namespace {

TEST(Device, CpuAlwaysThere) {
  EXPECT_EQ(parse_device("cpu").kind, DeviceKind::cpu);
  EXPECT_EQ(Device::cpu().name(), "cpu");
  EXPECT_GE(cuda_device_count(), 0);  // never throws, even without a driver
}

TEST(Device, RejectsUnknownDevices) {
  EXPECT_THROW(parse_device("tpu"), Error);
  EXPECT_THROW(parse_device("cuda:x"), Error);
  if (cuda_device_count() == 0) {
    EXPECT_THROW(parse_device("cuda"), Error);
  }
}

TEST(ParallelFor, ThreadCountIsClampedToFourPerHardwareThread) {
  const int before = kernels::cpu_threads();
  const int max = kernels::max_cpu_threads();
  EXPECT_GE(max, kernels::kMaxThreadsPerCore);
  kernels::set_cpu_threads(100000);  // libgomp crashed (>= 65535) or failed (>= 32768)
  EXPECT_EQ(kernels::cpu_threads(), max);
  kernels::set_cpu_threads(1);
  EXPECT_EQ(kernels::cpu_threads(), 1);
  kernels::set_cpu_threads(before);
}

TEST(ParallelFor, VisitsEveryIndexOnce) {
  std::vector<int> hits(10007, 0);
  parallel_for(static_cast<int64_t>(hits.size()), [&](int64_t i) { hits[i] += 1; });
  for (int h : hits) ASSERT_EQ(h, 1);
}

}  // namespace
}  // namespace smlm::kernels
