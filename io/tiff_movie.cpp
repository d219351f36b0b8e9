// TIFF movie reader/writer on libtiff. libtiff's messages are caught per handle (and, for the few
// code paths that bypass per-handle handlers, per thread) and become the text of smlm::Error.
#include "io/tiff_movie.h"

#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"

namespace smlm::io {
namespace {

namespace fs = std::filesystem;

// Collects libtiff's errors for one file, capped so that a long run of them cannot grow without
// bound. Warnings (unknown private tags, as in every ImageJ or OME file) are dropped.
struct TiffLog {
  std::string errors;
  int num_errors = 0;

  static void append(std::string& dst, const char* module, const char* fmt, va_list ap) {
    if (dst.size() > 2000) return;
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (!dst.empty()) dst += "; ";
    if (module && *module) dst += std::string(module) + ": ";
    dst += buf;
    std::replace(dst.begin(), dst.end(), '\n', ' ');
  }
  // libtiff's words for the last problem, for an exception's message; clears the log.
  std::string take() {
    std::string s;
    s.swap(errors);
    return s.empty() ? std::string() : " (libtiff: " + s + ")";
  }
};

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* log = static_cast<TiffLog*>(user);
  TiffLog::append(log->errors, module, fmt, ap);
  ++log->num_errors;
  return 1;  // handled: the global handler (stderr) is not called
}

int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

// Fallback for libtiff calls that report through the global handlers: the log of the handle the
// current thread is working on, or nowhere; never stderr.
thread_local TiffLog* t_log = nullptr;

void on_global_error(const char* module, const char* fmt, va_list ap) {
  if (t_log) {
    TiffLog::append(t_log->errors, module, fmt, ap);
    ++t_log->num_errors;
  }
}
void on_global_warning(const char*, const char*, va_list) {}

struct LogScope {
  TiffLog* prev;
  explicit LogScope(TiffLog* log) : prev(t_log) { t_log = log; }
  ~LogScope() { t_log = prev; }
};

TIFF* open_tiff(const std::string& path, const char* mode, TiffLog& log) {
  static std::once_flag once;
  std::call_once(once, [] {
    TIFFSetErrorHandler(on_global_error);
    TIFFSetWarningHandler(on_global_warning);
  });
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &log);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &log);
  TIFF* tif = TIFFOpenExt(path.c_str(), mode, opts);
  TIFFOpenOptionsFree(opts);
  return tif;
}

int bytes_of(PixelType t) { return t == PixelType::u8 ? 1 : t == PixelType::u16 ? 2 : 4; }

const char* name_of(PixelType t, bool is_signed) {
  switch (t) {
    case PixelType::u8:
      return is_signed ? "int8" : "uint8";
    case PixelType::u16:
      return is_signed ? "int16" : "uint16";
    case PixelType::u32:
      return is_signed ? "int32" : "uint32";
    case PixelType::f32:
      return "float32";
  }
  return "?";
}

template <class T>
void to_float(const uint8_t* src, float* dst, size_t n, bool swap) {
  for (size_t i = 0; i < n; ++i) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, src + i * sizeof(T), sizeof(T));
    if (swap) std::reverse(b, b + sizeof(T));
    T v;
    std::memcpy(&v, b, sizeof(T));
    dst[i] = static_cast<float>(v);
  }
}

void convert_to_float(PixelType t, bool is_signed, const uint8_t* src, float* dst, size_t n,
                      bool swap) {
  switch (t) {
    case PixelType::u8:
      return is_signed ? to_float<int8_t>(src, dst, n, swap) : to_float<uint8_t>(src, dst, n, swap);
    case PixelType::u16:
      return is_signed ? to_float<int16_t>(src, dst, n, swap)
                       : to_float<uint16_t>(src, dst, n, swap);
    case PixelType::u32:
      return is_signed ? to_float<int32_t>(src, dst, n, swap)
                       : to_float<uint32_t>(src, dst, n, swap);
    case PixelType::f32:
      return to_float<float>(src, dst, n, swap);
  }
}

// The sample layout of the current directory.
struct PageFormat {
  uint32_t width = 0, height = 0;
  uint16_t spp = 1, bits = 0, sample_format = SAMPLEFORMAT_UINT;
};

PageFormat page_format(TIFF* tif) {
  PageFormat f;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &f.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &f.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &f.spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &f.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f.sample_format);
  return f;
}

// Reads an unsigned integer of `bytes` bytes at `offset` in the file's byte order; false at the
// end.
bool read_uint(int fd, uint64_t offset, int bytes, bool swap, uint64_t& value) {
  uint8_t b[8] = {};
  if (::pread(fd, b, size_t(bytes), off_t(offset)) != bytes) return false;
  if (swap) std::reverse(b, b + bytes);
  value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = value << 8 | b[i];  // host is little-endian
  return true;
}

// Walks the chain of pages (IFDs) as stored: returns "" or, when a page's next-page pointer goes
// back to a page already seen, the words that say so (libtiff stops there without an error, so
// that a looping file would read as its first few pages). Other damage is libtiff's to report.
std::string find_page_loop(int fd, bool bigtiff, bool swap) {
  static_assert(std::endian::native == std::endian::little);
  const int word = bigtiff ? 8 : 4, count_bytes = bigtiff ? 8 : 2, entry = bigtiff ? 20 : 12;
  uint64_t offset = 0;
  if (!read_uint(fd, bigtiff ? 8 : 4, word, swap, offset)) return {};
  std::unordered_map<uint64_t, int64_t> seen;  // offset -> page (from 1)
  for (int64_t page = 1; offset != 0; ++page) {
    if (const auto it = seen.find(offset); it != seen.end())
      return "loop in the chain of pages: page " + std::to_string(page - 1) +
             "'s next-page pointer goes back to page " + std::to_string(it->second) +
             " (damaged file)";
    seen.emplace(offset, page);
    uint64_t n = 0;
    if (!read_uint(fd, offset, count_bytes, swap, n) || n > (uint64_t(1) << 32)) return {};
    if (!read_uint(fd, offset + uint64_t(count_bytes) + n * uint64_t(entry), word, swap, offset))
      return {};
  }
  return {};
}

// Parses "key=<integer>" from an ImageJ description (one key=value per line); -1 if absent.
int64_t imagej_value(const std::string& desc, const std::string& key) {
  size_t pos = 0;
  while (pos < desc.size()) {
    size_t end = desc.find('\n', pos);
    if (end == std::string::npos) end = desc.size();
    const std::string line = desc.substr(pos, end - pos);
    if (line.rfind(key + "=", 0) == 0) {
      try {
        return std::stoll(line.substr(key.size() + 1));
      } catch (...) {
        return -1;
      }
    }
    pos = end + 1;
  }
  return -1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

struct TiffMovieReader::Impl {
  std::string path;
  TiffLog log;
  TIFF* tif = nullptr;
  MovieInfo info;
  int64_t pos = 0;
  int64_t dir = 0;  // libtiff's current directory
  // ImageJ single-IFD layout: frame i is at raw_offset + i * frame_bytes.
  bool raw = false;
  uint64_t raw_offset = 0;
  bool swap = false;
  std::vector<uint8_t> buf, tile;

  ~Impl() {
    if (tif) {
      LogScope scope(&log);
      TIFFClose(tif);
    }
  }
  size_t frame_bytes() const {
    return size_t(info.width) * size_t(info.height) * size_t(bytes_of(info.type));
  }
  [[noreturn]] void fail(const std::string& what) { throw Error(path + ": " + what + log.take()); }
  void check_format(const PageFormat& f, int64_t frame) {
    if (f.width != uint32_t(info.width) || f.height != uint32_t(info.height))
      fail("frame " + std::to_string(frame) + " is " + std::to_string(f.width) + "x" +
           std::to_string(f.height) + " pixels, but the first is " + std::to_string(info.width) +
           "x" + std::to_string(info.height) + " (pages of differing size)");
    PixelType t;
    bool is_signed;
    if (!parse_type(f, t, is_signed) || t != info.type || is_signed != info.is_signed)
      fail("frame " + std::to_string(frame) + " has " + std::to_string(f.bits) +
           "-bit samples of format " + std::to_string(f.sample_format) + ", the first page " +
           name_of(info.type, info.is_signed) + " (pages of differing type)");
  }
  static bool parse_type(const PageFormat& f, PixelType& t, bool& is_signed) {
    is_signed = f.sample_format == SAMPLEFORMAT_INT;
    if (f.sample_format == SAMPLEFORMAT_IEEEFP) {
      t = PixelType::f32;
      return f.bits == 32;
    }
    if (f.sample_format != SAMPLEFORMAT_UINT && f.sample_format != SAMPLEFORMAT_INT) return false;
    switch (f.bits) {
      case 8:
        t = PixelType::u8;
        return true;
      case 16:
        t = PixelType::u16;
        return true;
      case 32:
        t = PixelType::u32;
        return true;
      default:
        return false;
    }
  }

  void open() {
    std::error_code ec;
    if (!fs::exists(path, ec)) fail("no such file");
    if (fs::is_directory(path, ec)) fail("is a folder, not a TIFF file");
    tif = open_tiff(path, "rm", log);  // no mmap: a file cut short under us must not SIGBUS
    if (!tif) fail("not a readable TIFF file");

    const PageFormat f = page_format(tif);
    if (f.width == 0 || f.height == 0 || f.width > uint32_t(std::numeric_limits<int>::max()) ||
        f.height > uint32_t(std::numeric_limits<int>::max()))
      fail("invalid image size " + std::to_string(f.width) + "x" + std::to_string(f.height));
    if (f.spp != 1)
      fail("unsupported pixels: " + std::to_string(f.spp) +
           " samples per pixel (only single-channel grey movies are supported, not RGB)");
    if (!parse_type(f, info.type, info.is_signed))
      fail("unsupported pixels: " + std::to_string(f.bits) + "-bit samples of format " +
           std::to_string(f.sample_format) + " (supported: 8/16/32-bit integers, 32-bit float)");
    info.width = int(f.width);
    info.height = int(f.height);
    info.bigtiff = TIFFIsBigTIFF(tif);
    swap = TIFFIsByteSwapped(tif);

    if (const std::string loop = find_page_loop(TIFFFileno(tif), info.bigtiff, swap); !loop.empty())
      fail(loop);
    const int errors_before = log.num_errors;
    const tdir_t ndirs = TIFFNumberOfDirectories(tif);
    if (log.num_errors != errors_before || ndirs == 0)
      fail("damaged or truncated: cannot read the chain of pages");
    info.frames = ndirs;

    char* desc = nullptr;
    if (ndirs == 1 && TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc &&
        std::strncmp(desc, "ImageJ=", 7) == 0) {
      const int64_t images = imagej_value(desc, "images");
      if (images > 1) open_imagej_contiguous(images);
    }
    check_page_size(1);
    buf.resize(frame_bytes());
  }

  // A page claims width x height pixels: before allocating them, check that the file can hold
  // them (uncompressed: its bytes; compressed: deflate's best ratio, ~1000:1), so that a damaged
  // or hostile header ends in a message, not in std::bad_alloc or the OOM killer.
  void check_page_size(int64_t page) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) return;  // a pipe or special file: libtiff's reads will tell
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    const uint64_t limit = compression == COMPRESSION_NONE ? size : size * 1100 + (1 << 20);
    const uint64_t need = uint64_t(frame_bytes());
    uint64_t tile = 0;
    if (TIFFIsTiled(tif)) tile = uint64_t(TIFFTileSize64(tif));
    if (need > limit || tile > limit)
      fail("page " + std::to_string(page) + " claims " + std::to_string(info.width) + "x" +
           std::to_string(info.height) + " pixels" +
           (need > limit ? " (" + std::to_string(need) + " bytes)"
                         : " in tiles of " + std::to_string(tile) + " bytes") +
           ", more than the file's " + std::to_string(size) + " bytes can hold (damaged file)");
  }

  // ImageJ's one-IFD stack: all frames uncompressed and contiguous after the first strip.
  void open_imagej_contiguous(int64_t images) {
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    const uint64_t* offsets = nullptr;
    const uint64_t* counts = nullptr;
    const uint32_t nstrips = TIFFNumberOfStrips(tif);
    bool contiguous = compression == COMPRESSION_NONE && !TIFFIsTiled(tif) && nstrips > 0 &&
                      TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) &&
                      TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts) && offsets && counts;
    uint64_t total = 0;
    for (uint32_t s = 0; contiguous && s < nstrips; ++s) {
      contiguous = offsets[s] == offsets[0] + total;
      total += counts[s];
    }
    if (!contiguous || total != frame_bytes())
      fail("ImageJ file says images=" + std::to_string(images) +
           " but holds one page whose data are compressed or not contiguous (unsupported)");
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    const uint64_t need = offsets[0] + uint64_t(images) * frame_bytes();
    if (ec || size < need)
      fail("truncated: the ImageJ header announces " + std::to_string(images) + " frames (" +
           std::to_string(need) + " bytes) but the file has " + std::to_string(size) + " bytes");
    raw = true;
    raw_offset = offsets[0];
    info.frames = images;
  }

  void read_raw(int64_t frame) {
    log.errors.clear();
    const int fd = TIFFFileno(tif);
    size_t done = 0;
    const size_t n = buf.size();
    const uint64_t off = raw_offset + uint64_t(frame) * n;
    while (done < n) {
      const ssize_t r = ::pread(fd, buf.data() + done, n - done, off_t(off + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0)
        fail("frame " + std::to_string(frame) + ": read failed: " +
             (r < 0 ? std::strerror(errno) : "unexpected end of file (truncated)"));
      done += size_t(r);
    }
  }

  void read_page(int64_t frame) {
    log.errors.clear();  // keep only this frame's messages
    if (dir != frame) {
      const int ok =
          frame == dir + 1 ? TIFFReadDirectory(tif) : TIFFSetDirectory(tif, tdir_t(frame));
      if (!ok) fail("frame " + std::to_string(frame) + ": cannot read its page (damaged file)");
      dir = frame;
    }
    // Checked on every read, so that a retry after a failed check cannot skip it.
    check_format(page_format(tif), frame);
    const size_t row_bytes = size_t(info.width) * size_t(bytes_of(info.type));
    if (TIFFIsTiled(tif)) {
      uint32_t tw = 0, th = 0;
      TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
      TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
      if (tw == 0 || th == 0) fail("frame " + std::to_string(frame) + ": invalid tile size");
      tile.resize(size_t(TIFFTileSize64(tif)));
      const size_t bpp = size_t(bytes_of(info.type));
      for (uint32_t y0 = 0; y0 < uint32_t(info.height); y0 += th) {
        for (uint32_t x0 = 0; x0 < uint32_t(info.width); x0 += tw) {
          const ttile_t t = TIFFComputeTile(tif, x0, y0, 0, 0);
          if (TIFFReadEncodedTile(tif, t, tile.data(), tmsize_t(tile.size())) < 0)
            fail("frame " + std::to_string(frame) + ": cannot read tile " + std::to_string(t) +
                 " (truncated or damaged file)");
          const uint32_t w = std::min(tw, uint32_t(info.width) - x0);
          const uint32_t h = std::min(th, uint32_t(info.height) - y0);
          for (uint32_t y = 0; y < h; ++y)
            std::memcpy(buf.data() + (size_t(y0 + y) * info.width + x0) * bpp,
                        tile.data() + size_t(y) * tw * bpp, w * bpp);
        }
      }
      return;
    }
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    rps = std::clamp<uint32_t>(rps, 1, uint32_t(info.height));
    const uint32_t nstrips = (uint32_t(info.height) + rps - 1) / rps;
    if (TIFFNumberOfStrips(tif) < nstrips)
      fail("frame " + std::to_string(frame) + ": has too few strips (damaged file)");
    for (uint32_t s = 0; s < nstrips; ++s) {
      const uint32_t rows = std::min(rps, uint32_t(info.height) - s * rps);
      const tmsize_t want = tmsize_t(rows * row_bytes);
      const tmsize_t got =
          TIFFReadEncodedStrip(tif, s, buf.data() + size_t(s) * rps * row_bytes, want);
      if (got != want)
        fail("frame " + std::to_string(frame) + ": cannot read strip " + std::to_string(s) +
             " (truncated or damaged file)");
    }
  }
};

TiffMovieReader::TiffMovieReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  LogScope scope(&impl_->log);
  impl_->open();
}
TiffMovieReader::~TiffMovieReader() = default;
TiffMovieReader::TiffMovieReader(TiffMovieReader&&) noexcept = default;
TiffMovieReader& TiffMovieReader::operator=(TiffMovieReader&&) noexcept = default;

const MovieInfo& TiffMovieReader::info() const { return impl_->info; }
int TiffMovieReader::width() const { return impl_->info.width; }
int TiffMovieReader::height() const { return impl_->info.height; }
int64_t TiffMovieReader::num_frames() const { return impl_->info.frames; }
int64_t TiffMovieReader::position() const { return impl_->pos; }

bool TiffMovieReader::read(ImageF& frame) {
  Impl& m = *impl_;
  if (m.pos >= m.info.frames) return false;
  LogScope scope(&m.log);
  if (m.raw)
    m.read_raw(m.pos);
  else
    m.read_page(m.pos);
  if (frame.width() != m.info.width || frame.height() != m.info.height)
    frame = ImageF(m.info.width, m.info.height);
  // libtiff has already put decoded pages into host order; raw ImageJ data are still in the file's.
  convert_to_float(m.info.type, m.info.is_signed, m.buf.data(), frame.data(), frame.size(),
                   m.raw && m.swap);
  ++m.pos;
  return true;
}

int TiffMovieReader::read_batch(int n, std::vector<ImageF>& batch) {
  const int64_t left = impl_->info.frames - impl_->pos;
  const int count = int(std::clamp<int64_t>(left, 0, std::max(n, 0)));
  batch.resize(size_t(count));
  for (int i = 0; i < count; ++i) read(batch[size_t(i)]);
  return count;
}

// ---------------------------------------------------------------------------------------------
// Writer

struct TiffMovieWriter::Impl {
  std::optional<AtomicFile> file;
  TiffLog log;
  TIFF* tif = nullptr;
  int width = 0, height = 0;
  PixelType type = PixelType::u16;
  int64_t frames = 0;
  bool closed = false;
  std::vector<uint8_t> buf;

  ~Impl() {
    if (tif) {
      LogScope scope(&log);
      TIFFClose(tif);  // the temporary file is then removed by ~AtomicFile
    }
  }
  [[noreturn]] void fail(const std::string& what) {
    throw Error(file->path() + ": " + what + log.take());
  }
};

TiffMovieWriter::TiffMovieWriter(const std::string& path, int width, int height, PixelType type,
                                 bool bigtiff, int64_t frames_hint)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  SMLM_CHECK(width > 0 && height > 0,
             path << ": cannot write a " << width << "x" << height << " TIFF movie");
  m.file.emplace(path);
  m.width = width;
  m.height = height;
  m.type = type;
  const double frame_bytes = double(width) * double(height) * bytes_of(type);
  if (frames_hint > 0 && double(frames_hint) * frame_bytes > 3.9e9) bigtiff = true;
  SMLM_CHECK(frame_bytes < 3.9e9,
             path << ": a " << width << "x" << height << " frame is too large for one TIFF strip");
  m.buf.resize(size_t(frame_bytes));
  LogScope scope(&m.log);
  m.tif = open_tiff(m.file->temp_path(), bigtiff ? "w8" : "w", m.log);
  if (!m.tif) m.fail("cannot create the file");
}
TiffMovieWriter::~TiffMovieWriter() = default;
TiffMovieWriter::TiffMovieWriter(TiffMovieWriter&&) noexcept = default;
TiffMovieWriter& TiffMovieWriter::operator=(TiffMovieWriter&&) noexcept = default;

int64_t TiffMovieWriter::frames_written() const { return impl_->frames; }

namespace {
template <class T>
void from_float(const float* src, uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    T v;
    if constexpr (std::is_floating_point_v<T>) {
      v = src[i];
    } else {
      const double x = src[i];
      constexpr double hi = double(std::numeric_limits<T>::max());
      v = std::isnan(x) ? T(0) : x <= 0 ? T(0) : x >= hi ? T(hi) : T(std::round(x));
    }
    std::memcpy(dst + i * sizeof(T), &v, sizeof(T));
  }
}
}  // namespace

void TiffMovieWriter::write(const ImageF& frame) {
  Impl& m = *impl_;
  SMLM_CHECK(!m.closed, m.file->path() << ": write after close()");
  SMLM_CHECK(frame.width() == m.width && frame.height() == m.height,
             m.file->path() << ": frame " << m.frames << " is " << frame.width() << "x"
                            << frame.height() << ", the movie is " << m.width << "x" << m.height);
  const size_t n = frame.size();
  switch (m.type) {
    case PixelType::u8:
      from_float<uint8_t>(frame.data(), m.buf.data(), n);
      break;
    case PixelType::u16:
      from_float<uint16_t>(frame.data(), m.buf.data(), n);
      break;
    case PixelType::u32:
      from_float<uint32_t>(frame.data(), m.buf.data(), n);
      break;
    case PixelType::f32:
      from_float<float>(frame.data(), m.buf.data(), n);
      break;
  }
  LogScope scope(&m.log);
  TIFF* tif = m.tif;
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, uint32_t(m.width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, uint32_t(m.height));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, uint16_t(1));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, uint16_t(8 * bytes_of(m.type)));
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT,
               uint16_t(m.type == PixelType::f32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT));
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, uint16_t(PHOTOMETRIC_MINISBLACK));
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, uint16_t(PLANARCONFIG_CONTIG));
  TIFFSetField(tif, TIFFTAG_COMPRESSION, uint16_t(COMPRESSION_NONE));
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, uint32_t(m.height));
  if (TIFFWriteEncodedStrip(tif, 0, m.buf.data(), tmsize_t(m.buf.size())) < 0)
    m.fail("cannot write frame " + std::to_string(m.frames) +
           " (disk full? a classic TIFF past 4 GB needs bigtiff or a frames_hint)");
  if (!TIFFWriteDirectory(tif))
    m.fail("cannot write the page of frame " + std::to_string(m.frames) +
           " (disk full? a classic TIFF past 4 GB needs bigtiff or a frames_hint)");
  ++m.frames;
}

void TiffMovieWriter::close() {
  Impl& m = *impl_;
  SMLM_CHECK(!m.closed, m.file->path() << ": close() called twice");
  SMLM_CHECK(m.frames > 0, m.file->path() << ": no frames written (a TIFF needs at least one)");
  m.closed = true;
  LogScope scope(&m.log);
  const int errors_before = m.log.num_errors;
  TIFFClose(m.tif);
  m.tif = nullptr;
  if (m.log.num_errors != errors_before) m.fail("write failed");
  m.file->commit();
}

void write_tiff_image(const std::string& path, const ImageF& image) {
  TiffMovieWriter w(path, image.width(), image.height(), PixelType::f32);
  w.write(image);
  w.close();
}

ImageF read_tiff_image(const std::string& path) {
  TiffMovieReader r(path);
  ImageF image;
  r.read(image);
  return image;
}

}  // namespace smlm::io
