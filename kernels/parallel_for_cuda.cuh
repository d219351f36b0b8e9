// parallel_for_gpu(n, f): the GPU twin of kernels/parallel_for.h. Runs the SMLM_HD functor f(i)
// for i in [0, n) in a bounds-checked kernel on the current stream. .cu files only.
#pragma once

#include <cstdint>

#include "kernels/cuda_check.h"

namespace smlm::kernels {

template <class F>
__global__ void parallel_for_kernel(int64_t n, F f) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) f(i);
}

template <class F>
void parallel_for_gpu(int64_t n, F f, cudaStream_t stream = nullptr, int block = 256) {
  if (n <= 0) return;
  const int64_t grid = (n + block - 1) / block;
  parallel_for_kernel<<<static_cast<unsigned>(grid), block, 0, stream>>>(n, f);
  SMLM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace smlm::kernels
