// Tensor storage through kernels/nn/memory: shared, freed on its device when the last copy dies.
#include "nn/tensor.h"

#include "core/error.h"
#include "kernels/nn/elementwise.h"
#include "kernels/nn/memory.h"

namespace smlm::nn {

Tensor::Tensor(const Shape& shape, const Device& device) : shape_(shape), device_(device) {
  SMLM_CHECK(shape.n >= 0 && shape.c >= 0 && shape.h >= 0 && shape.w >= 0,
             "tensor shape " << shape.str() << ": negative extent");
  // At least one float, so that an empty tensor is still defined.
  const size_t count = numel() > 0 ? static_cast<size_t>(numel()) : 1;
  float* p = static_cast<float*>(kernels::nn::allocate_bytes(device, count * sizeof(float)));
  storage_ = std::shared_ptr<float>(p, [device](float* q) { kernels::nn::free_bytes(device, q); });
}

Tensor Tensor::zeros(const Shape& shape, const Device& device) { return full(shape, 0.f, device); }

Tensor Tensor::full(const Shape& shape, float value, const Device& device) {
  Tensor t(shape, device);
  t.fill(value);
  return t;
}

Tensor Tensor::from_host(const Shape& shape, std::span<const float> values, const Device& device) {
  SMLM_CHECK(static_cast<int64_t>(values.size()) == shape.numel(),
             "tensor of shape " << shape.str() << " from " << values.size() << " values");
  Tensor t(shape, device);
  kernels::nn::copy_bytes(device, t.data(), Device::cpu(), values.data(),
                          values.size() * sizeof(float));
  return t;
}

Tensor Tensor::to(const Device& device) const {
  if (device.kind == device_.kind && device.index == device_.index) return *this;
  Tensor t(shape_, device);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(shape_, device_);
  t.copy_from(*this);
  return t;
}

std::vector<float> Tensor::host() const {
  std::vector<float> v(static_cast<size_t>(numel()));
  if (!v.empty())
    kernels::nn::copy_bytes(Device::cpu(), v.data(), device_, data(), v.size() * sizeof(float));
  return v;
}

float Tensor::item(int64_t index) const {
  SMLM_CHECK(index >= 0 && index < numel(),
             "tensor item " << index << " of a tensor of " << numel());
  float v;
  kernels::nn::copy_bytes(Device::cpu(), &v, device_, data() + index, sizeof(float));
  return v;
}

Tensor Tensor::reshape(const Shape& shape) const {
  SMLM_CHECK(shape.numel() == numel(),
             "reshape " << shape_.str() << " to " << shape.str() << ": sizes differ");
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::batch_range(int64_t first, int64_t count) const {
  SMLM_CHECK(first >= 0 && count >= 0 && first + count <= shape_.n,
             "samples " << first << "+" << count << " of " << shape_.str() << ": out of range");
  Tensor t = *this;
  t.shape_.n = count;
  // The aliasing constructor: the view keeps the whole block alive and points into it.
  t.storage_ = std::shared_ptr<float>(storage_, storage_.get() + first * (numel() / shape_.n));
  return t;
}

void Tensor::fill(float value) {
  SMLM_CHECK(defined(), "fill of an undefined tensor");
  kernels::nn::fill(device_, numel(), data(), value);
}

void Tensor::copy_from(const Tensor& src) {
  SMLM_CHECK(src.numel() == numel(),
             "copy of " << src.numel() << " values into a tensor of " << numel());
  kernels::nn::copy_bytes(device_, data(), src.device_, src.data(),
                          static_cast<size_t>(numel()) * sizeof(float));
}

}  // namespace smlm::nn
