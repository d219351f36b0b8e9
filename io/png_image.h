// Greyscale PNG output for rendered images and previews (8- or 16-bit), written atomically.
#pragma once

#include <cstdint>
#include <string>

#include "core/image.h"

namespace smlm::io {

// Writes `image` as a greyscale PNG of bit_depth 8 or 16, one sample per pixel, row 0 at the top.
// 16-bit: values are stored as they are; 8-bit: values above 255 are clamped to 255 (scale the
// image first to use the full range). The file is written to a temporary name beside `path` and
// renamed when complete; on any failure (missing folder, empty image, libpng error) nothing is
// left behind and smlm::Error names `path`.
void write_png(const std::string& path, const Image<uint16_t>& image, int bit_depth);

}  // namespace smlm::io
