// DeviceBuffer<T>: an owning array in GPU memory (cudaMalloc), with explicit copies to and from
// host vectors. Only available when the CUDA path is compiled; plain C++ (no CUDA syntax).
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/cuda_check.h"

namespace smlm::kernels {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) { resize(n); }
  explicit DeviceBuffer(const std::vector<T>& host) { upload(host); }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) { o.ptr_ = nullptr, o.n_ = 0; }

  void resize(size_t n) {
    if (n == n_) return;
    if (ptr_) SMLM_CUDA_CHECK(cudaFree(ptr_));
    ptr_ = nullptr;
    n_ = 0;  // set once the allocation succeeded: a failed one must not leave a size and no block
    if (n) SMLM_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T)));
    n_ = n;
  }
  // At least n elements, growing by half again at the least so that a rising series of sizes
  // reallocates only O(log) times; contents are not kept when it grows.
  void grow(size_t n) {
    if (n > n_) resize(n > n_ + n_ / 2 ? n : n_ + n_ / 2);
  }
  void upload(const std::vector<T>& host) {
    resize(host.size());
    if (n_) SMLM_CUDA_CHECK(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(std::vector<T>& host) const {
    host.resize(n_);
    if (n_) SMLM_CUDA_CHECK(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
  }
  std::vector<T> to_host() const {
    std::vector<T> h;
    download(h);
    return h;
  }
  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  size_t size() const { return n_; }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

}  // namespace smlm::kernels
