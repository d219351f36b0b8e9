// DeviceArray<T>: an owning array of trivially copyable T in the memory of a Device — 64-byte
// aligned host memory for the CPU (what FFTW's SIMD paths and vector loads like), a DeviceBuffer
// (cudaMalloc) for a CUDA device — with copies from and to host memory. Plain C++: no CUDA
// syntax, usable from g++ and nvcc translation units alike.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "kernels/device.h"

#if SMLM_HAVE_CUDA
#include "kernels/device_buffer.h"
#endif

namespace smlm::kernels {

template <class T>
class DeviceArray {
  static_assert(std::is_trivially_copyable_v<T>, "DeviceArray holds trivially copyable values");

 public:
  DeviceArray() = default;
  DeviceArray(const Device& device, size_t n) { resize(device, n); }
  DeviceArray(const Device& device, const std::vector<T>& host) { upload(device, host); }
  ~DeviceArray() {
    if (host_) ::operator delete (host_, std::align_val_t{kAlign});  // gpu_ frees itself
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  // n elements on `device`. The allocation is kept (with its contents) while n fits it and the
  // device stays the same, so a loop over varying sizes allocates only when it grows.
  void resize(const Device& device, size_t n) {
    if (n <= capacity_ && device.kind == device_.kind && device.index == device_.index) {
      n_ = n;
      return;
    }
    release();
    device_ = device;
    if (n == 0) return;
    if (device.is_cuda()) {
#if SMLM_HAVE_CUDA
      SMLM_CUDA_CHECK(cudaSetDevice(device.index));
      gpu_.resize(n);
#else
      throw Error("a CUDA device was requested but smlm was built without CUDA");
#endif
    } else {
      host_ = static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kAlign}));
    }
    n_ = capacity_ = n;
  }
  void upload(const Device& device, const std::vector<T>& host) {
    resize(device, host.size());
    copy_from_host(host.data(), host.size());
  }
  // The first n elements from / to host memory.
  void copy_from_host(const T* src, size_t n) {
    SMLM_CHECK(n <= n_, "DeviceArray: copying " << n << " elements into " << n_);
    if (n == 0) return;
#if SMLM_HAVE_CUDA
    if (device_.is_cuda()) {
      SMLM_CUDA_CHECK(cudaSetDevice(device_.index));
      SMLM_CUDA_CHECK(cudaMemcpy(gpu_.data(), src, n * sizeof(T), cudaMemcpyHostToDevice));
      return;
    }
#endif
    std::memcpy(host_, src, n * sizeof(T));
  }
  void copy_to_host(T* dst, size_t n) const {
    SMLM_CHECK(n <= n_, "DeviceArray: copying " << n << " elements out of " << n_);
    if (n == 0) return;
#if SMLM_HAVE_CUDA
    if (device_.is_cuda()) {
      SMLM_CUDA_CHECK(cudaSetDevice(device_.index));
      SMLM_CUDA_CHECK(cudaMemcpy(dst, gpu_.data(), n * sizeof(T), cudaMemcpyDeviceToHost));
      return;
    }
#endif
    std::memcpy(dst, host_, n * sizeof(T));
  }
  std::vector<T> to_host() const {
    std::vector<T> h(n_);
    copy_to_host(h.data(), n_);
    return h;
  }

  T* data() {
#if SMLM_HAVE_CUDA
    if (device_.is_cuda()) return gpu_.data();
#endif
    return host_;
  }
  const T* data() const { return const_cast<DeviceArray*>(this)->data(); }
  size_t size() const { return n_; }
  const Device& device() const { return device_; }

 private:
  static constexpr size_t kAlign = 64;

  void release() {
    if (host_) ::operator delete (host_, std::align_val_t{kAlign});
    host_ = nullptr;
#if SMLM_HAVE_CUDA
    gpu_.resize(0);
#endif
    n_ = capacity_ = 0;
  }

  Device device_;
  T* host_ = nullptr;
#if SMLM_HAVE_CUDA
  DeviceBuffer<T> gpu_;
#endif
  size_t n_ = 0, capacity_ = 0;
};

}  // namespace smlm::kernels
