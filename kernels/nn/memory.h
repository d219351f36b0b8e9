// Memory for the neural primitives on either device: allocation, copies between CPU and GPU
// memory (any direction), and a wait for the device's queued work. CPU blocks are 64-byte aligned
// (what oneDNN prefers); GPU blocks come from cudaMalloc on the device's index. The caller owns
// what allocate_bytes returns and gives it back with free_bytes. Freed blocks are cached for reuse
// by later requests of the same (rounded) size on the same device — a training loop allocates the
// same shapes every step — until release_cached_memory, or until an allocation fails.
#pragma once

#include <cstddef>

#include "kernels/device.h"

namespace smlm::kernels::nn {

// Throws smlm::Error when the device is a GPU and smlm was built without CUDA, or on CUDA errors.
void* allocate_bytes(const Device& device, size_t bytes);
// Never throws (destructors call it); errors are reported on stderr.
void free_bytes(const Device& device, void* ptr) noexcept;
// Bytes held in the cache of freed blocks, and their return to the system (or the GPU driver).
size_t cached_bytes(const Device& device);
void release_cached_memory(const Device& device);
// Copies `bytes` from src (in src_device's memory) to dst (in dst_device's memory).
void copy_bytes(const Device& dst_device, void* dst, const Device& src_device, const void* src,
                size_t bytes);
// Returns when the device has finished all queued work (no-op on the CPU).
void synchronize(const Device& device);

}  // namespace smlm::kernels::nn
