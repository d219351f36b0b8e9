// Private to kernels/nn: SMLM_CUDNN_CHECK, every cuDNN call goes through it; a failure throws
// smlm::Error with the call, the file and the line. Only where the cuDNN path is compiled.
#pragma once

#include <cudnn.h>

#include <string>

#include "core/error.h"

#define SMLM_CUDNN_CHECK(call)                                                                 \
  do {                                                                                         \
    const cudnnStatus_t smlm_cudnn_st_ = (call);                                               \
    if (smlm_cudnn_st_ != CUDNN_STATUS_SUCCESS)                                                \
      throw ::smlm::Error(std::string("cuDNN error: ") + cudnnGetErrorString(smlm_cudnn_st_) + \
                          " in " #call " at " __FILE__ ":" + std::to_string(__LINE__));        \
  } while (0)
