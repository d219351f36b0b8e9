// Tensor: a dense NCHW float32 array on a Device (CPU memory or one GPU's memory). Copies of a
// Tensor share its storage, like PyTorch's: clone() makes an independent copy, to(device) a copy
// on another device. Layout: element (n, c, h, w) at ((n·C + c)·H + h)·W + w of data(), which
// points into the device's memory (dereference it on the host only for CPU tensors). Vectors and
// scalars are tensors too: a bias of K values has shape (K, 1, 1, 1), a batch of N feature vectors
// of F values (N, F, 1, 1) (see nn/layers/linear.h).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "kernels/device.h"
#include "kernels/nn/shape.h"

namespace smlm::nn {

using kernels::Device;
using kernels::nn::Shape;

class Tensor {
 public:
  // An undefined tensor: no storage, defined() is false.
  Tensor() = default;
  // Uninitialized storage for `shape` on `device`.
  explicit Tensor(const Shape& shape, const Device& device = Device::cpu());

  static Tensor zeros(const Shape& shape, const Device& device = Device::cpu());
  static Tensor full(const Shape& shape, float value, const Device& device = Device::cpu());
  // Copies `values` (shape.numel() of them, NCHW) onto the device.
  static Tensor from_host(const Shape& shape, std::span<const float> values,
                          const Device& device = Device::cpu());

  bool defined() const { return static_cast<bool>(storage_); }
  const Shape& shape() const { return shape_; }
  int64_t n() const { return shape_.n; }
  int64_t c() const { return shape_.c; }
  int64_t h() const { return shape_.h; }
  int64_t w() const { return shape_.w; }
  int64_t numel() const { return shape_.numel(); }
  const Device& device() const { return device_; }

  float* data() { return storage_.get(); }
  const float* data() const { return storage_.get(); }

  // This tensor when already on `device`, else a copy there.
  Tensor to(const Device& device) const;
  // An independent copy on the same device.
  Tensor clone() const;
  // The values, copied to host memory (NCHW order).
  std::vector<float> host() const;
  // One value (a host round trip; for tests and scalars).
  float item(int64_t index = 0) const;
  // The same storage seen with another shape of equal numel.
  Tensor reshape(const Shape& shape) const;
  // Samples [first, first + count) of the batch (dimension n): a view into this tensor's storage,
  // no copy (e.g. a validation set run in chunks).
  Tensor batch_range(int64_t first, int64_t count) const;

  void fill(float value);
  void zero() { fill(0.f); }
  // Copies src's values (same numel, any device) into this tensor's storage.
  void copy_from(const Tensor& src);

 private:
  Shape shape_{};
  Device device_{};
  std::shared_ptr<float> storage_;
};

}  // namespace smlm::nn
