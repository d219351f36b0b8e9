// Private to kernels/nn: runs SMLM_HD functors with the CPU's threads (OpenMP, SIMD inner loops)
// or as CUDA kernels — over [0, n) (launch) or over image rows (launch_rows) — and sums SMLM_HD
// terms over [0, n) or per channel in double, deterministically. The GPU branches exist only where
// nvcc compiles the translation unit: in a CUDA build every file that includes this one is compiled
// as CUDA (kernels/nn/CMakeLists.txt lists them).
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/hd.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"

#if SMLM_HAVE_CUDA && !defined(__CUDACC__)
#error "kernels/nn/launch.h must be compiled by nvcc in a CUDA build"
#endif

#if defined(__CUDACC__)
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
    // A local copy keeps f's pointers in registers; f(i) touches index i only (the contract of
    // launch), so the loop may run as SIMD lanes.
    const F g = f;
#pragma omp simd
    for (int64_t i = b * kCpuBlock; i < end; ++i) g(i);
  };
  parallel_for(blocks, body, kMinItemsPerThread);
}

#if defined(__CUDACC__)
// gridDim.y is at most 65535: wider rows (planes over ~16.7 M elements) take a grid-stride loop.
template <class F>
__global__ void rows_kernel(int64_t width, F f) {
  const int64_t stride = static_cast<int64_t>(gridDim.y) * blockDim.x;
  int64_t x = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (x >= width) return;
  const auto g = f.row(static_cast<int64_t>(blockIdx.x));
  for (; x < width; x += stride) g(x);
}
#endif

// For functors over image rows or planes: f.row(r) returns row r's SMLM_HD functor g, and g(x)
// runs element x, for every r in [0, rows) and x in [0, width). Per-row invariants — the divisions
// that give a row's channel or source row, per-channel scales, row pointers — are computed once
// per row on the CPU (once per thread on the GPU); g is a local there, so its members stay in
// registers through the SIMD loop instead of being reloaded after every store. No (r, x) may
// write what another (r', x') reads or writes.
template <class F>
void launch_rows(const Device& device, int64_t rows, int64_t width, const F& f) {
  if (rows <= 0 || width <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    const int64_t block = std::min<int64_t>(256, (width + 31) / 32 * 32);
    const dim3 grid(static_cast<unsigned>(rows),
                    static_cast<unsigned>(std::min<int64_t>((width + block - 1) / block, 65535)));
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
    for (int64_t r = b * per; r < end; ++r) {
      const auto g = f.row(r);
#pragma omp simd
      for (int64_t x = 0; x < width; ++x) g(x);
    }
  };
  parallel_for((rows + per - 1) / per, body, kMinItemsPerThread);
}

// Two sums from one pass over the data: a channel_reduce term may return it instead of a double.
struct Sum2 {
  double a, b;
  SMLM_HD Sum2& operator+=(const Sum2& o) {
    a += o.a;
    b += o.b;
    return *this;
  }
};

// The type a channel_reduce term returns: double or Sum2.
template <class F>
using TermSum = std::decay_t<decltype(std::declval<const F&>()(int64_t{}, int64_t{}))>;

// Part J of a term's value: the double itself, or a Sum2's a (J = 0) or b (J = 1).
template <int J>
inline double part(double v) {
  return v;
}
template <int J>
inline double part(const Sum2& v) {
  return J == 0 ? v.a : v.b;
}

#if defined(__CUDACC__)
constexpr int kReduceThreads = 256;

// Block (c, k) sums slice k of channel c's batch·plane elements into partial[c·slices + k];
// fixed slices and a fixed tree make the sum the same on every run.
template <class F, class T>
__global__ void channel_partial_kernel(int64_t batch, int64_t channels, int64_t plane, F term,
                                       T* partial) {
  __shared__ T acc[kReduceThreads];
  const int64_t c = blockIdx.x, slices = gridDim.y, count = batch * plane;
  const int64_t per = (count + slices - 1) / slices;
  const int64_t begin = blockIdx.y * per;
  const int64_t end = begin + per < count ? begin + per : count;
  T s{};
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
template <class T, class Out>
__global__ void channel_finish_kernel(int64_t channels, int64_t slices, const T* partial, Out out) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  T s{};
  for (int64_t k = 0; k < slices; ++k) s += partial[c * slices + k];
  out(c, s);
}

// reduce_sum as a one-channel channel_reduce: the term, and where the sum goes.
template <class F>
struct FlatTerm {
  F term;
  SMLM_HD double operator()(int64_t i, int64_t) const { return term(i); }
};
struct StoreSum {
  double* sum;
  SMLM_HD void operator()(int64_t, double s) const { *sum = s; }
};

// Per-thread scratch blocks on the current GPU (slot 0: channel_reduce's partial sums, slot 1:
// reduce_sum's result), grown as needed.
inline void* reduce_scratch(int device, size_t bytes, int slot = 0) {
  struct Scratch {
    void* p = nullptr;
    size_t n = 0;
    int device = -1;
    ~Scratch() {
      if (p) cudaFree(p);
    }
  };
  thread_local Scratch scratch[2];
  Scratch& s = scratch[slot];
  if (s.device != device || s.n < bytes) {
    if (s.p) cudaFree(s.p);
    s.p = nullptr;
    s.n = 0;
    SMLM_CUDA_CHECK(cudaMalloc(&s.p, bytes));
    s.n = bytes;
    s.device = device;
  }
  return s.p;
}
#endif

// For each channel c of an (batch, channels, plane) tensor: out(c, Σ term(index, c)) over its
// batch·plane elements, where index is the element's flat NCHW index. term returns a double, or a
// Sum2 for two sums in one pass; `out` is an SMLM_HD functor that stores the channel's sum (in the
// device's memory).
template <class F, class Out>
void channel_reduce(const Device& device, int64_t batch, int64_t channels, int64_t plane,
                    const F& term, const Out& out) {
  using T = TermSum<F>;
  if (channels <= 0) return;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    // Enough blocks to fill the GPU: slices of ~16k elements, at most 1024 per channel.
    const int64_t count = batch * plane;
    const int64_t slices = std::clamp<int64_t>(count / 16384, 1, 1024);
    T* partial = static_cast<T*>(
        reduce_scratch(device.index, static_cast<size_t>(channels * slices) * sizeof(T)));
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
  constexpr int kParts = std::is_same_v<T, Sum2> ? 2 : 1;
  auto body = [&](int64_t c) {
    const F t = term;  // a local copy: its members stay in registers
    // Per part of the sum, eight independent partial sums — no serial dependency chain, and the
    // loop vectorizes — and a ninth for the remainder, so that the eight are indexed by constants
    // only and may live in registers.
    double acc[kParts][8] = {}, rest[kParts] = {};
    auto add = [&]<int J>(int64_t base, int64_t from, int64_t to) {
      int64_t p = from;
      for (; p + 8 <= to; p += 8)
        for (int k = 0; k < 8; ++k) acc[J][k] += part<J>(t(base + p + k, c));
      for (; p < to; ++p) rest[J] += part<J>(t(base + p, c));
    };
    // A Sum2's parts are summed in loops of their own (the compiler vectorizes one reduction per
    // loop, not two) over chunks small enough to stay in the L1 cache for the second.
    const int64_t chunk = kParts == 2 ? 1024 : plane;
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t base = (n * channels + c) * plane;
      for (int64_t from = 0; from < plane; from += chunk) {
        const int64_t to = std::min(plane, from + chunk);
        add.template operator()<0>(base, from, to);
        if constexpr (kParts == 2) add.template operator()<1>(base, from, to);
      }
    }
    double s[kParts];
    for (int j = 0; j < kParts; ++j) {
      s[j] = rest[j];
      for (double a : acc[j]) s[j] += a;
    }
    if constexpr (kParts == 2)
      out(c, Sum2{s[0], s[1]});
    else
      out(c, s[0]);
  };
  // Parallel over channels only when each holds enough work.
  parallel_for(
      channels, body,
      std::max<int64_t>(1, kMinItemsPerThread * kCpuBlock / std::max<int64_t>(1, batch * plane)));
}

// Σ term(i) over [0, n) in double. The CPU sums fixed blocks, then the block sums in order, so the
// result does not depend on the number of threads.
template <class F>
double reduce_sum(const Device& device, int64_t n, const F& term) {
  if (n <= 0) return 0.0;
  if (device.is_cuda()) {
#if defined(__CUDACC__)
    // One channel of n elements through channel_reduce's fixed-tree kernels: the same sum on
    // every run, and no allocation per call (thrust's transform_reduce cudaMallocs its temporary
    // storage each time, which synchronizes the device).
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    double* sum = static_cast<double*>(reduce_scratch(device.index, sizeof(double), 1));
    channel_reduce(device, 1, 1, n, FlatTerm<F>{term}, StoreSum{sum});
    double host = 0;
    SMLM_CUDA_CHECK(cudaMemcpy(&host, sum, sizeof(double), cudaMemcpyDeviceToHost));
    return host;
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

}  // namespace smlm::kernels::nn::detail
