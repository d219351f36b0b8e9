// .smlm reader and writer: a small ZIP reader (central directory, ZIP64, stored/deflate through
// zlib, streamed with CRC checks), a ZIP writer that patches each local header after streaming
// the entry, and a minimal JSON parser and emitter for manifest.json.
#include "io/smlm_zip.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                   kEnd64Sig = 0x06064b50, kEnd64LocatorSig = 0x07064b50;
constexpr size_t kIoChunk = size_t{1} << 20;
constexpr uint64_t kMaxManifest = uint64_t{64} << 20;

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t le64(const unsigned char* p) { return le32(p) | (uint64_t{le32(p + 4)} << 32); }

void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
void put32(std::string& s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v & 0xFFFF));
  put16(s, static_cast<uint16_t>(v >> 16));
}

// ---------------------------------------------------------------------------------------------
// JSON.

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json* get(std::string_view key) const {
    if (type != Type::kObject) return nullptr;
    for (const auto& [k, v] : object)
      if (k == key) return &v;
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
        v.object.emplace_back(std::move(key), value(depth + 1));
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
// ZIP reading.

struct Entry {
  std::string name;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t csize = 0, usize = 0, local_offset = 0;
};

class ZipReader {
 public:
  explicit ZipReader(const std::string& path) : path_(path) {
    f_.reset(std::fopen(path.c_str(), "rb"));
    SMLM_CHECK(f_ != nullptr, path << ": cannot open: " << std::strerror(errno));
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    SMLM_CHECK(!ec, path << ": cannot open: " << ec.message());
    read_directory();
  }

  const Entry* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  // Streams the uncompressed bytes of `e` to `sink` in chunks; checks size and CRC-32.
  void extract(const Entry& e, const std::function<void(const unsigned char*, size_t)>& sink) {
    const std::string where = path_ + ": ZIP entry '" + e.name + "'";
    SMLM_CHECK((e.flags & 1) == 0, where << " is encrypted");
    SMLM_CHECK(e.method == 0 || e.method == 8,
               where << " uses compression method " << e.method
                     << "; only stored (0) and deflate (8) are supported");
    unsigned char lh[30];
    read_at(e.local_offset, lh, sizeof lh, where.c_str());
    SMLM_CHECK(le32(lh) == kLocalSig,
               path_ << ": corrupt ZIP archive: no local header for '" << e.name << "'");
    uint64_t pos = e.local_offset + 30 + le16(lh + 26) + le16(lh + 28);
    SMLM_CHECK(pos <= size_ && e.csize <= size_ - pos,
               path_ << ": corrupt ZIP archive: entry '" << e.name
                     << "' extends past the end of the file (truncated?)");

    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t produced = 0;
    auto emit = [&](const unsigned char* p, size_t n) {
      crc = crc32_z(crc, p, n);
      produced += n;
      SMLM_CHECK(produced <= e.usize, path_ << ": corrupt ZIP archive: entry '" << e.name
                                            << "' is longer than its recorded size");
      sink(p, n);
    };
    std::vector<unsigned char> in(kIoChunk);
    uint64_t left = e.csize;
    if (e.method == 0) {
      SMLM_CHECK(e.csize == e.usize, path_ << ": corrupt ZIP archive: stored entry '" << e.name
                                           << "' has different sizes");
      while (left > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, in.size()));
        read_at(pos, in.data(), n, where.c_str());
        pos += n;
        left -= n;
        emit(in.data(), n);
      }
    } else {
      z_stream z{};
      SMLM_CHECK(inflateInit2(&z, -15) == Z_OK, where << ": cannot start zlib");
      std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
      std::vector<unsigned char> out(kIoChunk);
      int rc = Z_OK;
      while (rc != Z_STREAM_END) {
        if (z.avail_in == 0) {
          SMLM_CHECK(left > 0, path_ << ": corrupt ZIP archive: entry '" << e.name
                                     << "': the deflate stream is truncated");
          const size_t n = static_cast<size_t>(std::min<uint64_t>(left, in.size()));
          read_at(pos, in.data(), n, where.c_str());
          pos += n;
          left -= n;
          z.next_in = in.data();
          z.avail_in = static_cast<uInt>(n);
        }
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        rc = inflate(&z, Z_NO_FLUSH);
        SMLM_CHECK(rc == Z_OK || rc == Z_STREAM_END,
                   path_ << ": corrupt ZIP archive: entry '" << e.name
                         << "': " << (z.msg != nullptr ? z.msg : "inflate failed"));
        emit(out.data(), out.size() - z.avail_out);
      }
    }
    SMLM_CHECK(produced == e.usize, path_ << ": corrupt ZIP archive: entry '" << e.name << "' has "
                                          << produced << " bytes, its header says " << e.usize);
    SMLM_CHECK(crc == e.crc,
               path_ << ": corrupt ZIP archive: CRC-32 mismatch in entry '" << e.name << "'");
  }

  std::string extract_all(const Entry& e, uint64_t max_size) {
    SMLM_CHECK(e.usize <= max_size,
               path_ << ": ZIP entry '" << e.name << "' is too large (" << e.usize << " bytes)");
    std::string s;
    s.reserve(static_cast<size_t>(e.usize));
    extract(e, [&](const unsigned char* p, size_t n) {
      s.append(reinterpret_cast<const char*>(p), n);
    });
    return s;
  }

 private:
  void read_at(uint64_t offset, unsigned char* buf, size_t n, const char* what) {
    SMLM_CHECK(offset <= size_ && n <= size_ - offset,
               what << ": corrupt ZIP archive: a record extends past the end of the file");
    SMLM_CHECK(fseeko(f_.get(), static_cast<off_t>(offset), SEEK_SET) == 0 &&
                   std::fread(buf, 1, n, f_.get()) == n,
               what << ": read error: " << std::strerror(errno));
  }

  void read_directory() {
    const std::string corrupt = path_ + ": corrupt ZIP archive: ";
    SMLM_CHECK(size_ >= 22, path_ << ": not a ZIP archive (" << size_ << " bytes)");
    const uint64_t tail_size = std::min<uint64_t>(size_, 22 + 0xFFFF);
    std::vector<unsigned char> tail(tail_size);
    read_at(size_ - tail_size, tail.data(), tail.size(), path_.c_str());
    std::optional<size_t> at;
    for (size_t i = tail.size() - 22 + 1; i-- > 0;)
      if (le32(&tail[i]) == kEndSig && i + 22 + le16(&tail[i + 20]) <= tail.size()) {
        at = i;
        break;
      }
    SMLM_CHECK(at.has_value(), path_ << ": not a ZIP archive (no end-of-central-directory record)");
    const unsigned char* end = &tail[*at];
    const uint64_t end_offset = size_ - tail_size + *at;
    SMLM_CHECK(le16(end + 4) == 0 && le16(end + 6) == 0,
               path_ << ": multi-part ZIP archives are not supported");
    uint64_t entries = le16(end + 10), cd_size = le32(end + 12), cd_offset = le32(end + 16);

    // ZIP64: a locator just before the record points at the 64-bit record.
    if (end_offset >= 20) {
      unsigned char loc[20];
      read_at(end_offset - 20, loc, sizeof loc, path_.c_str());
      if (le32(loc) == kEnd64LocatorSig) {
        unsigned char e64[56];
        read_at(le64(loc + 8), e64, sizeof e64, corrupt.c_str());
        SMLM_CHECK(le32(e64) == kEnd64Sig, corrupt << "bad ZIP64 end record");
        entries = le64(e64 + 32);
        cd_size = le64(e64 + 40);
        cd_offset = le64(e64 + 48);
      }
    }
    SMLM_CHECK(cd_offset <= end_offset && cd_size <= end_offset - cd_offset,
               corrupt << "the central directory lies outside the file (truncated?)");
    std::vector<unsigned char> cd(static_cast<size_t>(cd_size));
    read_at(cd_offset, cd.data(), cd.size(), path_.c_str());

    size_t p = 0;
    for (uint64_t i = 0; i < entries; ++i) {
      SMLM_CHECK(p + 46 <= cd.size() && le32(&cd[p]) == kCentralSig,
                 corrupt << "bad central directory record " << i + 1);
      const unsigned char* h = &cd[p];
      Entry e;
      e.flags = le16(h + 8);
      e.method = le16(h + 10);
      e.crc = le32(h + 16);
      e.csize = le32(h + 20);
      e.usize = le32(h + 24);
      const size_t name_len = le16(h + 28), extra_len = le16(h + 30), comment_len = le16(h + 32);
      e.local_offset = le32(h + 42);
      SMLM_CHECK(p + 46 + name_len + extra_len + comment_len <= cd.size(),
                 corrupt << "bad central directory record " << i + 1);
      e.name.assign(reinterpret_cast<const char*>(h + 46), name_len);
      // The ZIP64 extra field holds the 64-bit values of the fields saturated at 0xFFFFFFFF.
      for (size_t x = 0; x + 4 <= extra_len;) {
        const unsigned char* ex = h + 46 + name_len + x;
        const size_t len = le16(ex + 2);
        if (x + 4 + len > extra_len) break;
        if (le16(ex) == 0x0001) {
          size_t q = 4;
          auto take = [&](uint64_t& field) {
            if (field != 0xFFFFFFFF) return;
            SMLM_CHECK(q + 8 <= 4 + len, corrupt << "short ZIP64 field in '" << e.name << "'");
            field = le64(ex + q);
            q += 8;
          };
          take(e.usize);
          take(e.csize);
          take(e.local_offset);
        }
        x += 4 + len;
      }
      entries_.push_back(std::move(e));
      p += 46 + name_len + extra_len + comment_len;
    }
  }

  const std::string& path_;
  FilePtr f_;
  uint64_t size_ = 0;
  std::vector<Entry> entries_;
};

// ---------------------------------------------------------------------------------------------
// ZIP writing.

class ZipWriter {
 public:
  ZipWriter(const std::string& path, std::FILE* f) : path_(path), f_(f) {}

  // Writes one deflated entry whose content `produce` streams through `write`.
  void add(const std::string& name,
           const std::function<void(const std::function<void(const void*, size_t)>&)>& produce) {
    Record r;
    r.name = name;
    r.offset = tell();
    write_local(r);  // placeholders, patched below

    z_stream z{};
    SMLM_CHECK(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK,
               path_ << ": cannot start zlib");
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, deflateEnd);
    std::vector<unsigned char> out(kIoChunk);
    uLong crc = crc32(0L, Z_NULL, 0);
    auto pump = [&](const void* data, size_t n, int flush) {
      z.next_in = static_cast<Bytef*>(const_cast<void*>(data));
      z.avail_in = static_cast<uInt>(n);
      do {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        const int rc = deflate(&z, flush);
        SMLM_CHECK(rc != Z_STREAM_ERROR, path_ << ": deflate failed");
        raw(out.data(), out.size() - z.avail_out);
      } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
    };
    produce([&](const void* data, size_t n) {
      crc = crc32_z(crc, static_cast<const Bytef*>(data), n);
      r.usize += n;
      const auto* p = static_cast<const unsigned char*>(data);
      while (n > 0) {  // avail_in is 32-bit
        const size_t k = std::min<size_t>(n, size_t{1} << 30);
        pump(p, k, Z_NO_FLUSH);
        p += k;
        n -= k;
      }
    });
    pump(nullptr, 0, Z_FINISH);
    r.crc = static_cast<uint32_t>(crc);
    r.csize = tell() - r.offset - 30 - r.name.size();
    SMLM_CHECK(r.usize < 0xFFFFFFFF && r.csize < 0xFFFFFFFF && r.offset < 0xFFFFFFFF,
               path_ << ": the table is over 4 GiB, which needs ZIP64; write_smlm does not write "
                        "ZIP64 archives");
    const uint64_t end = tell();
    seek(r.offset);
    write_local(r);
    seek(end);
    records_.push_back(std::move(r));
  }

  void finish() {
    const uint64_t cd_offset = tell();
    std::string cd;
    for (const Record& r : records_) {
      put32(cd, kCentralSig);
      put16(cd, (3 << 8) | 20);            // made by: Unix, spec 2.0
      put16(cd, 20);                       // version needed: deflate
      put16(cd, 0);                        // flags
      put16(cd, 8);                        // deflate
      put16(cd, 0);                        // time 00:00
      put16(cd, (0 << 9) | (1 << 5) | 1);  // date 1980-01-01
      put32(cd, r.crc);
      put32(cd, static_cast<uint32_t>(r.csize));
      put32(cd, static_cast<uint32_t>(r.usize));
      put16(cd, static_cast<uint16_t>(r.name.size()));
      put16(cd, 0);               // extra
      put16(cd, 0);               // comment
      put16(cd, 0);               // disk
      put16(cd, 0);               // internal attributes
      put32(cd, 0100644u << 16);  // external: a regular file, rw-r--r--
      put32(cd, static_cast<uint32_t>(r.offset));
      cd += r.name;
    }
    raw(cd.data(), cd.size());
    std::string end;
    put32(end, kEndSig);
    put16(end, 0);
    put16(end, 0);
    put16(end, static_cast<uint16_t>(records_.size()));
    put16(end, static_cast<uint16_t>(records_.size()));
    put32(end, static_cast<uint32_t>(cd.size()));
    put32(end, static_cast<uint32_t>(cd_offset));
    put16(end, 0);
    raw(end.data(), end.size());
  }

 private:
  struct Record {
    std::string name;
    uint32_t crc = 0;
    uint64_t csize = 0, usize = 0, offset = 0;
  };

  void write_local(const Record& r) {
    std::string h;
    put32(h, kLocalSig);
    put16(h, 20);
    put16(h, 0);
    put16(h, 8);
    put16(h, 0);
    put16(h, (0 << 9) | (1 << 5) | 1);
    put32(h, r.crc);
    put32(h, static_cast<uint32_t>(r.csize));
    put32(h, static_cast<uint32_t>(r.usize));
    put16(h, static_cast<uint16_t>(r.name.size()));
    put16(h, 0);
    h += r.name;
    raw(h.data(), h.size());
  }
  void raw(const void* p, size_t n) {
    SMLM_CHECK(std::fwrite(p, 1, n, f_) == n, path_ << ": write failed: " << std::strerror(errno));
  }
  uint64_t tell() {
    const off_t pos = ftello(f_);
    SMLM_CHECK(pos >= 0, path_ << ": write failed: " << std::strerror(errno));
    return static_cast<uint64_t>(pos);
  }
  void seek(uint64_t pos) {
    SMLM_CHECK(fseeko(f_, static_cast<off_t>(pos), SEEK_SET) == 0,
               path_ << ": write failed: " << std::strerror(errno));
  }

  const std::string& path_;
  std::FILE* f_;
  std::vector<Record> records_;
};

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
  const uint64_t row_bytes = 4 * columns.size();
  SMLM_CHECK(t.size() * row_bytes < 0xFFFFFFFFull,
             path << ": the table is over 4 GiB (" << t.size() << " rows of " << row_bytes
                  << " bytes), which needs ZIP64; write_smlm does not write ZIP64 archives");

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

  AtomicFile file(path);
  FilePtr f(std::fopen(file.temp_path().c_str(), "wb"));
  SMLM_CHECK(f != nullptr, path << ": cannot create: " << std::strerror(errno));
  ZipWriter zip(path, f.get());
  zip.add("manifest.json", [&](const auto& write) { write(m.data(), m.size()); });
  zip.add(table_name, [&](const auto& write) {
    const size_t chunk_rows = std::max<size_t>(1, kIoChunk / std::max<uint64_t>(row_bytes, 1));
    std::vector<unsigned char> buf(chunk_rows * row_bytes);
    for (size_t begin = 0; begin < t.size(); begin += chunk_rows) {
      const size_t n = std::min(chunk_rows, t.size() - begin);
      for (size_t c = 0; c < columns.size(); ++c) {
        const auto& v = columns[c].values;
        const double shift = columns[c].name == col::frame ? 1.0 : 0.0;
        unsigned char* p = buf.data() + 4 * c;
        for (size_t r = 0; r < n; ++r, p += row_bytes) {
          const uint32_t bits = std::bit_cast<uint32_t>(static_cast<float>(v[begin + r] + shift));
          p[0] = bits & 0xFF;
          p[1] = (bits >> 8) & 0xFF;
          p[2] = (bits >> 16) & 0xFF;
          p[3] = bits >> 24;
        }
      }
      write(buf.data(), n * row_bytes);
    }
  });
  zip.finish();
  SMLM_CHECK(std::fclose(f.release()) == 0, path << ": write failed: " << std::strerror(errno));
  file.commit();
}

LocalizationTable read_smlm(const std::string& path) {
  ZipReader zip(path);
  const Entry* manifest_entry = zip.find("manifest.json");
  SMLM_CHECK(manifest_entry != nullptr,
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
  const Entry* table_entry = zip.find(table_name);
  SMLM_CHECK(table_entry != nullptr,
             path << ": the manifest's table '" << table_name << "' is not in the archive");
  SMLM_CHECK(table_entry->usize == expected,
             path << ": table '" << table_name << "' holds " << table_entry->usize << " bytes, but "
                  << rows << " rows of " << row_bytes << " bytes need " << expected);

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

  LocalizationTable t;
  t.resize(static_cast<size_t>(rows));
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
  return t;
}

}  // namespace smlm::io
