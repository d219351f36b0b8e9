// Tensor: construction, host round trips, shared and cloned storage, reshapes, device moves.
#include "nn/tensor.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "kernels/device.h"
#include "nn/ops.h"

namespace smlm::test {
namespace {

using nn::Shape;
using nn::Tensor;

TEST(Tensor, HostRoundTripAndShape) {
  const std::vector<float> v{1, 2, 3, 4, 5, 6};
  const Tensor t = Tensor::from_host({1, 2, 1, 3}, v);
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.shape(), (Shape{1, 2, 1, 3}));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.host(), v);
  EXPECT_EQ(t.item(4), 5.f);
  EXPECT_THROW(t.item(6), Error);
  EXPECT_THROW(Tensor::from_host({1, 1, 1, 5}, v), Error);
  EXPECT_FALSE(Tensor().defined());
  EXPECT_EQ(Tensor::full({2, 1, 1, 1}, 3.f).host(), (std::vector<float>{3, 3}));
  EXPECT_TRUE(Tensor::zeros({0, 3, 4, 4}).defined()) << "an empty tensor is still a tensor";
}

TEST(Tensor, CopiesShareCloneDoesNot) {
  Tensor a = Tensor::zeros({1, 1, 2, 2});
  Tensor b = a;
  Tensor c = a.clone();
  b.fill(7.f);
  EXPECT_EQ(a.item(0), 7.f);
  EXPECT_EQ(c.item(0), 0.f);
  const Tensor r = a.reshape({4, 1, 1, 1});
  EXPECT_EQ(r.data(), a.data());
  EXPECT_THROW(a.reshape({3, 1, 1, 1}), Error);
  EXPECT_EQ(a.to(kernels::Device::cpu()).data(), a.data()) << "to() the same device is free";
}

TEST(Tensor, BatchRangeIsAViewOfSomeSamples) {
  std::vector<float> v(4 * 2 * 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  Tensor t = Tensor::from_host({4, 2, 3, 1}, v);
  Tensor mid = t.batch_range(1, 2);
  EXPECT_EQ(mid.shape(), (Shape{2, 2, 3, 1}));
  EXPECT_EQ(mid.host(), std::vector<float>(v.begin() + 6, v.begin() + 18));
  mid.fill(-1.f);  // the same storage
  EXPECT_EQ(t.item(6), -1.f);
  EXPECT_EQ(t.item(5), 5.f);
  EXPECT_EQ(t.item(18), 18.f);
  EXPECT_THROW(t.batch_range(3, 2), Error);
}

TEST(Tensor, CopyFromChecksSize) {
  Tensor a = Tensor::zeros({1, 1, 2, 2});
  a.copy_from(Tensor::full({4, 1, 1, 1}, 2.f));
  EXPECT_EQ(a.host(), (std::vector<float>(4, 2.f)));
  EXPECT_THROW(a.copy_from(Tensor::zeros({1, 1, 1, 3})), Error);
}

TEST(Tensor, MovesToAGpuAndBack) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const std::vector<float> v{1, -2, 3};
  const Tensor g = Tensor::from_host({3, 1, 1, 1}, v).to(kernels::Device::cuda(0));
  EXPECT_TRUE(g.device().is_cuda());
  EXPECT_EQ(g.host(), v);
  EXPECT_EQ(g.clone().to(kernels::Device::cpu()).host(), v);
  EXPECT_DOUBLE_EQ(nn::sum(g), 2.0);
}

}  // namespace
}  // namespace smlm::test
