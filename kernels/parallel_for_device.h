// parallel_for(device, n, f): runs the SMLM_HD functor f(i) for i in [0, n) on the CPU's threads
// (kernels/parallel_for.h, in blocks of consecutive i) or, for a CUDA device, as a bounds-checked
// kernel on the default stream (kernels/parallel_for_cuda.cuh). The GPU branch exists only where
// nvcc compiles the translation unit: in a CUDA build a file that includes this header must be
// compiled as CUDA (its CMakeLists sets LANGUAGE CUDA), which the #error below enforces.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/error.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"

#if SMLM_HAVE_CUDA && !defined(__CUDACC__)
#error "kernels/parallel_for_device.h must be compiled by nvcc in a CUDA build"
#endif

#if defined(__CUDACC__)
#include "kernels/parallel_for_cuda.cuh"
#endif

namespace smlm::kernels {

template <class F>
void parallel_for(const Device& device, int64_t n, const F& f) {
  if (n <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    parallel_for_gpu(n, f);
    return;
#else
    throw Error("a CUDA device was requested but smlm was built without CUDA");
#endif
  }
  // Blocks of 1024: one work item per block keeps OpenMP's scheduling out of the inner loop.
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  parallel_for(blocks, [&](int64_t b) {
    const int64_t end = std::min(n, (b + 1) * kBlock);
    for (int64_t i = b * kBlock; i < end; ++i) f(i);
  });
}

}  // namespace smlm::kernels
