#include "kernels/device.h"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "kernels/parallel_for.h"

#if SMLM_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "kernels/cuda_check.h"
#endif

namespace smlm::kernels {

int cpu_threads() { return omp_get_max_threads(); }

int max_cpu_threads() { return kMaxThreadsPerCore * std::max(1, omp_get_num_procs()); }

void set_cpu_threads(int n) {
  omp_set_num_threads(n > 0 ? std::min(n, max_cpu_threads()) : omp_get_num_procs());
}

bool cuda_compiled() { return SMLM_HAVE_CUDA != 0; }

int cuda_device_count() {
#if SMLM_HAVE_CUDA
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return 0;
  }
  return n;
#else
  return 0;
#endif
}

void use_cuda_device(int index, const char* what) {
  const int n = cuda_device_count();
  SMLM_CHECK(index >= 0 && index < n,
             what << ": CUDA device " << index << " requested, " << n << " found");
#if SMLM_HAVE_CUDA
  SMLM_CUDA_CHECK(cudaSetDevice(index));
#endif
}

std::string Device::name() const {
  if (kind == DeviceKind::cpu) return "cpu";
  std::string s = "cuda:" + std::to_string(index);
#if SMLM_HAVE_CUDA
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, index) == cudaSuccess) s += std::string(" (") + p.name + ")";
#endif
  return s;
}

namespace {

// The first word of /proc/driver/nvidia/version that looks like a version ("580.65.06"); its
// wording differs between the proprietary and the open kernel module.
[[maybe_unused]] std::string nvidia_driver_version() {
  std::ifstream in("/proc/driver/nvidia/version");
  std::string line;
  if (!std::getline(in, line)) return {};
  std::istringstream words(line);
  for (std::string w; words >> w;) {
    const bool digits_and_dots =
        w.find_first_not_of("0123456789.") == std::string::npos && w.find('.') != std::string::npos;
    if (digits_and_dots && std::isdigit(static_cast<unsigned char>(w.front()))) return w;
  }
  return {};
}

}  // namespace

std::string cuda_version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

CudaDeviceInfo cuda_device_info(int index) {
  SMLM_CHECK(cuda_compiled(), "CUDA device " << index << ": smlm was built without CUDA");
  const int n = cuda_device_count();
  SMLM_CHECK(index >= 0 && index < n, "CUDA device " << index << " requested, " << n << " found");
  CudaDeviceInfo info;
#if SMLM_HAVE_CUDA
  cudaDeviceProp p{};
  SMLM_CUDA_CHECK(cudaGetDeviceProperties(&p, index));
  info.name = p.name;
  info.compute_major = p.major;
  info.compute_minor = p.minor;
  info.multiprocessors = p.multiProcessorCount;
  info.memory_gib = static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0);
  SMLM_CUDA_CHECK(cudaDriverGetVersion(&info.driver_cuda_version));
  SMLM_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_cuda_version));
  info.driver_version = nvidia_driver_version();
#endif
  return info;
}

Device parse_device(std::string_view text) {
  if (text == "cpu") return Device::cpu();
  if (text.substr(0, 4) == "cuda") {
    int index = 0;
    if (text.size() > 4) {
      SMLM_CHECK(text[4] == ':', "device '" << text << "': expected cpu, cuda or cuda:N");
      auto r = std::from_chars(text.data() + 5, text.data() + text.size(), index);
      SMLM_CHECK(r.ec == std::errc() && r.ptr == text.data() + text.size(),
                 "device '" << text << "': expected cpu, cuda or cuda:N");
    }
    SMLM_CHECK(cuda_compiled(), "device '" << text << "': smlm was built without CUDA");
    const int n = cuda_device_count();
    SMLM_CHECK(index >= 0 && index < n,
               "device '" << text << "': " << n << " CUDA device(s) found");
    return Device::cuda(index);
  }
  throw Error("device '" + std::string(text) + "': expected cpu, cuda or cuda:N");
}

}  // namespace smlm::kernels
