// PLY writer (binary little-endian or ASCII) and reader (any of the three PLY encodings): a
// header parser, a fixed-stride binary decoder with byte swapping, and a token-wise ASCII parser.
#include "io/ply.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace smlm::io {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

constexpr std::string_view k2DComment = "smlm 2D: z = 0";

// ---------------------------------------------------------------------------------------------
// Writing.

struct OutProperty {
  const char* name;
  bool integer;
  const std::vector<double>* src;  // null: zeros (z of a 2D table)
};

char* put_float(char* p, double v) {
  const float f = static_cast<float>(v);
  if (std::isnan(f)) return std::strcpy(p, "nan") + 3;
  if (std::isinf(f)) return std::strcpy(p, f > 0 ? "inf" : "-inf") + (f > 0 ? 3 : 4);
  return std::to_chars(p, p + 64, f).ptr;
}

// ---------------------------------------------------------------------------------------------
// Reading.

enum class Encoding { kAscii, kLittle, kBig };

enum class Type { kI8, kU8, kI16, kU16, kI32, kU32, kF32, kF64 };

bool parse_type(std::string_view s, Type& t) {
  static constexpr std::pair<std::string_view, Type> kTypes[] = {
      {"char", Type::kI8},    {"int8", Type::kI8},     {"uchar", Type::kU8},
      {"uint8", Type::kU8},   {"short", Type::kI16},   {"int16", Type::kI16},
      {"ushort", Type::kU16}, {"uint16", Type::kU16},  {"int", Type::kI32},
      {"int32", Type::kI32},  {"uint", Type::kU32},    {"uint32", Type::kU32},
      {"float", Type::kF32},  {"float32", Type::kF32}, {"double", Type::kF64},
      {"float64", Type::kF64}};
  for (const auto& [name, type] : kTypes)
    if (s == name) {
      t = type;
      return true;
    }
  return false;
}

size_t type_size(Type t) {
  switch (t) {
    case Type::kI8:
    case Type::kU8:
      return 1;
    case Type::kI16:
    case Type::kU16:
      return 2;
    case Type::kI32:
    case Type::kU32:
    case Type::kF32:
      return 4;
    case Type::kF64:
      return 8;
  }
  return 0;
}

// Decodes one binary value at `p`.
double decode(const unsigned char* p, Type t, bool swap) {
  unsigned char b[8];
  const size_t n = type_size(t);
  for (size_t i = 0; i < n; ++i) b[i] = swap ? p[n - 1 - i] : p[i];
  if constexpr (std::endian::native == std::endian::big)
    for (size_t i = 0; i < n / 2; ++i) std::swap(b[i], b[n - 1 - i]);
  switch (t) {
    case Type::kI8:
      return static_cast<int8_t>(b[0]);
    case Type::kU8:
      return b[0];
    case Type::kI16: {
      int16_t v;
      std::memcpy(&v, b, 2);
      return v;
    }
    case Type::kU16: {
      uint16_t v;
      std::memcpy(&v, b, 2);
      return v;
    }
    case Type::kI32: {
      int32_t v;
      std::memcpy(&v, b, 4);
      return v;
    }
    case Type::kU32: {
      uint32_t v;
      std::memcpy(&v, b, 4);
      return v;
    }
    case Type::kF32: {
      float v;
      std::memcpy(&v, b, 4);
      return v;
    }
    case Type::kF64: {
      double v;
      std::memcpy(&v, b, 8);
      return v;
    }
  }
  return 0;
}

struct Property {
  std::string name;
  Type type = Type::kF32;
  bool list = false;
  Type count_type = Type::kU8;
};

struct Element {
  std::string name;
  uint64_t count = 0;
  std::vector<Property> props;
};

struct Header {
  Encoding encoding = Encoding::kAscii;
  std::vector<Element> elements;
  bool flat_2d = false;
  size_t body_offset = 0;
};

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) w.push_back(s.substr(b, i - b));
  }
  return w;
}

Header parse_header(const std::string& path, const std::string& head) {
  Header h;
  size_t pos = 0;
  int line_no = 0;
  bool have_format = false, ended = false;
  while (pos < head.size()) {
    const size_t nl = head.find('\n', pos);
    SMLM_CHECK(nl != std::string::npos, path << ": PLY header has no 'end_header' line");
    std::string_view line(head.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1) {
      SMLM_CHECK(line == "ply", path << ": not a PLY file (it does not start with 'ply')");
      continue;
    }
    const auto w = words(line);
    if (w.empty()) continue;
    const std::string where = path + ": PLY header line " + std::to_string(line_no);
    if (w[0] == "comment" || w[0] == "obj_info") {
      if (w[0] == "comment" && line.find(k2DComment) != std::string_view::npos) h.flat_2d = true;
    } else if (w[0] == "format") {
      SMLM_CHECK(w.size() == 3, where << ": expected 'format <encoding> 1.0'");
      if (w[1] == "ascii")
        h.encoding = Encoding::kAscii;
      else if (w[1] == "binary_little_endian")
        h.encoding = Encoding::kLittle;
      else if (w[1] == "binary_big_endian")
        h.encoding = Encoding::kBig;
      else
        SMLM_CHECK(false, where << ": unknown encoding '" << w[1] << "'");
      SMLM_CHECK(w[2] == "1.0", where << ": PLY version '" << w[2] << "', expected 1.0");
      have_format = true;
    } else if (w[0] == "element") {
      SMLM_CHECK(w.size() == 3, where << ": expected 'element <name> <count>'");
      Element e;
      e.name = std::string(w[1]);
      const auto r = std::from_chars(w[2].data(), w[2].data() + w[2].size(), e.count);
      SMLM_CHECK(r.ec == std::errc() && r.ptr == w[2].data() + w[2].size(),
                 where << ": element count '" << w[2] << "' is not a number");
      h.elements.push_back(std::move(e));
    } else if (w[0] == "property") {
      SMLM_CHECK(!h.elements.empty(), where << ": property before any element");
      Property p;
      if (w.size() == 5 && w[1] == "list") {
        p.list = true;
        SMLM_CHECK(parse_type(w[2], p.count_type) && parse_type(w[3], p.type),
                   where << ": unknown type in '" << line << "'");
        p.name = std::string(w[4]);
      } else {
        SMLM_CHECK(w.size() == 3 && parse_type(w[1], p.type),
                   where << ": expected 'property <type> <name>', got '" << line << "'");
        p.name = std::string(w[2]);
      }
      h.elements.back().props.push_back(std::move(p));
    } else if (w[0] == "end_header") {
      ended = true;
      break;
    } else {
      SMLM_CHECK(false, where << ": unknown keyword '" << w[0] << "'");
    }
  }
  SMLM_CHECK(line_no > 0, path << ": empty file, not a PLY file");
  SMLM_CHECK(ended, path << ": PLY header has no 'end_header' line");
  SMLM_CHECK(have_format, path << ": PLY header has no 'format' line");
  h.body_offset = pos;
  return h;
}

std::string read_all(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  SMLM_CHECK(f != nullptr, path << ": cannot open: " << std::strerror(errno));
  std::string data;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) data.reserve(size);
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, n);
  SMLM_CHECK(!std::ferror(f.get()), path << ": read error: " << std::strerror(errno));
  return data;
}

// Walks the ASCII body token by token.
class Tokens {
 public:
  Tokens(const std::string& path, std::string_view s) : path_(path), s_(s) {}
  // The next number; `what(out)` describes it, called only for an error message.
  template <class What>
  double next(const What& what) {
    while (pos_ < s_.size() && is_space(s_[pos_])) {
      if (s_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= s_.size()) {
      std::ostringstream os;
      what(os);
      SMLM_CHECK(false, path_ << ": truncated: the file ends before " << os.str());
    }
    const size_t b = pos_;
    while (pos_ < s_.size() && !is_space(s_[pos_])) ++pos_;
    std::string_view tok = s_.substr(b, pos_ - b);
    double v;
    const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (r.ec == std::errc() && r.ptr == tok.data() + tok.size()) return v;
    // from_chars reads "nan"/"inf"; "+1" and "-nan" variants need help.
    std::string copy(tok);
    char* end = nullptr;
    v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || copy.empty()) {
      std::ostringstream os;
      what(os);
      SMLM_CHECK(false, path_ << ": body line " << line_ << ": '" << tok << "' is not a number ("
                              << os.str() << ")");
    }
    return v;
  }

 private:
  static bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
  }

  const std::string& path_;
  std::string_view s_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

}  // namespace

void write_ply(const std::string& path, const LocalizationTable& t, bool ascii) {
  for (std::string_view required : {col::x, col::y})
    SMLM_CHECK(t.has(required),
               path << ": cannot write PLY: the table has no '" << required << "' column");
  std::vector<OutProperty> props = {{"x", false, &t[col::x]}, {"y", false, &t[col::y]}};
  props.push_back({"z", false, t.has(col::z) ? &t[col::z] : nullptr});
  if (t.has(col::intensity)) props.push_back({"intensity", false, &t[col::intensity]});
  if (t.has(col::frame)) {
    const auto& frame = t[col::frame];
    for (size_t i = 0; i < frame.size(); ++i)
      SMLM_CHECK(std::floor(frame[i]) == frame[i] && std::abs(frame[i]) <= 2147483647.0,
                 path << ": frame " << frame[i] << " in row " << i + 1
                      << " is not a whole number within int32");
    props.push_back({"frame", true, &frame});
  }
  if (t.has(col::uncertainty_xy)) props.push_back({"uncertainty", false, &t[col::uncertainty_xy]});

  std::ostringstream header;
  header << "ply\nformat " << (ascii ? "ascii" : "binary_little_endian")
         << " 1.0\ncomment smlm localizations: x, y, z in nm\n";
  if (!t.has(col::z)) header << "comment " << k2DComment << "\n";
  header << "element vertex " << t.size() << "\n";
  for (const auto& p : props)
    header << "property " << (p.integer ? "int " : "float ") << p.name << "\n";
  header << "end_header\n";

  AtomicFile file(path);
  FilePtr f(std::fopen(file.temp_path().c_str(), "wb"));
  SMLM_CHECK(f != nullptr, path << ": cannot create: " << std::strerror(errno));
  std::string out = header.str();
  auto flush = [&] {
    SMLM_CHECK(std::fwrite(out.data(), 1, out.size(), f.get()) == out.size(),
               path << ": write failed: " << std::strerror(errno));
    out.clear();
  };
  constexpr size_t kFlush = size_t{1} << 20;
  char row[1024];
  for (size_t r = 0; r < t.size(); ++r) {
    char* p = row;
    for (size_t i = 0; i < props.size(); ++i) {
      const OutProperty& o = props[i];
      const double v = o.src != nullptr ? (*o.src)[r] : 0.0;
      if (ascii) {
        if (i > 0) *p++ = ' ';
        p = o.integer ? std::to_chars(p, p + 16, static_cast<int32_t>(v)).ptr : put_float(p, v);
      } else {
        uint32_t bits = o.integer ? static_cast<uint32_t>(static_cast<int32_t>(v))
                                  : std::bit_cast<uint32_t>(static_cast<float>(v));
        for (int b = 0; b < 4; ++b) *p++ = static_cast<char>((bits >> (8 * b)) & 0xFF);
      }
    }
    if (ascii) *p++ = '\n';
    out.append(row, p);
    if (out.size() >= kFlush) flush();
  }
  flush();
  SMLM_CHECK(std::fclose(f.release()) == 0, path << ": write failed: " << std::strerror(errno));
  file.commit();
}

LocalizationTable read_ply(const std::string& path) {
  const std::string data = read_all(path);
  SMLM_CHECK(data.starts_with("ply\n") || data.starts_with("ply\r\n"),
             path << ": not a PLY file (it does not start with 'ply')");
  // The header is text up to "end_header"; the body may be binary.
  const size_t end = data.find("end_header");
  const size_t header_end =
      end == std::string::npos ? data.size() : std::min(data.size(), data.find('\n', end) + 1);
  SMLM_CHECK(end == std::string::npos || data.find('\n', end) != std::string::npos,
             path << ": truncated: the file ends inside the PLY header");
  const Header h = parse_header(path, data.substr(0, header_end));

  const auto vertex_it = std::find_if(h.elements.begin(), h.elements.end(),
                                      [](const Element& e) { return e.name == "vertex"; });
  SMLM_CHECK(vertex_it != h.elements.end(), path << ": PLY file has no 'vertex' element");
  const Element& vertex = *vertex_it;
  for (const auto& p : vertex.props)
    SMLM_CHECK(!p.list, path << ": vertex property '" << p.name
                             << "' is a list; only scalar properties can be read");
  for (const char* required : {"x", "y"})
    SMLM_CHECK(std::any_of(vertex.props.begin(), vertex.props.end(),
                           [&](const Property& p) { return p.name == required; }),
               path << ": PLY vertices have no property '" << required << "'");
  const size_t rows = vertex.count;

  std::vector<std::vector<double>> values(vertex.props.size());
  const std::string_view body(data.data() + h.body_offset, data.size() - h.body_offset);

  if (h.encoding == Encoding::kAscii) {
    // Each value takes at least one character and one separator.
    SMLM_CHECK((body.size() + 1) / (2 * vertex.props.size()) >= rows,
               path << ": truncated: " << rows << " vertices cannot fit in the " << body.size()
                    << " bytes after the header");
    Tokens tokens(path, body);
    // An element without properties takes no room, whatever its count (fuzz/ply_fuzz: a count
    // of 2.3e15 looped here); every other one runs out of tokens or bytes within the file.
    for (auto e = h.elements.begin(); e != vertex_it; ++e)
      for (uint64_t i = 0; i < (e->props.empty() ? 0 : e->count); ++i)
        for (const auto& p : e->props) {
          auto skipped = [&](std::ostream& os) {
            os << "the vertices (element '" << e->name << "')";
          };
          const double n = p.list ? tokens.next(skipped) : 1;
          SMLM_CHECK(n >= 0 && n <= 1e9 && std::floor(n) == n,
                     path << ": bad list length " << n << " in element '" << e->name << "'");
          for (int64_t k = 0; k < static_cast<int64_t>(n); ++k) tokens.next(skipped);
        }
    for (auto& v : values) v.resize(rows);
    for (size_t r = 0; r < rows; ++r)
      for (size_t i = 0; i < vertex.props.size(); ++i) {
        const double v = tokens.next([&](std::ostream& os) {
          os << "vertex " << r + 1 << " of " << rows << ", property '" << vertex.props[i].name
             << "'";
        });
        // A float property holds a float: "98765.43" is the float 98765.4297, not the double.
        values[i][r] = vertex.props[i].type == Type::kF32 ? static_cast<float>(v) : v;
      }
  } else {
    const bool swap = (h.encoding == Encoding::kBig) != (std::endian::native == std::endian::big);
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    const auto* const stop = p + body.size();
    for (auto e = h.elements.begin(); e != vertex_it; ++e)
      for (uint64_t i = 0; i < (e->props.empty() ? 0 : e->count); ++i)
        for (const auto& prop : e->props) {
          size_t n = 1;
          if (prop.list) {
            SMLM_CHECK(static_cast<size_t>(stop - p) >= type_size(prop.count_type),
                       path << ": truncated in element '" << e->name << "'");
            const double count = decode(p, prop.count_type, swap);
            SMLM_CHECK(count >= 0 && count <= 1e12 && std::floor(count) == count,
                       path << ": bad list length " << count << " in element '" << e->name << "'");
            n = static_cast<size_t>(count);
            p += type_size(prop.count_type);
          }
          SMLM_CHECK(static_cast<size_t>(stop - p) >= n * type_size(prop.type),
                     path << ": truncated in element '" << e->name << "'");
          p += n * type_size(prop.type);
        }
    size_t stride = 0;
    std::vector<size_t> offsets;
    for (const auto& prop : vertex.props) {
      offsets.push_back(stride);
      stride += type_size(prop.type);
    }
    const size_t available = static_cast<size_t>(stop - p);
    SMLM_CHECK(stride == 0 || available / stride >= rows,
               path << ": truncated: " << rows << " vertices need " << rows * stride << " bytes, "
                    << available << " follow the header");
    for (size_t i = 0; i < vertex.props.size(); ++i) {
      auto& v = values[i];
      v.resize(rows);
      const Type type = vertex.props[i].type;
      const unsigned char* q = p + offsets[i];
      for (size_t r = 0; r < rows; ++r, q += stride) v[r] = decode(q, type, swap);
    }
  }

  LocalizationTable t;
  t.resize(rows);
  for (size_t i = 0; i < vertex.props.size(); ++i) {
    const std::string& name = vertex.props[i].name;
    std::string_view ours = name;
    if (name == "uncertainty") ours = col::uncertainty_xy;
    if (name == "z" && h.flat_2d) continue;
    SMLM_CHECK(!t.has(ours), path << ": vertex property '" << name << "' appears twice");
    t.add_column(ours) = std::move(values[i]);
  }
  return t;
}

}  // namespace smlm::io
