// DECODE speed on the CPU and, when there is one, the GPU (rows registered only then): net
// inference frames/s on 64×64 and 256×256 frames (3 input frames t−1, t, t+1 per output frame;
// one frame or DecodeLocalizer's 8 per forward) and training steps/s at batch 16 of 32×32
// samples — Trainer::step() (simulation included) and the same step on fixed random data (net,
// pixel-GMM loss, backward, clipping, AdamW) — for the CLI's width 16 and the published 48 (depth
// 2, 2D heads), so that bench/decode_torch.py's PyTorch and ONNX Runtime figures can be compared
// on the same machine; a few rows again with ReLU for ELU, to show what the activation costs.
// Threads: OMP_NUM_THREADS, as deepstorm_bench.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "bench/bench_main.h"
#include "kernels/device.h"
#include "localization/nets/decode/net.h"
#include "localization/nets/decode/trainer.h"
#include "nn/losses/pixel_gmm.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad_norm.h"
#include "nn/tensor.h"

namespace dc = smlm::localization::nets::decode;
using smlm::nn::Tensor;

namespace {

// relu: the same net with ReLU for ELU, to measure what the activation costs.
dc::NetConfig config(int width, bool relu = false) {
  dc::NetConfig c;  // frames 3, dims 3 (2D: 8 output channels), depth 2, ELU
  c.width = width;
  if (relu) c.activation = smlm::nn::ActivationKind::relu;
  return c;
}

smlm::kernels::Device device_of(int64_t gpu) {
  return gpu ? smlm::kernels::Device::cuda(0) : smlm::kernels::Device::cpu();
}

Tensor uniform(const smlm::nn::Shape& s, float lo, float hi, std::mt19937& rng,
               const smlm::kernels::Device& d) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(s.n * s.c * s.h * s.w));
  for (float& x : v) x = u(rng);
  return Tensor::from_host(s, v, d);
}

// Args: frame side [camera px], width (16: the CLI's default; 48: published), frames per
// forward, gpu (0 = CPU; 1 = CUDA device 0, the output copied back each forward), activation (0 =
// ELU, as trained; 1 = ReLU, a cost probe: what the ELU layers take).
void BM_DecodeInference(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(2));
  const smlm::kernels::Device device = device_of(state.range(3));
  dc::DecodeNet net(config(static_cast<int>(state.range(1)), state.range(4) != 0), 1);
  net.to(device);
  std::mt19937 rng(1);
  const Tensor x = uniform({batch, 3, side, side}, 0.f, 1.f, rng, device);
  net.forward(x, false);  // warm-up: primitives built, memory cached (as the Python script)
  for (auto _ : state) {
    if (device.is_cuda())
      benchmark::DoNotOptimize(net.forward(x, false).host().data());
    else
      benchmark::DoNotOptimize(net.forward(x, false).data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["params"] = static_cast<double>(net.parameter_count());  // decode_torch.py's too
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeInference)
    ->Args({64, 16, 1, 0, 0})
    ->Args({64, 16, 8, 0, 0})
    ->Args({256, 16, 1, 0, 0})
    ->Args({256, 16, 8, 0, 0})
    ->Args({64, 48, 1, 0, 0})
    ->Args({64, 48, 8, 0, 0})
    ->Args({256, 48, 1, 0, 0})
    ->Args({64, 16, 1, 0, 1})
    ->Args({256, 16, 1, 0, 1})
    ->Args({64, 48, 1, 0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One Trainer::step() (a batch simulated, forward, loss, backward, clipping, AdamW) at the CLI's
// defaults: 2D Gaussian PSF, 32×32 samples. Args: width, batch, gpu.
void BM_DecodeTrainStep(benchmark::State& state) {
  dc::TrainSettings s;
  s.device = device_of(state.range(2));
  s.net = config(static_cast<int>(state.range(0)));
  s.data.patch = 32;
  s.batch = static_cast<int>(state.range(1));
  s.validation_size = 1;
  dc::Trainer trainer(s);
  trainer.step();  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step());
  state.counters["steps/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeTrainStep)->Args({16, 16, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

// The trainer's step without the simulation, on one fixed random batch (what
// bench/decode_torch.py times): forward, pixel-GMM loss with 10 of 16 target slots used per
// sample, backward, gradient clipping at 0.03, AdamW (lr 6e-4, λ 0.1). Args: width, batch, gpu,
// activation (0 = ELU; 1 = ReLU, the cost probe of BM_DecodeInference).
void BM_DecodeTrainStepFixedData(benchmark::State& state) {
  constexpr int kPatch = 32, kSlots = 16, kEmitters = 10;
  const smlm::kernels::Device device = device_of(state.range(2));
  const int n = static_cast<int>(state.range(1));
  const dc::NetConfig c = config(static_cast<int>(state.range(0)), state.range(3) != 0);
  dc::DecodeNet net(c, 1);
  net.to(device);
  smlm::nn::Adam adam(net.parameters(), smlm::nn::adamw_options(6e-4f, 0.1f));
  std::mt19937 rng(2);
  const Tensor x = uniform({n, c.frames, kPatch, kPatch}, 0.f, 1.f, rng, device);
  std::vector<float> targets(static_cast<size_t>(n) * kSlots * c.dims);
  std::uniform_real_distribution<float> photons(0.1f, 0.9f), position(0.f, kPatch - 1.f);
  for (size_t i = 0; i < targets.size(); ++i)
    targets[i] = i % c.dims == 0 ? photons(rng) : position(rng);
  const Tensor t = Tensor::from_host({n, kSlots, c.dims, 1}, targets, device);
  const Tensor counts = Tensor::full({n, 1, 1, 1}, kEmitters, device);
  const Tensor bg = uniform({n, 1, kPatch, kPatch}, 0.2f, 0.5f, rng, device);
  auto step = [&] {
    adam.zero_grad();
    const Tensor out = net.forward(x, true);
    const smlm::nn::PixelGmmResult l = smlm::nn::pixel_gmm_loss(out, t, counts, bg, 1.0, true);
    net.backward(l.grad);
    smlm::nn::clip_grad_norm(net.parameters(), 0.03);
    adam.step();
    return l.parts.value;
  };
  step();  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.counters["steps/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeTrainStepFixedData)
    ->Args({16, 16, 0, 0})
    ->Args({48, 16, 0, 0})
    ->Args({16, 16, 0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    benchmark::RegisterBenchmark("BM_DecodeInference", BM_DecodeInference)
        ->Args({64, 16, 8, 1, 0})
        ->Args({256, 16, 8, 1, 0})
        ->Args({64, 48, 8, 1, 0})
        ->Args({256, 48, 8, 1, 0})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_DecodeTrainStep", BM_DecodeTrainStep)
        ->Args({16, 16, 1})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_DecodeTrainStepFixedData", BM_DecodeTrainStepFixedData)
        ->Args({16, 16, 1, 0})
        ->Args({48, 16, 1, 0})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
