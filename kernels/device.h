// Device: where a computation runs, the CPU (always there) or an NVIDIA GPU through CUDA.
// cuda_device_count() treats every CUDA error (no driver, error 35 on a machine with the toolkit
// and no GPU) as "no GPU": it never throws.
#pragma once

#include <string>
#include <string_view>

namespace smlm::kernels {

enum class DeviceKind { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceKind::cuda, index}; }
  bool is_cuda() const { return kind == DeviceKind::cuda; }
  // "cpu" or "cuda:0 (NVIDIA H100 …)".
  std::string name() const;
};

// True when smlm was compiled with its CUDA path.
bool cuda_compiled();
// Number of usable CUDA devices; 0 when none, when no driver, or when compiled without CUDA.
int cuda_device_count();
// Makes CUDA device `index` current for this thread; throws smlm::Error naming `what` (e.g. "GPU
// fitting") when it does not exist or CUDA was not compiled.
void use_cuda_device(int index, const char* what);
// Parses "cpu", "cuda" or "cuda:N"; throws smlm::Error for anything else or a missing GPU.
Device parse_device(std::string_view text);

}  // namespace smlm::kernels
