// Image<T>: a dense row-major 2D array (x fastest), the unit of pixel data between modules.
// Pixel (x, y) is at data[y * width + x]; its centre is at (x, y) in pixel coordinates inside
// the library (ThunderSTORM's files put it at x + 0.5: io/ converts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace smlm {

template <class T>
class Image {
 public:
  Image() = default;
  Image(int width, int height, T fill = T{}) : width_(width), height_(height) {
    SMLM_CHECK(width >= 0 && height >= 0, "image size " << width << "x" << height << " is negative");
    data_.assign(static_cast<size_t>(width) * static_cast<size_t>(height), fill);
  }

  int width() const { return width_; }
  int height() const { return height_; }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  T& operator()(int x, int y) { return data_[static_cast<size_t>(y) * width_ + x]; }
  const T& operator()(int x, int y) const { return data_[static_cast<size_t>(y) * width_ + x]; }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::vector<T>& vec() { return data_; }
  const std::vector<T>& vec() const { return data_; }

 private:
  int width_ = 0;
  int height_ = 0;
  std::vector<T> data_;
};

using ImageF = Image<float>;
using ImageD = Image<double>;
using ImageU16 = Image<uint16_t>;

}  // namespace smlm
