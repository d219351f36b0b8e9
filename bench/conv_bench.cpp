// CPU convolutions (oneDNN behind kernels/nn/conv2d.h) at the shapes Deep-STORM uses: forward,
// backward-data and backward-filter, with GFLOP/s; and the plain reference loop for the first
// shape, so the speed-up is a ratio measured in the same run.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/nn/conv2d.h"
#include "tests/kernels/nn/reference.h"

namespace {

using smlm::kernels::Device;
using smlm::kernels::nn::Conv2dDesc;

std::vector<float> random_vector(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(g);
  return v;
}

struct Shape {
  const char* name;
  int64_t n, c, k, hw, kernel;
};
const Shape kShapes[] = {
    {"3x3 32->32 1x208x208", 1, 32, 32, 208, 3},  {"3x3 1->32 16x208x208", 16, 1, 32, 208, 3},
    {"3x3 32->1 1x208x208", 1, 32, 1, 208, 3},    {"3x3 64->64 1x104x104", 1, 64, 64, 104, 3},
    {"3x3 128->512 1x26x26", 1, 128, 512, 26, 3}, {"7x7 blur 1->1 16x208x208", 16, 1, 1, 208, 7}};

Conv2dDesc desc(const Shape& s) {
  Conv2dDesc d;
  d.x = {s.n, s.c, s.hw, s.hw};
  d.out_channels = s.k;
  d.kernel_h = d.kernel_w = static_cast<int>(s.kernel);
  d.pad_h = d.pad_w = static_cast<int>(s.kernel / 2);
  return d;
}

// pass: 0 forward, 1 backward-data, 2 backward-filter.
void BM_Conv2d(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  const int pass = static_cast<int>(state.range(1));
  const Conv2dDesc d = desc(s);
  const Device cpu = Device::cpu();
  const auto x = random_vector(d.x.numel(), 1), w = random_vector(d.weight().numel(), 2);
  const auto dy = random_vector(d.y().numel(), 3);
  std::vector<float> y(d.y().numel()), dx(x.size()), dw(w.size()), db(d.out_channels);
  namespace k = smlm::kernels::nn;
  for (auto _ : state) {
    if (pass == 0) k::conv2d_forward(cpu, d, x.data(), w.data(), nullptr, y.data());
    if (pass == 1) k::conv2d_backward_data(cpu, d, dy.data(), w.data(), dx.data());
    if (pass == 2) k::conv2d_backward_filter(cpu, d, x.data(), dy.data(), dw.data(), db.data());
  }
  const double flop = 2.0 * d.y().numel() * d.weight().c * d.kernel_h * d.kernel_w;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flop * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(s.name) + (pass == 0 ? " fwd" : pass == 1 ? " bwd-data" : " bwd-w"));
}
BENCHMARK(BM_Conv2d)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Conv2dReference(benchmark::State& state) {
  const Conv2dDesc d = desc(kShapes[0]);
  const auto x = random_vector(d.x.numel(), 1), w = random_vector(d.weight().numel(), 2);
  for (auto _ : state) benchmark::DoNotOptimize(smlm::test::reference::conv2d_forward(d, x, w, {}));
  state.SetLabel(std::string(kShapes[0].name) + " fwd, reference loops");
}
BENCHMARK(BM_Conv2dReference)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
