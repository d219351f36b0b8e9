// Manual timing of the CPU convolution against the reference loops (disabled by default):
//   nn_kernels_test --gtest_also_run_disabled_tests --gtest_filter='*Conv2dSpeed*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "kernels/nn/conv2d.h"
#include "kernels/parallel_for.h"
#include "tests/kernels/nn/device_array.h"
#include "tests/kernels/nn/reference.h"

namespace smlm::test {
namespace {

using kernels::nn::Conv2dDesc;

template <class F>
double milliseconds(F&& f, int reps) {
  f();  // warm-up: primitive creation
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
         reps;
}

void report(const char* name, const Conv2dDesc& d, bool with_reference) {
  const auto dev = kernels::Device::cpu();
  const auto x = random_vector(d.x.numel(), 1), w = random_vector(d.weight().numel(), 2);
  const auto dy = random_vector(d.y().numel(), 3);
  DeviceArray X(dev, x), W(dev, w), DY(dev, dy), Y(dev, d.y().numel()), DX(dev, x.size()),
      DW(dev, w.size()), DB(dev, d.out_channels);
  const double gflop = 2.0 * d.y().numel() * d.weight().c * d.kernel_h * d.kernel_w * 1e-9;
  namespace k = kernels::nn;
  const double f =
      milliseconds([&] { k::conv2d_forward(dev, d, X.get(), W.get(), nullptr, Y.get()); }, 5);
  const double bd =
      milliseconds([&] { k::conv2d_backward_data(dev, d, DY.get(), W.get(), DX.get()); }, 5);
  const double bf = milliseconds(
      [&] { k::conv2d_backward_filter(dev, d, X.get(), DY.get(), DW.get(), DB.get()); }, 5);
  std::printf("%-28s fwd %8.2f ms (%5.1f GFLOP/s)  bwd-data %8.2f ms  bwd-filter %8.2f ms\n", name,
              f, gflop / f * 1e3, bd, bf);
  if (with_reference) {
    const double r = milliseconds([&] { reference::conv2d_forward(d, x, w, {}); }, 1);
    std::printf("%-28s reference fwd %8.1f ms: oneDNN %.0fx faster\n", name, r, r / f);
  }
}

Conv2dDesc conv3x3(int64_t n, int64_t c, int64_t k, int64_t hw) {
  Conv2dDesc d;
  d.x = {n, c, hw, hw};
  d.out_channels = k;
  d.pad_h = d.pad_w = 1;
  return d;
}

TEST(DISABLED_Conv2dSpeed, Report) {
  std::printf("CPU threads: %d\n", kernels::cpu_threads());
  report("3x3 32->32 1x208x208", conv3x3(1, 32, 32, 208), true);
  report("3x3 1->32 1x208x208", conv3x3(1, 1, 32, 208), false);
  report("3x3 1->32 16x208x208", conv3x3(16, 1, 32, 208), false);
  report("3x3 32->1 1x208x208", conv3x3(1, 32, 1, 208), false);
  report("3x3 64->64 1x104x104", conv3x3(1, 64, 64, 104), false);
  report("3x3 128->512 1x26x26", conv3x3(1, 128, 512, 26), false);
  Conv2dDesc blur = conv3x3(16, 1, 1, 208);
  blur.kernel_h = blur.kernel_w = 7;
  blur.pad_h = blur.pad_w = 3;
  report("7x7 blur 1->1 16x208x208", blur, false);
}

}  // namespace
}  // namespace smlm::test
