// log|Γ(x)| that threads may call at once. glibc's lgamma (std::lgamma) also stores the sign of
// Γ(x) in the global `signgam`, a data race between threads (ThreadSanitizer found it in
// Rng::poisson under the simulator's parallel_for); lgamma_r returns the same value and keeps
// the sign local. On the GPU, CUDA's lgamma has no such global.
#pragma once

#include <math.h>

#include "core/hd.h"

namespace smlm {

SMLM_HD_INLINE double log_gamma(double x) {
#if defined(__CUDA_ARCH__)
  return ::lgamma(x);
#else
  int sign = 0;
  return ::lgamma_r(x, &sign);
#endif
}

}  // namespace smlm
