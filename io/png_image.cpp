// PNG writer on libpng. libpng reports errors by longjmp; they are turned into smlm::Error in
// plain C-style code so that no C++ object lives across the setjmp.
#include "io/png_image.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace smlm::io {
namespace {

struct PngError {
  char msg[256] = "";
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* e = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

// Encodes already-packed big-endian rows; false (with err->msg) on a libpng error.
bool encode(std::FILE* f, uint32_t width, uint32_t height, int bit_depth, int color_type,
            png_bytepp rows, PngError* err) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, err, on_png_error, on_png_warning);
  if (!png) {
    std::snprintf(err->msg, sizeof err->msg, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    std::snprintf(err->msg, sizeof err->msg, "out of memory");
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// Writes packed rows of `row_bytes` each through AtomicFile.
void write_rows(const std::string& path, uint32_t width, uint32_t height, int bit_depth,
                int color_type, std::vector<png_byte>& packed, size_t row_bytes) {
  AtomicFile file(path);
  std::vector<png_bytep> rows(height);
  for (size_t y = 0; y < height; ++y) rows[y] = packed.data() + y * row_bytes;
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  SMLM_CHECK(f, path << ": cannot create file: " << std::strerror(errno));
  PngError err;
  const bool ok = encode(f, width, height, bit_depth, color_type, rows.data(), &err);
  const bool io_ok = std::ferror(f) == 0;
  const bool closed = std::fclose(f) == 0;
  SMLM_CHECK(ok, path << ": PNG write failed: " << err.msg);
  SMLM_CHECK(io_ok && closed, path << ": write failed: " << std::strerror(errno));
  file.commit();
}

}  // namespace

void write_png(const std::string& path, const Image<uint16_t>& image, int bit_depth) {
  SMLM_CHECK(bit_depth == 8 || bit_depth == 16,
             path << ": PNG bit depth must be 8 or 16, not " << bit_depth);
  SMLM_CHECK(!image.empty(), path << ": cannot write an empty (" << image.width() << "x"
                                  << image.height() << ") image as PNG");

  // PNG stores 16-bit samples big-endian.
  const size_t w = size_t(image.width()), h = size_t(image.height());
  const size_t bps = size_t(bit_depth / 8);
  std::vector<png_byte> packed(w * h * bps);
  const uint16_t* src = image.data();
  for (size_t i = 0; i < w * h; ++i) {
    if (bps == 1) {
      packed[i] = png_byte(std::min<uint16_t>(src[i], 255));
    } else {
      packed[2 * i] = png_byte(src[i] >> 8);
      packed[2 * i + 1] = png_byte(src[i] & 0xff);
    }
  }
  write_rows(path, uint32_t(w), uint32_t(h), bit_depth, PNG_COLOR_TYPE_GRAY, packed, w * bps);
}

void write_png_rgb(const std::string& path, int width, int height,
                   const std::vector<uint8_t>& rgb) {
  SMLM_CHECK(width > 0 && height > 0,
             path << ": cannot write an empty (" << width << "x" << height << ") image as PNG");
  SMLM_CHECK(rgb.size() == size_t(width) * size_t(height) * 3,
             path << ": " << rgb.size() << " RGB bytes for a " << width << "x" << height
                  << " image, expected " << size_t(width) * size_t(height) * 3);
  std::vector<png_byte> packed(rgb.begin(), rgb.end());
  write_rows(path, uint32_t(width), uint32_t(height), 8, PNG_COLOR_TYPE_RGB, packed,
             size_t(width) * 3);
}

}  // namespace smlm::io
