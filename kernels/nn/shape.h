// Shape: the extents of an NCHW float32 tensor (batch, channels, height, width). Every neural
// primitive in kernels/nn takes its tensors as raw pointers plus a Shape; the layout is dense and
// row-major, w fastest: element (n, c, h, w) sits at ((n·C + c)·H + h)·W + w.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace smlm::kernels::nn {

struct Shape {
  int64_t n = 0, c = 0, h = 0, w = 0;

  int64_t numel() const { return n * c * h * w; }
  int64_t plane() const { return h * w; }
  auto operator<=>(const Shape&) const = default;
  // "(n, c, h, w)", for messages.
  std::string str() const {
    std::string s = "(";
    for (int64_t v : {n, c, h, w}) {
      if (s.size() > 1) s += ", ";
      s += std::to_string(v);
    }
    return s += ")";
  }
};

}  // namespace smlm::kernels::nn
