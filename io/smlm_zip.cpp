// .smlm reader and writer: ZIP through libzip (ZIP64 both ways; the binary table produced
// lazily by a libzip source while zip_close deflates it), and a minimal JSON parser and emitter
// for manifest.json.
#include "io/smlm_zip.h"

#include <zip.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace smlm::io {

namespace {

constexpr size_t kIoChunk = size_t{1} << 20;
constexpr uint64_t kMaxManifest = uint64_t{64} << 20;

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t le64(const unsigned char* p) { return le32(p) | (uint64_t{le32(p + 4)} << 32); }

// ---------------------------------------------------------------------------------------------
// JSON.

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  // An object's members in order: keys[i] names array[i]. (A vector of pair<string, Json> would
  // hold the incomplete Json, which libstdc++ under clang refuses.)
  std::vector<std::string> keys;

  const Json* get(std::string_view key) const {
    if (type != Type::kObject) return nullptr;
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &array[i];
    return nullptr;
  }
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
};

class JsonParser {
 public:
  JsonParser(const std::string& where, std::string_view text) : where_(where), s_(text) {}

  Json parse() {
    skip_ws();
    if (s_.substr(pos_, 3) == "\xEF\xBB\xBF") pos_ += 3;  // UTF-8 byte-order mark
    Json v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected text after the end");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    SMLM_CHECK(false, where_ << ": invalid JSON at byte " << pos_ << ": " << what);
    std::abort();
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }

  Json value(int depth) {
    if (depth > 64) fail("nested too deeply");
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end");
    Json v;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v.type = Json::Type::kObject;
      if (eat('}')) return v;
      do {
        skip_ws();
        if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key string");
        std::string key = string();
        expect(':');
        v.keys.push_back(std::move(key));
        v.array.push_back(value(depth + 1));
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++pos_;
      v.type = Json::Type::kArray;
      if (eat(']')) return v;
      do v.array.push_back(value(depth + 1));
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.type = Json::Type::kString;
      v.string = string();
    } else if (s_.substr(pos_, 4) == "true") {
      pos_ += 4;
      v.type = Json::Type::kBool;
      v.boolean = true;
    } else if (s_.substr(pos_, 5) == "false") {
      pos_ += 5;
      v.type = Json::Type::kBool;
    } else if (s_.substr(pos_, 4) == "null") {
      pos_ += 4;
    } else if (s_.substr(pos_, 3) == "NaN") {  // Python's json.dumps writes NaN and Infinity
      pos_ += 3;
      v.type = Json::Type::kNumber;
      v.number = std::numeric_limits<double>::quiet_NaN();
    } else if (s_.substr(pos_, 8) == "Infinity" || s_.substr(pos_, 9) == "-Infinity") {
      const bool neg = c == '-';
      pos_ += neg ? 9 : 8;
      v.type = Json::Type::kNumber;
      v.number = neg ? -HUGE_VAL : HUGE_VAL;
    } else {
      v.type = Json::Type::kNumber;
      const auto r = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v.number);
      if (r.ec != std::errc() || r.ptr == s_.data() + pos_) fail("expected a value");
      pos_ = static_cast<size_t>(r.ptr - s_.data());
    }
    return v;
  }

  void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    uint32_t cp = 0;
    const auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, cp, 16);
    if (r.ptr != s_.data() + pos_ + 4) fail("bad \\u escape");
    pos_ += 4;
    return cp;
  }
  std::string string() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            const uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(out, cp);
          break;
        }
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  const std::string& where_;
  std::string_view s_;
  size_t pos_ = 0;
};

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------------------------
// ZIP reading (libzip).

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// libzip's text for an error code; system errors take errno, so call this right after the
// failing call.
std::string zip_reason(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

class ZipReader {
 public:
  explicit ZipReader(const std::string& path) : path_(path) {
    std::error_code ec;
    SMLM_CHECK(!std::filesystem::is_directory(path, ec), path << ": is a folder, not a file");
    int code = ZIP_ER_OK;
    zip_.reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
    if (zip_ != nullptr) return;
    const std::string reason = zip_reason(code);
    SMLM_CHECK(code != ZIP_ER_NOZIP, path << ": not a ZIP archive (no end-of-central-directory "
                                             "record, or the file is truncated)");
    SMLM_CHECK(code != ZIP_ER_INCONS && code != ZIP_ER_CRC && code != ZIP_ER_EOF,
               path << ": corrupt ZIP archive: " << reason);
    SMLM_CHECK(false, path << ": cannot open: " << reason);
  }

  // The index of the entry named exactly `name`, or nullopt.
  std::optional<zip_uint64_t> find(const std::string& name) const {
    const zip_int64_t i = zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_ENC_RAW);
    if (i < 0) return std::nullopt;
    return static_cast<zip_uint64_t>(i);
  }

  // Uncompressed size of entry `i`.
  uint64_t size(zip_uint64_t i) const { return stat(i).size; }

  // Streams the uncompressed bytes of entry `i` to `sink` in chunks; libzip checks the CRC-32
  // and the size when the entry's last byte has been read.
  void extract(zip_uint64_t i, const std::function<void(const unsigned char*, size_t)>& sink) {
    const zip_stat_t st = stat(i);
    const std::string name = st.name;
    SMLM_CHECK(st.encryption_method == ZIP_EM_NONE,
               path_ << ": ZIP entry '" << name << "' is encrypted");
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(zip_.get(), i, 0));
    if (f == nullptr) {
      zip_error_t* e = zip_get_error(zip_.get());
      SMLM_CHECK(zip_error_code_zip(e) != ZIP_ER_COMPNOTSUPP,
                 path_ << ": ZIP entry '" << name << "' uses compression method " << st.comp_method
                       << ", which libzip cannot read here");
      fail(name, e);
    }
    std::vector<unsigned char> buf(kIoChunk);
    uint64_t produced = 0;
    while (true) {
      const zip_int64_t n = zip_fread(f.get(), buf.data(), buf.size());
      if (n < 0) fail(name, zip_file_get_error(f.get()));
      if (n == 0) break;
      produced += static_cast<uint64_t>(n);
      SMLM_CHECK(produced <= st.size, path_ << ": corrupt ZIP archive: entry '" << name
                                            << "' is longer than its recorded size");
      sink(buf.data(), static_cast<size_t>(n));
    }
    SMLM_CHECK(produced == st.size, path_ << ": corrupt ZIP archive: entry '" << name << "' has "
                                          << produced << " bytes, its header says " << st.size);
  }

  std::string extract_all(zip_uint64_t i, uint64_t max_size) {
    const uint64_t n = size(i);
    SMLM_CHECK(n <= max_size,
               path_ << ": ZIP entry '" << stat(i).name << "' is too large (" << n << " bytes)");
    std::string s;
    s.reserve(static_cast<size_t>(n));
    extract(i, [&](const unsigned char* p, size_t k) {
      s.append(reinterpret_cast<const char*>(p), k);
    });
    return s;
  }

 private:
  zip_stat_t stat(zip_uint64_t i) const {
    zip_stat_t st;
    zip_stat_init(&st);
    SMLM_CHECK(zip_stat_index(zip_.get(), i, ZIP_FL_ENC_RAW, &st) == 0,
               path_ << ": corrupt ZIP archive: " << zip_strerror(zip_.get()));
    const zip_uint64_t need =
        ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
    SMLM_CHECK((st.valid & need) == need,
               path_ << ": corrupt ZIP archive: entry " << i << " has no name or size");
    return st;
  }

  [[noreturn]] void fail(const std::string& name, zip_error_t* e) const {
    const int code = zip_error_code_zip(e);
    SMLM_CHECK(code != ZIP_ER_CRC,
               path_ << ": corrupt ZIP archive: CRC-32 mismatch in entry '" << name << "'");
    SMLM_CHECK(code != ZIP_ER_NOPASSWD && code != ZIP_ER_WRONGPASSWD && code != ZIP_ER_ENCRNOTSUPP,
               path_ << ": ZIP entry '" << name << "' is encrypted");
    SMLM_CHECK(code != ZIP_ER_READ && code != ZIP_ER_SEEK,
               path_ << ": read error in entry '" << name << "': " << zip_error_strerror(e));
    SMLM_CHECK(false,
               path_ << ": corrupt ZIP archive: entry '" << name << "': " << zip_error_strerror(e));
    std::abort();
  }

  const std::string& path_;
  ZipPtr zip_;
};

// ---------------------------------------------------------------------------------------------
// ZIP writing (libzip).

// A libzip source that encodes the binary table (rows x columns float32, little-endian,
// row-interleaved, frame + 1) on demand, one chunk of rows at a time, while zip_close deflates
// it: the table is never held twice.
class TableSource {
 public:
  explicit TableSource(const LocalizationTable& t)
      : t_(t),
        row_bytes_(4 * t.num_columns()),
        chunk_rows_(std::max<size_t>(1, kIoChunk / std::max<size_t>(row_bytes_, 1))) {
    zip_error_init(&error_);
  }
  ~TableSource() { zip_error_fini(&error_); }
  TableSource(const TableSource&) = delete;
  TableSource& operator=(const TableSource&) = delete;

  uint64_t size() const { return uint64_t{t_.size()} * row_bytes_; }
  // What the callback caught (libzip is C: nothing may unwind through it), or null.
  std::exception_ptr exception() const { return exception_; }

  static zip_int64_t callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    auto* s = static_cast<TableSource*>(self);
    try {
      return s->command(data, len, cmd);
    } catch (...) {
      s->exception_ = std::current_exception();
      zip_error_set(&s->error_, ZIP_ER_INTERNAL, 0);
      return -1;
    }
  }

 private:
  zip_int64_t command(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_OPEN:
        next_row_ = 0;
        begin_ = end_ = 0;
        return 0;
      case ZIP_SOURCE_READ:
        return read(static_cast<unsigned char*>(data), len);
      case ZIP_SOURCE_CLOSE:
        buf_ = {};
        return 0;
      case ZIP_SOURCE_STAT: {
        // The size lets libzip write a plain header, or ZIP64 when deflate may pass 4 GiB.
        zip_stat_t* st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &error_);
        if (st == nullptr) return -1;
        zip_stat_init(st);
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_METHOD;
        st->size = size();
        st->comp_method = ZIP_CM_STORE;
        return sizeof(zip_stat_t);
      }
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_FREE:
        return 0;
      case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_READABLE;
      default:
        zip_error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  }

  zip_int64_t read(unsigned char* out, zip_uint64_t len) {
    zip_uint64_t done = 0;
    while (done < len) {
      if (begin_ == end_ && !fill()) break;
      const size_t k = static_cast<size_t>(std::min<zip_uint64_t>(len - done, end_ - begin_));
      std::memcpy(out + done, buf_.data() + begin_, k);
      begin_ += k;
      done += k;
    }
    return static_cast<zip_int64_t>(done);
  }

  // Encodes the next chunk of rows into buf_; false at the end of the table.
  bool fill() {
    const auto& columns = t_.columns();
    if (next_row_ >= t_.size() || columns.empty()) return false;
    const size_t n = std::min(chunk_rows_, t_.size() - next_row_);
    buf_.resize(chunk_rows_ * row_bytes_);
    for (size_t c = 0; c < columns.size(); ++c) {
      const double* v = columns[c].values.data() + next_row_;
      const double shift = columns[c].name == col::frame ? 1.0 : 0.0;
      unsigned char* p = buf_.data() + 4 * c;
      for (size_t r = 0; r < n; ++r, p += row_bytes_) {
        const uint32_t bits = std::bit_cast<uint32_t>(static_cast<float>(v[r] + shift));
        p[0] = bits & 0xFF;
        p[1] = (bits >> 8) & 0xFF;
        p[2] = (bits >> 16) & 0xFF;
        p[3] = bits >> 24;
      }
    }
    next_row_ += n;
    begin_ = 0;
    end_ = n * row_bytes_;
    return true;
  }

  const LocalizationTable& t_;
  const size_t row_bytes_, chunk_rows_;
  size_t next_row_ = 0, begin_ = 0, end_ = 0;
  std::vector<unsigned char> buf_;
  zip_error_t error_;
  std::exception_ptr exception_;
};

// The archive's own source: libzip writes the archive straight into AtomicFile's temporary file
// (through a 1 MiB stdio buffer), not into a temporary file of its own beside it that AtomicFile's
// cleanup would not know. The archive starts empty; zip_close writes it, then COMMIT_WRITE closes
// the file, which AtomicFile::commit renames; ROLLBACK_WRITE leaves its removal to AtomicFile.
class TempFileTarget {
 public:
  explicit TempFileTarget(const std::string& temp_path) : temp_(temp_path) {
    zip_error_init(&error_);
  }
  ~TempFileTarget() {
    if (f_ != nullptr) std::fclose(f_);
    zip_error_fini(&error_);
  }
  TempFileTarget(const TempFileTarget&) = delete;
  TempFileTarget& operator=(const TempFileTarget&) = delete;

  static zip_int64_t callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<TempFileTarget*>(self)->command(data, len, cmd);
  }

 private:
  zip_int64_t fail(int code) {  // right after the failing call, which set errno
    zip_error_set(&error_, code, errno);
    return -1;
  }

  zip_int64_t command(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_STAT:  // "no such file": zip_open_from_source starts an empty archive
        zip_error_set(&error_, ZIP_ER_READ, ENOENT);
        return -1;
      case ZIP_SOURCE_BEGIN_WRITE:
        f_ = std::fopen(temp_.c_str(), "wb");
        if (f_ == nullptr) return fail(ZIP_ER_OPEN);
        std::setvbuf(f_, nullptr, _IOFBF, kIoChunk);
        return 0;
      case ZIP_SOURCE_WRITE:
        if (std::fwrite(data, 1, len, f_) != len) return fail(ZIP_ER_WRITE);
        return static_cast<zip_int64_t>(len);
      case ZIP_SOURCE_SEEK_WRITE: {
        const auto* a = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &error_);
        if (a == nullptr) return -1;
        if (fseeko(f_, static_cast<off_t>(a->offset), a->whence) != 0) return fail(ZIP_ER_SEEK);
        return 0;
      }
      case ZIP_SOURCE_TELL_WRITE: {
        const off_t pos = ftello(f_);
        if (pos < 0) return fail(ZIP_ER_TELL);
        return static_cast<zip_int64_t>(pos);
      }
      case ZIP_SOURCE_COMMIT_WRITE: {
        const int rc = std::fclose(f_);  // flushes: a full disk shows here
        f_ = nullptr;
        if (rc != 0) return fail(ZIP_ER_WRITE);
        return 0;
      }
      case ZIP_SOURCE_ROLLBACK_WRITE:
        if (f_ != nullptr) std::fclose(f_);
        f_ = nullptr;
        return 0;
      case ZIP_SOURCE_REMOVE:  // an archive with no entries; never ours
        std::remove(temp_.c_str());
        return 0;
      case ZIP_SOURCE_OPEN:  // reading the (empty) archive
      case ZIP_SOURCE_READ:
      case ZIP_SOURCE_CLOSE:
      case ZIP_SOURCE_SEEK:
      case ZIP_SOURCE_TELL:
      case ZIP_SOURCE_FREE:
        return 0;
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_WRITABLE;
      default:
        zip_error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  }

  const std::string temp_;
  std::FILE* f_ = nullptr;
  zip_error_t error_;
};

// Adds `source` as entry `name`: deflated at zlib's fastest level, dated 1980-01-01 00:00 (so
// that the same table gives the same bytes), a regular file rw-r--r--. Takes `source`.
void add_entry(zip_t* zip, const std::string& path, const std::string& name, zip_source_t* source) {
  SMLM_CHECK(source != nullptr, path << ": cannot write: " << zip_strerror(zip));
  const zip_int64_t i = zip_file_add(zip, name.c_str(), source, ZIP_FL_ENC_GUESS);
  if (i < 0) zip_source_free(source);
  SMLM_CHECK(i >= 0, path << ": cannot write entry '" << name << "': " << zip_strerror(zip));
  const auto index = static_cast<zip_uint64_t>(i);
  constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
  SMLM_CHECK(
      zip_set_file_compression(zip, index, ZIP_CM_DEFLATE, 1) == 0 &&
          zip_file_set_dostime(zip, index, 0, kDosDate, 0) == 0 &&
          zip_file_set_external_attributes(zip, index, 0, ZIP_OPSYS_UNIX, 0100644u << 16) == 0,
      path << ": cannot write entry '" << name << "': " << zip_strerror(zip));
}

// ---------------------------------------------------------------------------------------------
// Table columns.

struct DType {
  std::string_view name;
  size_t size;
};
constexpr DType kDTypes[] = {{"int8", 1},    {"uint8", 1},  {"int16", 2}, {"uint16", 2},
                             {"int32", 4},   {"uint32", 4}, {"int64", 8}, {"uint64", 8},
                             {"float32", 4}, {"float64", 8}};

// Decodes a little-endian value of kDTypes[kind].
double decode(const unsigned char* p, size_t kind) {
  switch (kind) {
    case 0:
      return static_cast<int8_t>(p[0]);
    case 1:
      return p[0];
    case 2:
      return static_cast<int16_t>(le16(p));
    case 3:
      return le16(p);
    case 4:
      return static_cast<int32_t>(le32(p));
    case 5:
      return le32(p);
    case 6:
      return static_cast<double>(static_cast<int64_t>(le64(p)));
    case 7:
      return static_cast<double>(le64(p));
    case 8:
      return std::bit_cast<float>(le32(p));
    default:
      return std::bit_cast<double>(le64(p));
  }
}

// Factor from `unit` to nm, or nullopt if `unit` is not a length we can convert.
std::optional<double> nm_per(std::string_view unit) {
  if (unit.empty() || unit == "nm" || unit == "nanometer" || unit == "nanometre") return 1.0;
  if (unit == "um" || unit == "\xC2\xB5m" || unit == "\xCE\xBCm" || unit == "micron" ||
      unit == "micrometer")
    return 1e3;
  if (unit == "mm") return 1e6;
  if (unit == "m") return 1e9;
  if (unit == "pm") return 1e-3;
  if (unit == "angstrom" || unit == "A" || unit == "\xC3\x85") return 0.1;
  return std::nullopt;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

void write_smlm(const std::string& path, const LocalizationTable& t) {
  for (std::string_view required : {col::x, col::y})
    SMLM_CHECK(t.has(required),
               path << ": cannot write .smlm: the table has no '" << required << "' column");
  const auto& columns = t.columns();
  for (const auto& c : columns)
    SMLM_CHECK(!c.name.empty(), path << ": cannot write .smlm: a column has no name");

  auto list = [&](auto&& item) {
    std::string s = "[";
    for (size_t i = 0; i < columns.size(); ++i) s += (i ? ", " : "") + item(columns[i]);
    return s + "]";
  };
  const std::string table_name = "localizations.bin", format = "smlm-table(binary)";
  std::string m;
  m += "{\n  \"format_version\": \"0.2\",\n";
  m += "  \"formats\": {\n    " + json_quote(format) + ": {\n";
  m += "      \"name\": " + json_quote(format) + ",\n";
  m += "      \"type\": \"table\",\n      \"mode\": \"binary\",\n      \"extension\": \".bin\",\n";
  m += "      \"columns\": " + std::to_string(columns.size()) + ",\n";
  m += "      \"headers\": " + list([](const auto& c) { return json_quote(c.name); }) + ",\n";
  m += "      \"dtype\": " + list([](const auto&) { return std::string("\"float32\""); }) + ",\n";
  m += "      \"shape\": " + list([](const auto&) { return std::string("1"); }) + ",\n";
  m += "      \"units\": " + list([](const auto& c) {
         return json_quote(c.name == col::frame && c.unit.empty() ? "frame" : c.unit);
       }) +
       ",\n";
  m += "      \"description\": \"localization table written by smlm; frames count from 1\"\n";
  m += "    }\n  },\n";
  m += "  \"files\": [\n    {\n      \"name\": " + json_quote(table_name) + ",\n";
  m += "      \"type\": \"table\",\n      \"format\": " + json_quote(format) + ",\n";
  m += "      \"channel\": \"default\",\n      \"rows\": " + std::to_string(t.size()) + ",\n";
  m += "      \"offset\": {}\n    }\n  ],\n";
  m += "  \"name\": " + json_quote(std::filesystem::path(path).filename().string()) + ",\n";
  m += "  \"description\": \"single-molecule localizations written by smlm\",\n";
  m += "  \"tags\": []\n}\n";

  // One file on disk: AtomicFile's temporary file, which libzip writes through TempFileTarget
  // and AtomicFile renames over `path` once zip_close has succeeded. On any failure the
  // destructors discard the archive and remove that file.
  AtomicFile file(path);
  TableSource table(t);  // both outlive the archive, which calls them until it is freed
  TempFileTarget target(file.temp_path());
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* archive = zip_source_function_create(&TempFileTarget::callback, &target, &error);
  ZipPtr zip(archive != nullptr ? zip_open_from_source(archive, ZIP_CREATE | ZIP_TRUNCATE, &error)
                                : nullptr);
  if (zip == nullptr) {
    zip_source_free(archive);  // not taken by a failed zip_open_from_source; null is a no-op
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    SMLM_CHECK(false, path << ": cannot create: " << reason);
  }
  zip_error_fini(&error);
  add_entry(zip.get(), path, "manifest.json", zip_source_buffer(zip.get(), m.data(), m.size(), 0));
  add_entry(zip.get(), path, table_name,
            zip_source_function(zip.get(), &TableSource::callback, &table));
  if (zip_close(zip.get()) == 0) {
    zip.release();  // zip_close freed it
  } else {
    if (table.exception()) std::rethrow_exception(table.exception());
    SMLM_CHECK(false, path << ": write failed: " << zip_strerror(zip.get()));
  }
  file.commit();
}

LocalizationTable read_smlm(const std::string& path) {
  ZipReader zip(path);
  const auto manifest_entry = zip.find("manifest.json");
  SMLM_CHECK(manifest_entry.has_value(),
             path << ": no manifest.json in the archive (not a .smlm file)");
  const std::string where = path + ": manifest.json";
  const Json manifest = JsonParser(where, zip.extract_all(*manifest_entry, kMaxManifest)).parse();
  SMLM_CHECK(manifest.type == Json::Type::kObject, where << ": not a JSON object");

  const Json* version = manifest.get("format_version");
  SMLM_CHECK(version != nullptr, where << ": no format_version");
  const bool v02 =
      (version->is_string() && (version->string == "0.2" || version->string == "0.2.0")) ||
      (version->is_number() && version->number == 0.2);
  SMLM_CHECK(v02, where << ": format_version "
                        << (version->is_string() ? version->string : "(not a string)")
                        << " is not supported (expected 0.2)");

  const Json* files = manifest.get("files");
  const Json* formats = manifest.get("formats");
  SMLM_CHECK(files != nullptr && files->type == Json::Type::kArray, where << ": no \"files\" list");
  SMLM_CHECK(formats != nullptr && formats->type == Json::Type::kObject,
             where << ": no \"formats\" object");
  const Json* info = nullptr;
  const Json* format = nullptr;
  for (const Json& file_info : files->array) {
    const Json* type = file_info.get("type");
    if (type == nullptr || !type->is_string() || type->string != "table") continue;
    const Json* key = file_info.get("format");
    SMLM_CHECK(key != nullptr && key->is_string(), where << ": a table file has no format name");
    format = formats->get(key->string);
    SMLM_CHECK(format != nullptr, where << ": format '" << key->string << "' is not defined");
    const Json* mode = format->get("mode");
    if (mode != nullptr && mode->is_string() && mode->string == "binary") {
      info = &file_info;
      break;
    }
  }
  SMLM_CHECK(info != nullptr, where << ": no binary table among the files");

  const Json* name = info->get("name");
  SMLM_CHECK(name != nullptr && name->is_string(), where << ": the table file has no name");
  const Json* rows_json = info->get("rows");
  SMLM_CHECK(rows_json != nullptr && rows_json->is_number() && rows_json->number >= 0 &&
                 std::floor(rows_json->number) == rows_json->number,
             where << ": table '" << name->string << "' has no valid \"rows\" count");
  const auto rows = static_cast<uint64_t>(rows_json->number);

  const Json* headers = format->get("headers");
  const Json* dtypes = format->get("dtype");
  const Json* shapes = format->get("shape");
  const Json* units = format->get("units");
  SMLM_CHECK(headers != nullptr && headers->type == Json::Type::kArray && dtypes != nullptr &&
                 dtypes->type == Json::Type::kArray,
             where << ": the table format has no \"headers\" and \"dtype\" lists");
  const size_t ncols = headers->array.size();
  SMLM_CHECK(
      dtypes->array.size() == ncols && (shapes == nullptr || shapes->type != Json::Type::kArray ||
                                        shapes->array.size() == ncols),
      where << ": headers, dtype and shape have different lengths");
  if (const Json* columns = format->get("columns"); columns != nullptr && columns->is_number())
    SMLM_CHECK(columns->number == static_cast<double>(ncols),
               where << ": \"columns\" is " << columns->number << " but there are " << ncols
                     << " headers");

  struct Column {
    std::string header, name, unit, dtype;
    size_t kind = 0;               // index into kDTypes
    size_t offset = 0, count = 1;  // byte offset in the row, values per row
    double add = 0, scale = 1;
  };
  std::vector<Column> cols(ncols);
  std::vector<std::string> header_names;
  size_t row_bytes = 0;
  for (size_t i = 0; i < ncols; ++i) {
    Column& c = cols[i];
    SMLM_CHECK(headers->array[i].is_string() && dtypes->array[i].is_string(),
               where << ": headers and dtype must be strings");
    c.header = c.name = headers->array[i].string;
    c.dtype = dtypes->array[i].string;
    header_names.push_back(c.header);
    const auto dt = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                 [&](const DType& d) { return d.name == c.dtype; });
    SMLM_CHECK(dt != std::end(kDTypes),
               where << ": column '" << c.header << "' has unknown dtype '" << c.dtype << "'");
    c.kind = static_cast<size_t>(dt - std::begin(kDTypes));
    if (shapes != nullptr && shapes->type == Json::Type::kArray) {
      const Json& s = shapes->array[i];
      if (s.is_number()) {
        c.count = static_cast<size_t>(s.number);
      } else if (s.type == Json::Type::kArray) {
        for (const Json& d : s.array) {
          SMLM_CHECK(d.is_number() && d.number >= 0,
                     where << ": bad shape for column '" << c.header << "'");
          c.count *= static_cast<size_t>(d.number);
        }
      }
    }
    c.offset = row_bytes;
    row_bytes += dt->size * c.count;
    if (units != nullptr && units->type == Json::Type::kArray && i < units->array.size() &&
        units->array[i].is_string())
      c.unit = units->array[i].string;
    else if (units != nullptr && units->type == Json::Type::kObject)
      if (const Json* u = units->get(c.header); u != nullptr && u->is_string()) c.unit = u->string;
  }
  const uint64_t expected = rows * row_bytes;
  SMLM_CHECK(row_bytes == 0 || expected / row_bytes == rows,
             where << ": \"rows\" " << rows << " is implausibly large");

  // Names: ShareLoc's CSV converter turns "intensity [photon]" into "intensity_photon_".
  for (Column& c : cols) {
    for (const char* unit : {"nm", "um", "photon", "photons", "px"}) {
      const std::string suffix = std::string("_") + unit + "_";
      if (c.name.size() > suffix.size() && c.name.ends_with(suffix)) {
        c.name.resize(c.name.size() - suffix.size());
        if (c.unit.empty()) c.unit = unit;
        break;
      }
    }
    if (c.name == "uncertainty") c.name = col::uncertainty_xy;
  }
  for (const char* required : {"x", "y"})
    SMLM_CHECK(std::any_of(cols.begin(), cols.end(),
                           [&](const Column& c) { return c.name == required && c.count == 1; }),
               path << ": the table has no column '" << required
                    << "' (headers: " << join(header_names) << ")");
  for (size_t i = 0; i < ncols; ++i)
    for (size_t j = 0; j < i; ++j)
      SMLM_CHECK(cols[i].name != cols[j].name || cols[i].count != 1,
                 path << ": column '" << cols[i].name << "' appears twice");

  const Json* offsets = info->get("offset");
  for (Column& c : cols) {
    if (offsets != nullptr)
      if (const Json* o = offsets->get(c.header); o != nullptr && o->is_number()) c.add = o->number;
    if (default_unit(c.name) == "nm") {
      const auto factor = nm_per(c.unit);
      SMLM_CHECK(factor.has_value(),
                 path << ": column '" << c.header << "' is in '" << c.unit
                      << "'; lengths must be in nm (or um, mm, m, pm, angstrom)");
      c.scale = *factor;
      c.unit = "nm";
    } else if (c.name == col::frame) {
      c.unit = "";
    }
  }

  const std::string table_name =
      name->string.starts_with("./") ? name->string.substr(2) : name->string;
  const auto table_entry = zip.find(table_name);
  SMLM_CHECK(table_entry.has_value(),
             path << ": the manifest's table '" << table_name << "' is not in the archive");
  const uint64_t table_bytes = zip.size(*table_entry);
  SMLM_CHECK(table_bytes == expected, path << ": table '" << table_name << "' holds " << table_bytes
                                           << " bytes, but " << rows << " rows of " << row_bytes
                                           << " bytes need " << expected);

  std::vector<std::vector<double>> values(ncols);
  for (size_t i = 0; i < ncols; ++i)
    if (cols[i].count == 1) values[i].reserve(static_cast<size_t>(rows));
  std::vector<unsigned char> carry;
  carry.reserve(row_bytes);
  auto take_row = [&](const unsigned char* row) {
    for (size_t i = 0; i < ncols; ++i)
      if (cols[i].count == 1) values[i].push_back(decode(row + cols[i].offset, cols[i].kind));
  };
  if (row_bytes > 0)
    zip.extract(*table_entry, [&](const unsigned char* p, size_t n) {
      if (!carry.empty()) {
        const size_t k = std::min(n, row_bytes - carry.size());
        carry.insert(carry.end(), p, p + k);
        p += k;
        n -= k;
        if (carry.size() == row_bytes) {
          take_row(carry.data());
          carry.clear();
        }
      }
      for (; n >= row_bytes; p += row_bytes, n -= row_bytes) take_row(p);
      carry.insert(carry.end(), p, p + n);
    });

  // Columns go into an empty table and the row count is set last, so that add_column does not
  // allocate a filled column beside each decoded one.
  LocalizationTable t;
  for (size_t i = 0; i < ncols; ++i) {
    Column& c = cols[i];
    if (c.count != 1) continue;
    auto& v = values[i];
    if (c.add != 0 || c.scale != 1)
      for (double& x : v) x = (x + c.add) * c.scale;
    if (c.name == col::frame) {
      const bool zero_based = std::any_of(v.begin(), v.end(), [](double x) { return x < 1; });
      if (!zero_based)
        for (double& x : v) x -= 1;
    }
    t.add_column(c.name, 0.0, c.unit) = std::move(v);
  }
  t.resize(static_cast<size_t>(rows));
  return t;
}

}  // namespace smlm::io
