// Allocation and copies for kernels/nn: aligned host memory on the CPU, cudaMalloc on the GPU,
// both behind a cache of freed blocks. Training allocates the same sizes every step; reusing them
// avoids the CPU's page faults on fresh large blocks and cudaFree's device-wide synchronization.
#include "kernels/nn/memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <vector>

#include "core/error.h"

#if SMLM_HAVE_CUDA
#include "kernels/cuda_check.h"
#endif

namespace smlm::kernels::nn {

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kGranule = 4096;  // sizes round up to this, so near-equal requests share blocks

#if !SMLM_HAVE_CUDA
[[noreturn]] void no_cuda() {
  throw Error("a CUDA device was requested but smlm was built without CUDA");
}
#endif

// Device key: −1 for the CPU, else the GPU's index.
int key(const Device& d) { return d.is_cuda() ? d.index : -1; }

void* raw_allocate(int dev, size_t bytes) {
  if (dev < 0) {
    void* p = std::aligned_alloc(kAlign, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }
#if SMLM_HAVE_CUDA
  SMLM_CUDA_CHECK(cudaSetDevice(dev));
  void* p = nullptr;
  SMLM_CUDA_CHECK(cudaMalloc(&p, bytes));
  return p;
#else
  no_cuda();
#endif
}

void raw_free(int dev, void* p) noexcept {
  if (dev < 0) return std::free(p);
#if SMLM_HAVE_CUDA
  cudaSetDevice(dev);
  cudaFree(p);  // errors ignored: at exit the runtime may already be gone
#endif
}

class Cache {
 public:
  ~Cache() { release(std::nullopt); }

  void* allocate(int dev, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& list = free_[{dev, bytes}];
      if (!list.empty()) {
        void* p = list.back();
        list.pop_back();
        cached_[dev] -= bytes;
        sizes_[p] = {dev, bytes};
        return p;
      }
    }
    void* p;
    try {
      p = raw_allocate(dev, bytes);
    } catch (...) {  // out of memory: give the cached blocks back and try once more
      release(dev);
      p = raw_allocate(dev, bytes);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    sizes_[p] = {dev, bytes};
    return p;
  }

  void free(void* p) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sizes_.find(p);
    if (it == sizes_.end()) {
      std::fprintf(stderr, "smlm: free of unknown block %p\n", p);
      return;
    }
    const auto [dev, bytes] = it->second;
    sizes_.erase(it);
    free_[{dev, bytes}].push_back(p);
    cached_[dev] += bytes;
  }

  // Frees the cached blocks of one device, or of all.
  void release(std::optional<int> dev) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = free_.begin(); it != free_.end();) {
      if (dev && it->first.first != *dev) {
        ++it;
        continue;
      }
      for (void* p : it->second) raw_free(it->first.first, p);
      cached_[it->first.first] = 0;
      it = free_.erase(it);
    }
  }

  size_t cached(int dev) {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_[dev];
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<int, size_t>, std::vector<void*>> free_;
  std::map<void*, std::pair<int, size_t>> sizes_;  // blocks in use
  std::map<int, size_t> cached_;
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors may die during static destruction
  return *c;
}

}  // namespace

void* allocate_bytes(const Device& device, size_t bytes) {
  if (bytes == 0) return nullptr;
#if !SMLM_HAVE_CUDA
  if (device.is_cuda()) no_cuda();
#endif
  return cache().allocate(key(device), (bytes + kGranule - 1) / kGranule * kGranule);
}

void free_bytes(const Device&, void* ptr) noexcept {
  if (ptr) cache().free(ptr);
}

size_t cached_bytes(const Device& device) { return cache().cached(key(device)); }

void release_cached_memory(const Device& device) { cache().release(key(device)); }

void copy_bytes(const Device& dst_device, void* dst, const Device& src_device, const void* src,
                size_t bytes) {
  if (bytes == 0) return;
  if (!dst_device.is_cuda() && !src_device.is_cuda()) {
    std::memcpy(dst, src, bytes);
    return;
  }
#if SMLM_HAVE_CUDA
  if (dst_device.is_cuda() && src_device.is_cuda() && dst_device.index != src_device.index) {
    SMLM_CUDA_CHECK(cudaMemcpyPeer(dst, dst_device.index, src, src_device.index, bytes));
    return;
  }
  SMLM_CUDA_CHECK(cudaSetDevice(dst_device.is_cuda() ? dst_device.index : src_device.index));
  SMLM_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault));
#else
  no_cuda();
#endif
}

void synchronize(const Device& device) {
  if (!device.is_cuda()) return;
#if SMLM_HAVE_CUDA
  SMLM_CUDA_CHECK(cudaSetDevice(device.index));
  SMLM_CUDA_CHECK(cudaDeviceSynchronize());
#else
  no_cuda();
#endif
}

}  // namespace smlm::kernels::nn
