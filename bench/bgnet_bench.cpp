// BGNet speed on the CPU and, when there is one, the GPU (rows registered only then): inference
// ROIs/s on batches of 16×16 ROIs (BgNetBackground's chunks hold up to 512) and training steps/s
// at batch 32 on fixed random data (forward, MSE, backward, Adam), for the published width 16, so
// that bench/bgnet_torch.py's PyTorch and ONNX Runtime figures can be compared on the same
// machine. Threads: OMP_NUM_THREADS, as deepstorm_bench.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "bench/bench_main.h"
#include "kernels/device.h"
#include "localization/nets/bgnet/net.h"
#include "nn/losses/mse.h"
#include "nn/optim/adam.h"
#include "nn/tensor.h"

namespace bg = smlm::localization::nets::bgnet;
using smlm::nn::Tensor;

namespace {

smlm::kernels::Device device_of(int64_t gpu) {
  return gpu ? smlm::kernels::Device::cuda(0) : smlm::kernels::Device::cpu();
}

Tensor uniform(const smlm::nn::Shape& s, std::mt19937& rng, const smlm::kernels::Device& d) {
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  std::vector<float> v(static_cast<size_t>(s.n * s.c * s.h * s.w));
  for (float& x : v) x = u(rng);
  return Tensor::from_host(s, v, d);
}

// Args: ROIs per forward, ROI side, gpu (0 = CPU; 1 = CUDA device 0, output copied back).
void BM_BgNetInference(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0)), side = static_cast<int>(state.range(1));
  const smlm::kernels::Device device = device_of(state.range(2));
  auto net = bg::build_net(bg::NetConfig{16}, 1);
  net->to(device);
  std::mt19937 rng(1);
  const Tensor x = uniform({batch, 1, side, side}, rng, device);
  net->forward(x, false);  // warm-up: primitives built, memory cached (as the Python script)
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(x, false).host().data());
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(net->parameter_count());
  state.counters["rois/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BgNetInference)
    ->Args({64, 16, 0})
    ->Args({512, 16, 0})
    ->Args({64, 40, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: batch, ROI side, gpu.
void BM_BgNetTrainStep(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0)), side = static_cast<int>(state.range(1));
  const smlm::kernels::Device device = device_of(state.range(2));
  auto net = bg::build_net(bg::NetConfig{16}, 1);
  net->to(device);
  smlm::nn::AdamOptions o;
  o.lr = 1e-3f;
  smlm::nn::Adam adam(net->parameters(), o);
  std::mt19937 rng(2);
  const Tensor x = uniform({batch, 1, side, side}, rng, device);
  const Tensor t = uniform({batch, 1, side, side}, rng, device);
  auto step = [&] {
    adam.zero_grad();
    const smlm::nn::LossResult l = smlm::nn::mse_loss(net->forward(x, true), t);
    net->backward(l.grad);
    adam.step();
    return l.value;
  };
  step();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BgNetTrainStep)->Args({32, 16, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    benchmark::RegisterBenchmark("BM_BgNetInference", BM_BgNetInference)
        ->Args({512, 16, 1})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_BgNetTrainStep", BM_BgNetTrainStep)
        ->Args({32, 16, 1})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
