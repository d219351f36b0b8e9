// Max and average pooling on each device against the reference loops, ties and padding included.
#include "kernels/nn/pooling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "core/error.h"
#include "tests/kernels/nn/device_array.h"
#include "tests/kernels/nn/reference.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Pool2dDesc;
using kernels::nn::PoolKind;

struct Case {
  const char* name;
  Pool2dDesc desc;
  bool ties;  // inputs rounded to a few levels, so windows hold equal maxima
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Pool2dDesc make(PoolKind kind, kernels::nn::Shape x, int k, int s, int p) {
  Pool2dDesc d;
  d.x = x;
  d.kind = kind;
  d.kernel_h = d.kernel_w = k;
  d.stride_h = d.stride_w = s;
  d.pad_h = d.pad_w = p;
  return d;
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (PoolKind k : {PoolKind::max, PoolKind::average}) {
    const bool m = k == PoolKind::max;
    v.push_back({m ? "max_2x2" : "avg_2x2", make(k, {2, 3, 8, 10}, 2, 2, 0), false});
    v.push_back({m ? "max_odd_size" : "avg_odd_size", make(k, {2, 3, 9, 7}, 2, 2, 0), false});
    v.push_back({m ? "max_3x3_s2_p1" : "avg_3x3_s2_p1", make(k, {1, 2, 9, 9}, 3, 2, 1), false});
    v.push_back({m ? "max_3x3_s1_p1" : "avg_3x3_s1_p1", make(k, {2, 2, 6, 5}, 3, 1, 1), true});
  }
  v.push_back({"max_ties_2x2", make(PoolKind::max, {2, 3, 8, 8}, 2, 2, 0), true});
  // Rows wider than the SIMD width and not a multiple of it; even and odd sizes.
  v.push_back({"max_2x2_wide", make(PoolKind::max, {2, 3, 6, 38}, 2, 2, 0), false});
  v.push_back({"max_2x2_wide_odd", make(PoolKind::max, {1, 2, 7, 41}, 2, 2, 0), false});
  v.push_back({"max_ties_2x2_wide", make(PoolKind::max, {2, 2, 4, 36}, 2, 2, 0), true});
  v.push_back({"avg_2x2_wide_odd", make(PoolKind::average, {1, 2, 7, 41}, 2, 2, 0), false});
  return v;
}

class PoolingTest : public testing::TestWithParam<std::tuple<DeviceKind, Case>> {};

TEST_P(PoolingTest, MatchesReference) {
  const auto& [kind, c] = GetParam();
  SMLM_TEST_DEVICE(device, kind);
  const Pool2dDesc& d = c.desc;
  auto x = random_vector(d.x.numel(), 7);
  if (c.ties)
    for (float& v : x) v = std::round(v * 2.f) / 2.f;
  const auto dy = random_vector(d.y().numel(), 8);
  DeviceArray X(device, x), DY(device, dy), Y(device, d.y().numel()), DX(device, x.size(), 9.f);
  kernels::nn::pool2d_forward(device, d, X.get(), Y.get());
  if (d.kind == PoolKind::max)
    EXPECT_EQ(Y.host(), reference::pool2d_forward(d, x)) << "max pooling is exact";
  else
    EXPECT_LT(normalized_error(Y.host(), reference::pool2d_forward(d, x)), 1e-12);
  kernels::nn::pool2d_backward(device, d, X.get(), DY.get(), DX.get());
  EXPECT_LT(normalized_error(DX.host(), reference::pool2d_backward(d, x, dy)), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Devices, PoolingTest,
                         testing::Combine(testing::ValuesIn(test_device_kinds()),
                                          testing::ValuesIn(cases())),
                         [](const auto& i) {
                           return std::string(std::get<0>(i.param) == DeviceKind::cpu ? "cpu"
                                                                                      : "cuda") +
                                  "_" + std::get<1>(i.param).name;
                         });

TEST(Pool2dDesc, Validation) {
  Pool2dDesc d = make(PoolKind::max, {1, 1, 4, 4}, 2, 2, 1);  // padding of half the kernel
  EXPECT_THROW(d.validate(), Error);
  d = make(PoolKind::max, {1, 1, 1, 1}, 2, 2, 0);
  EXPECT_THROW(d.validate(), Error);
  EXPECT_EQ(make(PoolKind::max, {1, 1, 9, 7}, 2, 2, 0).y(), (kernels::nn::Shape{1, 1, 4, 3}));
}

}  // namespace
}  // namespace smlm::test
