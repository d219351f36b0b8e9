// Private to kernels/nn: runs SMLM_HD functors with the CPU's threads (OpenMP, SIMD inner loops)
// or as CUDA kernels — over [0, n) (launch) or over image rows (launch_rows) — and sums SMLM_HD
// terms over [0, n) or per channel in double, deterministically. The GPU branches exist only where
// nvcc compiles the translation unit: in a CUDA build every file that includes this one is compiled
// as CUDA (kernels/nn/CMakeLists.txt lists them).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/hd.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"

#if SMLM_HAVE_CUDA && !defined(__CUDACC__)
#error "kernels/nn/launch.h must be compiled by nvcc in a CUDA build"
#endif

#if defined(__CUDACC__)
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include "kernels/parallel_for_cuda.cuh"
#endif

namespace smlm::kernels::nn::detail {

// Elements per CPU work item: large enough that scheduling costs nothing.
constexpr int64_t kCpuBlock = 4096;
// Work items a thread should get before a loop goes parallel: small tensors stay on the calling
// thread, where a parallel region's start and barrier would cost more than the work (much more
// when other processes hold the cores and OpenMP threads wait to be scheduled).
constexpr int64_t kMinItemsPerThread = 8;

[[noreturn]] inline void no_cuda() {
  throw Error("a CUDA device was requested but smlm was built without CUDA");
}

// f(i) for every i in [0, n).
template <class F>
void launch(const Device& device, int64_t n, const F& f) {
  if (n <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    parallel_for_gpu(n, f);
    return;
#else
    no_cuda();
#endif
  }
  const int64_t blocks = (n + kCpuBlock - 1) / kCpuBlock;
  auto body = [&](int64_t b) {
    const int64_t end = std::min(n, (b + 1) * kCpuBlock);
    // f(i) touches index i only (the contract of launch): the loop may run as SIMD lanes.
#pragma omp simd
    for (int64_t i = b * kCpuBlock; i < end; ++i) f(i);
  };
  parallel_for(blocks, body, kMinItemsPerThread);
}

#if defined(__CUDACC__)
template <class F>
__global__ void rows_kernel(int64_t width, F f) {
  const int64_t x = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (x < width) f(static_cast<int64_t>(blockIdx.x), x);
}
#endif

// f(row, x) for every row in [0, rows) and x in [0, width): for functors over image rows or planes,
// whose per-row index arithmetic (divisions) the CPU then does once per row, not per element.
template <class F>
void launch_rows(const Device& device, int64_t rows, int64_t width, const F& f) {
  if (rows <= 0 || width <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    const int64_t block = std::min<int64_t>(256, (width + 31) / 32 * 32);
    const dim3 grid(static_cast<unsigned>(rows),
                    static_cast<unsigned>((width + block - 1) / block));
    rows_kernel<<<grid, static_cast<unsigned>(block)>>>(width, f);
    SMLM_CUDA_CHECK(cudaGetLastError());
    return;
#else
    no_cuda();
#endif
  }
  const int64_t per = std::max<int64_t>(1, kCpuBlock / width);  // rows per work item
  auto body = [&](int64_t b) {
    const int64_t end = std::min(rows, (b + 1) * per);
    for (int64_t r = b * per; r < end; ++r)
#pragma omp simd
      for (int64_t x = 0; x < width; ++x) f(r, x);
  };
  parallel_for((rows + per - 1) / per, body, kMinItemsPerThread);
}

// Σ term(i) over [0, n) in double. The CPU sums fixed blocks, then the block sums in order, so the
// result does not depend on the number of threads.
template <class F>
double reduce_sum(const Device& device, int64_t n, const F& term) {
  if (n <= 0) return 0.0;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    return thrust::transform_reduce(thrust::cuda::par, thrust::counting_iterator<int64_t>(0),
                                    thrust::counting_iterator<int64_t>(n), term, 0.0,
                                    thrust::plus<double>());
#else
    no_cuda();
#endif
  }
  const int64_t blocks = (n + kCpuBlock - 1) / kCpuBlock;
  std::vector<double> partial(blocks);
  auto body = [&](int64_t b) {
    const int64_t end = std::min(n, (b + 1) * kCpuBlock);
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = b * kCpuBlock;
    for (; i + 8 <= end; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += term(i + k);
    for (; i < end; ++i) acc[i % 8] += term(i);
    double s = 0;
    for (double a : acc) s += a;
    partial[b] = s;
  };
  parallel_for(blocks, body, kMinItemsPerThread);
  double s = 0;
  for (double p : partial) s += p;
  return s;
}

#if defined(__CUDACC__)
constexpr int kReduceThreads = 256;

// Block (c, k) sums slice k of channel c's batch·plane elements into partial[c·slices + k];
// fixed slices and a fixed tree make the sum the same on every run.
template <class F>
__global__ void channel_partial_kernel(int64_t batch, int64_t channels, int64_t plane, F term,
                                       double* partial) {
  __shared__ double acc[kReduceThreads];
  const int64_t c = blockIdx.x, slices = gridDim.y, count = batch * plane;
  const int64_t per = (count + slices - 1) / slices;
  const int64_t begin = blockIdx.y * per;
  const int64_t end = begin + per < count ? begin + per : count;
  double s = 0;
  for (int64_t j = begin + threadIdx.x; j < end; j += kReduceThreads) {
    const int64_t n = j / plane, p = j - n * plane;
    s += term((n * channels + c) * plane + p, c);
  }
  acc[threadIdx.x] = s;
  __syncthreads();
  for (int stride = kReduceThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) acc[threadIdx.x] += acc[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[c * slices + blockIdx.y] = acc[0];
}

// One thread per channel adds its slices in order and hands the sum to out.
template <class Out>
__global__ void channel_finish_kernel(int64_t channels, int64_t slices, const double* partial,
                                      Out out) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double s = 0;
  for (int64_t k = 0; k < slices; ++k) s += partial[c * slices + k];
  out(c, s);
}

// A per-thread scratch array of doubles on the current GPU, grown as needed.
inline double* reduce_scratch(int device, size_t count) {
  struct Scratch {
    double* p = nullptr;
    size_t n = 0;
    int device = -1;
    ~Scratch() {
      if (p) cudaFree(p);
    }
  };
  thread_local Scratch s;
  if (s.device != device || s.n < count) {
    if (s.p) cudaFree(s.p);
    s.p = nullptr;
    s.n = 0;
    SMLM_CUDA_CHECK(cudaMalloc(&s.p, count * sizeof(double)));
    s.n = count;
    s.device = device;
  }
  return s.p;
}
#endif

// For each channel c of an (batch, channels, plane) tensor: out(c, Σ term(index, c)) over its
// batch·plane elements, where index is the element's flat NCHW index. `out` is an SMLM_HD functor
// that stores the channel's sum (in the device's memory).
template <class F, class Out>
void channel_reduce(const Device& device, int64_t batch, int64_t channels, int64_t plane,
                    const F& term, const Out& out) {
  if (channels <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    // Enough blocks to fill the GPU: slices of ~16k elements, at most 1024 per channel.
    const int64_t count = batch * plane;
    const int64_t slices = std::clamp<int64_t>(count / 16384, 1, 1024);
    double* partial = reduce_scratch(device.index, static_cast<size_t>(channels * slices));
    channel_partial_kernel<<<dim3(static_cast<unsigned>(channels), static_cast<unsigned>(slices)),
                             kReduceThreads>>>(batch, channels, plane, term, partial);
    SMLM_CUDA_CHECK(cudaGetLastError());
    channel_finish_kernel<<<static_cast<unsigned>((channels + 255) / 256), 256>>>(channels, slices,
                                                                                  partial, out);
    SMLM_CUDA_CHECK(cudaGetLastError());
    return;
#else
    no_cuda();
#endif
  }
  auto body = [&](int64_t c) {
    // Eight independent partial sums: no serial dependency chain, and the loop vectorizes.
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t base = (n * channels + c) * plane;
      int64_t p = 0;
      for (; p + 8 <= plane; p += 8)
        for (int k = 0; k < 8; ++k) acc[k] += term(base + p + k, c);
      for (; p < plane; ++p) acc[p % 8] += term(base + p, c);
    }
    double s = 0;
    for (double a : acc) s += a;
    out(c, s);
  };
  // Parallel over channels only when each holds enough work.
  parallel_for(
      channels, body,
      std::max<int64_t>(1, kMinItemsPerThread * kCpuBlock / std::max<int64_t>(1, batch * plane)));
}

}  // namespace smlm::kernels::nn::detail
