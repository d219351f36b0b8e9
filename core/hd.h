// SMLM_HD marks a function as callable from host and device: one source of math for the CPU
// and the GPU. Under g++ the annotation vanishes; under nvcc it becomes __host__ __device__.
#pragma once

#if defined(__CUDACC__)
#define SMLM_HD __host__ __device__
#define SMLM_HD_INLINE __host__ __device__ __forceinline__
#else
#define SMLM_HD
#define SMLM_HD_INLINE inline
#endif
