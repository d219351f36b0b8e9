// SMLM_CUDA_CHECK: every CUDA runtime call goes through it; a failure throws smlm::Error with the
// call, the file and the line. Include only where the CUDA path is compiled (SMLM_HAVE_CUDA).
#pragma once

#include <cuda_runtime_api.h>

#include "core/error.h"

#define SMLM_CUDA_CHECK(call)                                                                \
  do {                                                                                       \
    const cudaError_t smlm_cuda_err_ = (call);                                               \
    if (smlm_cuda_err_ != cudaSuccess) {                                                     \
      (void)cudaGetLastError(); /* clear it, or the next launch check reports it again */    \
      throw ::smlm::Error(std::string("CUDA error: ") + cudaGetErrorString(smlm_cuda_err_) + \
                          " in " #call " at " __FILE__ ":" + std::to_string(__LINE__));      \
    }                                                                                        \
  } while (0)
