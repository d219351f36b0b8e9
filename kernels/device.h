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

// What a CUDA device and its driver are (for reports such as `smlm bench`'s machine block).
struct CudaDeviceInfo {
  std::string name;  // e.g. "NVIDIA H100 80GB HBM3"
  int compute_major = 0, compute_minor = 0;
  int multiprocessors = 0;
  double memory_gib = 0;  // global memory [GiB]
  // The driver's NVIDIA version ("580.65.06", from /proc/driver/nvidia/version); "" when unknown.
  std::string driver_version;
  // CUDA versions as 1000·major + 10·minor: the newest the driver supports (cudaDriverGetVersion)
  // and the runtime smlm was built with (cudaRuntimeGetVersion).
  int driver_cuda_version = 0, runtime_cuda_version = 0;
};
// The properties of CUDA device `index`. Throws smlm::Error when it does not exist or smlm was
// built without CUDA.
CudaDeviceInfo cuda_device_info(int index);
// A CUDA version number as "13.0" (12040 → "12.4").
std::string cuda_version_text(int version);

}  // namespace smlm::kernels
