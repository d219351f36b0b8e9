// Deep-STORM speed on the CPU and, when there is one, the GPU (rows registered only then): net
// inference frames/s on 64×64 and 256×256 frames and training steps/s, the published
// architecture and a small one, so that bench/deepstorm_torch.py's PyTorch figures can be compared
// on the same machine.
#include <benchmark/benchmark.h>

#include "bench/bench_main.h"
#include "bench/workloads.h"
#include "kernels/device.h"
#include "localization/nets/deepstorm/net.h"
#include "localization/nets/deepstorm/trainer.h"
#include "localization/nets/deepstorm/training_data.h"
#include "nn/tensor.h"

namespace ds = smlm::localization::nets::deepstorm;

namespace {

ds::NetConfig config(bool small) {
  using smlm::bench::DeepStormNet;
  return smlm::bench::deepstorm_config(small ? DeepStormNet::small : DeepStormNet::published);
}

// Args: frame side [camera px], small (0 = published U = 8, widths 32…512; 1 = U = 4, widths /4),
// gpu (0 = CPU; 1 = CUDA device 0, the output map copied back each frame).
void BM_DeepStormInference(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  const smlm::kernels::Device device =
      state.range(2) ? smlm::kernels::Device::cuda(0) : smlm::kernels::Device::cpu();
  auto net = ds::build_net(config(state.range(1) != 0), 1);
  net->to(device);
  const smlm::nn::Tensor x = smlm::nn::Tensor::full({1, 1, side, side}, 0.1f, device);
  net->forward(x, false);  // warm-up: primitives built, memory cached (as the PyTorch script)
  for (auto _ : state) {
    if (device.is_cuda())
      benchmark::DoNotOptimize(net->forward(x, false).host().data());
    else
      benchmark::DoNotOptimize(net->forward(x, false).data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["frames/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DeepStormInference)
    ->ArgsProduct({{64, 256}, {0, 1}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One training step (forward, loss, backward, Adam) on a batch of 26×26 patches (16 for the
// small net), data simulation included. Args: small, batch, gpu.
void BM_DeepStormTrainStep(benchmark::State& state) {
  ds::TrainSettings s;
  if (state.range(2)) s.device = smlm::kernels::Device::cuda(0);
  s.net = config(state.range(0) != 0);
  s.data.patch = state.range(0) ? 16 : 26;
  s.batch = static_cast<int>(state.range(1));
  s.validation_size = 1;
  ds::Trainer trainer(s);
  trainer.step();  // warm-up: primitives built, memory cached (as the PyTorch script)
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step());
  state.counters["steps/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DeepStormTrainStep)
    ->Args({0, 16, 0})
    ->Args({1, 16, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (smlm::kernels::cuda_device_count() > 0) {
    benchmark::RegisterBenchmark("BM_DeepStormInference", BM_DeepStormInference)
        ->ArgsProduct({{64, 256}, {0, 1}, {1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_DeepStormTrainStep", BM_DeepStormTrainStep)
        ->Args({0, 16, 1})
        ->Args({1, 16, 1})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  return smlm::bench::run_benchmarks(argc, argv);
}
