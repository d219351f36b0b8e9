// PNG output, written atomically: greyscale (8- or 16-bit) for rendered images and previews, 8-bit
// RGB for charts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace smlm::io {

// Writes `image` as a greyscale PNG of bit_depth 8 or 16, one sample per pixel, row 0 at the top.
// 16-bit: values are stored as they are; 8-bit: values above 255 are clamped to 255 (scale the
// image first to use the full range). The file is written to a temporary name beside `path` and
// renamed when complete; on any failure (missing folder, empty image, libpng error) nothing is
// left behind and smlm::Error names `path`.
void write_png(const std::string& path, const Image<uint16_t>& image, int bit_depth);

// Writes an 8-bit RGB PNG: `rgb` holds width·height pixels row by row from the top, three bytes
// (red, green, blue) each. Written like write_png; smlm::Error names `path` for a size that does
// not match (or is empty) and for any write failure.
void write_png_rgb(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb);

}  // namespace smlm::io
