// parallel_for(n, f): runs f(i) for i in [0, n) on the CPU's threads (OpenMP). The GPU twin,
// parallel_for_gpu, lives in kernels/parallel_for_cuda.cuh and runs the same SMLM_HD functor in
// a bounds-checked kernel, so per-pixel and per-emitter math is written once.
#pragma once

#include <cstdint>

namespace smlm::kernels {

// Number of CPU threads parallel_for uses (OpenMP's, which OMP_NUM_THREADS sets).
int cpu_threads();
// Sets the number of CPU threads for later parallel regions (<= 0: all cores), at most
// max_cpu_threads(): more is clamped (libgomp fails, or crashes, when asked for tens of thousands).
void set_cpu_threads(int n);
// The most CPU threads set_cpu_threads() allows: kMaxThreadsPerCore x the hardware threads.
constexpr int kMaxThreadsPerCore = 4;
int max_cpu_threads();

template <class F>
void parallel_for(int64_t n, F&& f, int64_t min_per_thread = 1) {
  if (n <= 0) return;
  if (n < 2 * min_per_thread) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace smlm::kernels
