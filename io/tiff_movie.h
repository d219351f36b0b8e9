// Multi-page TIFF movies in and out: a streaming reader (classic TIFF, BigTIFF, OME-TIFF pages,
// ImageJ files including ImageJ's single-IFD > 4 GB layout) and a writer, plus single-page
// float images for rendered results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/image.h"

namespace smlm::io {

// Sample type of the pixels as stored in the file (one sample per pixel, always).
enum class PixelType { u8, u16, u32, f32 };

struct MovieInfo {
  int width = 0, height = 0;  // pixels
  int64_t frames = 0;         // number of frames (pages), known at open
  PixelType type = PixelType::u16;
  bool bigtiff = false;  // the file is a BigTIFF (64-bit offsets)
  // Integer samples are signed (int8/int16/int32, reported as u8/u16/u32 of the same width);
  // always false for files this library writes.
  bool is_signed = false;
};

// Streams the frames of a TIFF movie in file order. Memory is bounded by one frame (plus one
// strip or tile), not by the movie, so movies larger than RAM can be read.
//
// Each IFD (page) is one frame. The exception is ImageJ's layout for big stacks: one IFD whose
// ImageDescription starts with "ImageJ=" and says "images=N" (N > 1), uncompressed, with the N
// frames stored back to back from the first strip's offset; those frames are read directly at
// offset + i · frame_bytes, in the file's byte order.
//
// Supported pixels: one sample per pixel of 8-, 16- or 32-bit unsigned or signed integers or
// 32-bit floats, in strips or tiles, with any compression libtiff decodes. Every page must have
// the first page's size and sample type; a page that differs fails when it is read.
//
// Errors (missing file, not a TIFF, truncated or damaged data, unsupported pixels, pages of
// differing size) throw smlm::Error with one line naming the file, the frame where it applies
// and libtiff's own message. libtiff prints nothing to stderr; its warnings are dropped.
//
// Not thread-safe: one reader per thread (different readers on different threads are fine).
class TiffMovieReader {
 public:
  // Opens the file and reads its structure (page count, first page's size and type), not its
  // pixels. Throws smlm::Error naming the file and the problem.
  explicit TiffMovieReader(const std::string& path);
  ~TiffMovieReader();
  TiffMovieReader(TiffMovieReader&&) noexcept;
  TiffMovieReader& operator=(TiffMovieReader&&) noexcept;

  const MovieInfo& info() const;
  int width() const;
  int height() const;
  int64_t num_frames() const;

  // Reads the next frame into `frame` (resized to width × height when needed) as float, holding
  // the raw stored values (ADU; no camera conversion). Returns false, leaving `frame` untouched,
  // once all frames have been read.
  bool read(ImageF& frame);
  // Reads up to n frames; `batch` is resized to the number read (its images are reused). Returns
  // that number: n, fewer at the end of the movie, 0 after it.
  int read_batch(int n, std::vector<ImageF>& batch);
  // 0-based index of the frame the next read() returns.
  int64_t position() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes a multi-page TIFF movie, uncompressed, one strip per page, in the machine's byte order,
// one grey sample per pixel of `type`. Plain multi-page files like these open in ImageJ/Fiji as
// stacks. The file is written through AtomicFile: it appears at `path` only after close().
class TiffMovieWriter {
 public:
  // bigtiff: force BigTIFF. Otherwise BigTIFF is chosen automatically when
  // frames_hint · frame bytes would exceed ~3.9 GB; frames_hint 0 means unknown (classic TIFF,
  // which fails with an error, not a corrupt file, if it grows past 4 GB). Throws smlm::Error
  // if the folder does not exist or the size is not positive.
  TiffMovieWriter(const std::string& path, int width, int height, PixelType type,
                  bool bigtiff = false, int64_t frames_hint = 0);
  // Without close(), the partial output is discarded (nothing appears at `path`).
  ~TiffMovieWriter();
  TiffMovieWriter(TiffMovieWriter&&) noexcept;
  TiffMovieWriter& operator=(TiffMovieWriter&&) noexcept;

  // Appends one frame, which must be width × height. For integer types the values are rounded
  // to nearest (halves away from zero) and clamped to the type's range; NaN becomes 0.
  void write(const ImageF& frame);
  // Number of frames written so far.
  int64_t frames_written() const;
  // Finishes the file and renames it into place. Throws if no frame was written (a TIFF needs at
  // least one page) or the write failed. Further write()/close() calls throw.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes `image` as a single-page 32-bit float TIFF (rendered images), atomically.
void write_tiff_image(const std::string& path, const ImageF& image);
// Reads the first page (frame) of a TIFF as float.
ImageF read_tiff_image(const std::string& path);

}  // namespace smlm::io
