// Picasso HDF5 reader and writer on the HDF5 C API: compound /locs read field by field through a
// memory compound of doubles, written in row chunks; the YAML sidecar by a tiny hand-written
// emitter and a line parser of top-level "key: value" pairs.
#include "io/picasso_hdf5.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5.h"

namespace smlm::io {

namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkRows = size_t{1} << 18;

using Id = Hdf5Id;

// Throws "<path>: <what>: <HDF5's reason>" unless `id` is valid; returns it.
Id checked(hid_t id, const std::string& path, const char* what) {
  SMLM_CHECK(id >= 0, path << ": " << what << hdf5_reason());
  return Id(id);
}

void check_status(herr_t status, const std::string& path, const char* what) {
  SMLM_CHECK(status >= 0, path << ": " << what << hdf5_reason());
}

std::string sidecar_path(const std::string& path) {
  return fs::path(path).replace_extension(".yaml").string();
}

// ---------------------------------------------------------------------------------------------
// YAML sidecar.

std::string yaml_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // PyYAML writes floats with a fraction ("130.0"); keep that so they load as floats.
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<double> parse_double(std::string_view s) {
  s = unquote(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A numpy scalar as PyYAML dumps it when Picasso stores one unconverted:
//   Pixelsize: !!python/object/apply:numpy.core.multiarray.scalar
//   - !!python/object/apply:numpy.dtype
//     args: [f8, false, true]
//     ...
//   - !!binary |
//     AAAAAAAAYEA=
// `block` holds the lines after the key's line. Returns the value for the common dtypes.
std::optional<double> numpy_scalar(const std::vector<std::string_view>& block) {
  std::string code, b64;
  bool in_binary = false, in_args = false;
  for (std::string_view line : block) {
    const std::string_view t = trim(line);
    if (in_binary && !t.empty() && t.front() != '-') {
      b64 += t;
      continue;
    }
    in_binary = t.find("!!binary") != std::string_view::npos;
    if (in_args && t.starts_with("- ") && code.empty()) code = std::string(trim(t.substr(2)));
    in_args = false;
    const size_t args = t.find("args:");
    if (args != std::string_view::npos) {
      const std::string_view rest = trim(t.substr(args + 5));
      if (rest.starts_with("["))  // flow style: args: [f8, false, true]
        code = std::string(trim(rest.substr(1, rest.find(',') - 1)));
      else  // block style (newer PyYAML): "args:" then "- f8"
        in_args = true;
    }
  }
  std::vector<unsigned char> bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    const int v = base64_value(c);
    if (v < 0) continue;  // '=' padding, blanks
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<unsigned char>((acc >> bits) & 0xFF));
    }
  }
  auto little = [&](size_t n) -> std::optional<uint64_t> {
    if (bytes.size() != n) return std::nullopt;
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u |= uint64_t{bytes[i]} << (8 * i);
    return u;
  };
  if (code == "f8") {
    if (auto u = little(8)) return std::bit_cast<double>(*u);
  } else if (code == "f4") {
    if (auto u = little(4)) return std::bit_cast<float>(static_cast<uint32_t>(*u));
  } else if (code == "i8") {
    if (auto u = little(8)) return static_cast<double>(static_cast<int64_t>(*u));
  } else if (code == "i4") {
    if (auto u = little(4)) return static_cast<double>(static_cast<int32_t>(*u));
  } else if (code == "u8" || code == "u4" || code == "u2" || code == "i2") {
    const size_t n = static_cast<size_t>(code[1] - '0');
    if (auto u = little(n))
      return code == "i2" ? static_cast<double>(static_cast<int16_t>(*u)) : static_cast<double>(*u);
  }
  return std::nullopt;
}

// Top-level keys of every document of a Picasso YAML stream, the last value of a key winning
// (Picasso's lib.get_from_metadata searches the documents from the last). Values are the raw
// scalar text; numpy scalars are decoded to their number.
std::map<std::string, std::string> parse_yaml(const std::string& text) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl;
    lines.emplace_back(text.data() + pos, end - pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty() || line.front() == ' ' || line.front() == '\t' || line.front() == '#' ||
        line.front() == '-' || line.starts_with("...") || line.front() == '%')
      continue;  // nested content, comments, sequences, document markers, directives
    const size_t colon = line.find(": ");
    const bool bare = colon == std::string_view::npos && trim(line).ends_with(":");
    if (colon == std::string_view::npos && !bare) continue;
    const std::string key(
        unquote(bare ? trim(line).substr(0, trim(line).size() - 1) : line.substr(0, colon)));
    std::string_view value = bare ? std::string_view() : trim(line.substr(colon + 2));
    if (value.starts_with("!!python/object/apply:") &&
        value.find("multiarray.scalar") != std::string_view::npos) {
      std::vector<std::string_view> block;
      for (size_t j = i + 1; j < lines.size(); ++j) {
        const std::string_view l = lines[j];
        if (!l.empty() && l.front() != ' ' && l.front() != '-') break;
        block.push_back(l);
      }
      if (auto v = numpy_scalar(block)) {
        out[key] = yaml_number(*v);
        continue;
      }
    }
    if (const size_t hash = value.find(" #"); hash != std::string_view::npos)
      value = trim(value.substr(0, hash));
    out[key] = std::string(unquote(value));
  }
  return out;
}

// Width, Height, Frames and Pixelsize from `values`; `source` names where they came from.
PicassoInfo info_from(const std::map<std::string, std::string>& values, const std::string& source) {
  PicassoInfo info;
  auto number = [&](const char* key) -> std::optional<double> {
    const auto it = values.find(key);
    if (it == values.end() || it->second.empty() || it->second == "null" || it->second == "~")
      return std::nullopt;
    const auto v = parse_double(it->second);
    SMLM_CHECK(v.has_value(), source << ": " << key << " '" << it->second << "' is not a number");
    return v;
  };
  // Sizes are truncated to integers, so they must fit one (fuzz/picasso_yaml_fuzz found
  // "Height: 1.5e87", whose conversion is undefined).
  auto size = [&](const char* key, int64_t max) -> std::optional<double> {
    const auto v = number(key);
    SMLM_CHECK(!v || (*v >= 0 && *v <= static_cast<double>(max)),
               source << ": " << key << " " << *v << " is not a size from 0 to " << max);
    return v;
  };
  if (auto v = size("Width", std::numeric_limits<int>::max())) info.width = static_cast<int>(*v);
  if (auto v = size("Height", std::numeric_limits<int>::max())) info.height = static_cast<int>(*v);
  if (auto v = size("Frames", int64_t{1} << 50)) info.frames = static_cast<int64_t>(*v);
  if (auto v = number("Pixelsize")) {
    SMLM_CHECK(std::isfinite(*v) && *v > 0,
               source << ": Pixelsize " << *v << " is not a positive pixel size in nm");
    info.pixel_size_nm = *v;
  }
  return info;
}

// The last `"key": <number>` in a JSON text (Picasso's embedded /metadata, a list of dicts).
std::map<std::string, std::string> scan_json_numbers(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const char* key : {"Width", "Height", "Frames", "Pixelsize"}) {
    const std::string quoted = std::string("\"") + key + "\"";
    for (size_t pos = text.find(quoted); pos != std::string::npos;
         pos = text.find(quoted, pos + 1)) {
      size_t p = pos + quoted.size();
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      if (p >= text.size() || text[p] != ':') continue;
      ++p;
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      size_t e = p;
      while (e < text.size() && std::strchr("+-.0123456789eE", text[e]) != nullptr) ++e;
      if (e > p) out[key] = text.substr(p, e - p);
    }
  }
  return out;
}

// A variable-length string's descriptor as the dataset's raw data holds it (little-endian in every
// HDF5 file), read from the file itself: the string's length, the address of the global heap
// collection that holds it and its object's index there. nullopt where the raw data is not
// contiguous in the file (compact, chunked or external storage) or cannot be read.
struct VlenDescriptor {
  uint64_t length = 0, heap = 0, index = 0;
};
uint64_t little_endian(const unsigned char* b, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | b[i];
  return v;
}
std::optional<VlenDescriptor> vlen_descriptor(const std::string& path, hid_t ds, size_t address) {
  const haddr_t addr = H5Dget_offset(ds);  // from the start of the file, user block included
  if (addr == HADDR_UNDEF || address > 8) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  unsigned char b[16];
  if (!in.seekg(static_cast<std::streamoff>(addr)) ||
      !in.read(reinterpret_cast<char*>(b), static_cast<std::streamsize>(8 + address)))
    return std::nullopt;
  return VlenDescriptor{little_endian(b, 4), little_endian(b + 4, address),
                        little_endian(b + 4 + address, 4)};
}

// Checks the global heap collection a variable-length string lives in before HDF5 reads it, by
// walking its objects as HDF5 1.10 decodes them (H5HG's deserialize): the collection ("GCOL",
// version, 3 reserved bytes, its whole size) holds objects of a 2-byte index, a 2-byte reference
// count, 4 reserved bytes and a size; an object of index > 0 takes its header and its data padded
// to 8 bytes, the free space (index 0) takes its size as it stands, header included. HDF5 trusts
// every one of those numbers (found by fuzz/picasso_hdf5_fuzz): a free space of size 0 never
// advances its decoder (a hang), and an object's size is what it copies (a size damaged to ~2^56:
// a wild memcpy; any object's size near 2^64: its decoder's step wraps around, a wild read).
// The string's index must be one of the collection's objects (HDF5 indexes its object table with
// it unchecked). Throws smlm::Error naming the file for these, or for a collection that runs past
// its file; returns quietly when the heap cannot be read (HDF5 then fails on its own).
void check_heap_object(const std::string& path, const VlenDescriptor& d, size_t length_bytes,
                       uintmax_t file_bytes) {
  if (length_bytes > 8 || d.heap >= file_bytes) return;
  std::ifstream in(path, std::ios::binary);
  unsigned char h[16];
  if (!in.seekg(static_cast<std::streamoff>(d.heap)) ||
      !in.read(reinterpret_cast<char*>(h), static_cast<std::streamsize>(8 + length_bytes)) ||
      std::memcmp(h, "GCOL", 4) != 0)
    return;
  const uint64_t size = little_endian(h + 8, length_bytes), header = 8 + length_bytes;
  SMLM_CHECK(size <= file_bytes - d.heap, path << ": /metadata's heap claims " << size
                                               << " bytes beyond its file (damaged file)");
  constexpr int kMaxObjects = 1 << 20;  // a bound on the walk, not on valid files
  uint64_t at = header;
  bool found = false;
  int n = 0;
  for (; n < kMaxObjects && at < size && at + header <= size; ++n) {
    unsigned char o[16];
    if (!in.seekg(static_cast<std::streamoff>(d.heap + at)) ||
        !in.read(reinterpret_cast<char*>(o), static_cast<std::streamsize>(header)))
      return;
    const uint64_t index = little_endian(o, 2), bytes = little_endian(o + 8, length_bytes);
    found = found || (index > 0 && index == d.index);
    // An object past its collection's end: HDF5 copies it (the string's own object), or its
    // decoder's next step wraps around and reads before the collection (any other).
    if (index > 0)
      SMLM_CHECK(bytes <= size - (at + header), path << ": /metadata's heap object claims " << bytes
                                                     << " bytes where its heap has "
                                                     << size - (at + header) << " (damaged file)");
    SMLM_CHECK(index > 0 || bytes > 0,
               path << ": /metadata's heap has a free space of 0 bytes (damaged file)");
    const uint64_t need = index > 0 ? header + (bytes + 7) / 8 * 8 : bytes;
    if (need > size - at) break;  // past the end: HDF5 stops there too
    at += need;
  }
  // HDF5 looks the string's object up by its index without checking that the collection holds it
  // (a descriptor's index damaged to 524 289: a read far past its object table, SEGV).
  SMLM_CHECK(found || n == kMaxObjects, path << ": /metadata's string is object " << d.index
                                             << " of a heap that holds no such object (damaged "
                                                "file)");
}

// The string in Picasso's /metadata dataset, or nullopt when there is none.
std::optional<std::string> embedded_metadata(const std::string& path, hid_t file) {
  if (H5Lexists(file, "metadata", H5P_DEFAULT) <= 0) return std::nullopt;
  Id ds(H5Dopen2(file, "metadata", H5P_DEFAULT));
  if (!ds.ok()) return std::nullopt;
  Id type(H5Dget_type(ds.get()));
  Id space(H5Dget_space(ds.get()));
  if (!type.ok() || !space.ok() || H5Tget_class(type.get()) != H5T_STRING ||
      H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  {
    // A compact dataset keeps all its data in its header, which HDF5 1.10 reads without checking
    // that the header holds that much (found by fuzz/picasso_hdf5_fuzz: a SEGV, also in
    // `smlm convert`, on a layout damaged to "compact, 0 bytes"). The one string takes its fixed
    // size, or a variable-length descriptor: length, heap address, index.
    Id dcpl(H5Dget_create_plist(ds.get()));
    if (dcpl.ok() && H5Pget_layout(dcpl.get()) == H5D_COMPACT) {
      size_t needed = H5Tget_size(type.get());
      if (H5Tis_variable_str(type.get()) > 0) {
        size_t address = 8, length = 8;
        Id fcpl(H5Fget_create_plist(file));
        if (fcpl.ok()) H5Pget_sizes(fcpl.get(), &address, &length);
        needed = 4 + address + 4;
      }
      const hsize_t stored = H5Dget_storage_size(ds.get());
      SMLM_CHECK(stored >= needed, path << ": /metadata stores " << stored << " bytes where its "
                                        << "string needs " << needed << " (damaged file)");
    }
  }
  // The file's character set in memory too: HDF5 converts no string from UTF-8 (h5py's, so
  // Picasso's) to ASCII (H5T_C_S1's).
  const H5T_cset_t cset = H5Tget_cset(type.get());
  if (H5Tis_variable_str(type.get()) > 0) {
    // HDF5 allocates the claimed length times the character size before it reads the string:
    // a damaged length asked for 2 GB, a damaged character size for 1.9 TB (found by
    // fuzz/picasso_hdf5_fuzz). Characters are bytes, and no string is longer than its file.
    Id base(H5Tget_super(type.get()));
    const size_t char_bytes = base.ok() ? H5Tget_size(base.get()) : 1;
    SMLM_CHECK(char_bytes == 1, path << ": /metadata is a string of " << char_bytes
                                     << "-byte characters (damaged file)");
    std::error_code ec;
    const uintmax_t file_bytes = fs::file_size(path, ec);
    size_t address = 8, length = 8;
    {
      Id fcpl(H5Fget_create_plist(file));
      if (fcpl.ok()) H5Pget_sizes(fcpl.get(), &address, &length);
    }
    if (const auto d = vlen_descriptor(path, ds.get(), address); d && !ec) {
      SMLM_CHECK(d->length <= file_bytes, path << ": /metadata claims a string of " << d->length
                                               << " bytes in a file of " << file_bytes
                                               << " (damaged file)");
      check_heap_object(path, *d, length, file_bytes);
    }
    Id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), cset);
    char* s = nullptr;
    if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) < 0) return std::nullopt;
    std::string out = s != nullptr ? s : "";
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mem.get(), space.get(), H5P_DEFAULT, &s);
#else
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &s);
#endif
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  Id mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem.get(), size + 1);
  H5Tset_cset(mem.get(), cset);
  std::string out(size + 1, '\0');
  if (H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    return std::nullopt;
  out.resize(std::strlen(out.c_str()));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing.

enum class Kind { kU32, kI32, kF32 };

struct OutField {
  std::string name;
  Kind kind;
  const std::vector<double>* src;
  double divisor = 1.0, shift = 0.0;  // stored = src / divisor + shift
};

// Picasso's documented integer ("long") columns.
constexpr std::array<std::string_view, 7> kIntegerFields = {
    "group", "group_input", "len", "n_id", "roi_id", "dark", "iterations"};

// Our known columns; none passes through under its own name.
constexpr std::array<std::string_view, 16> kKnown = {col::id,
                                                     col::frame,
                                                     col::x,
                                                     col::y,
                                                     col::z,
                                                     col::sigma,
                                                     col::sigma1,
                                                     col::sigma2,
                                                     col::intensity,
                                                     col::offset,
                                                     col::bkgstd,
                                                     col::chi2,
                                                     col::uncertainty_xy,
                                                     col::uncertainty_z,
                                                     col::loglikelihood,
                                                     col::detections};

bool whole_in(const std::vector<double>& v, double lo, double hi) {
  return std::all_of(v.begin(), v.end(),
                     [&](double x) { return x >= lo && x <= hi && std::floor(x) == x; });
}

std::vector<OutField> picasso_fields(const std::string& path, const LocalizationTable& t,
                                     double pixel) {
  for (std::string_view required : {col::frame, col::x, col::y})
    SMLM_CHECK(t.has(required),
               path << ": cannot write Picasso HDF5: the table has no '" << required << "' column");
  const auto& frame = t[col::frame];
  for (size_t i = 0; i < frame.size(); ++i)
    SMLM_CHECK(frame[i] >= 0 && frame[i] <= 4294967295.0 && std::floor(frame[i]) == frame[i],
               path << ": frame " << frame[i] << " in row " << i + 1
                    << " is not a whole number in [0, 4294967295] (Picasso stores uint32)");

  std::vector<OutField> f;
  f.push_back({"frame", Kind::kU32, &frame});
  f.push_back({"x", Kind::kF32, &t[col::x], pixel, -0.5});
  f.push_back({"y", Kind::kF32, &t[col::y], pixel, -0.5});
  if (t.has(col::intensity)) f.push_back({"photons", Kind::kF32, &t[col::intensity]});
  if (t.has(col::sigma1) && t.has(col::sigma2)) {
    f.push_back({"sx", Kind::kF32, &t[col::sigma1], pixel});
    f.push_back({"sy", Kind::kF32, &t[col::sigma2], pixel});
  } else if (t.has(col::sigma)) {
    f.push_back({"sx", Kind::kF32, &t[col::sigma], pixel});
    f.push_back({"sy", Kind::kF32, &t[col::sigma], pixel});
  }
  if (t.has(col::offset)) f.push_back({"bg", Kind::kF32, &t[col::offset]});
  if (t.has(col::uncertainty_xy)) {
    f.push_back({"lpx", Kind::kF32, &t[col::uncertainty_xy], pixel});
    f.push_back({"lpy", Kind::kF32, &t[col::uncertainty_xy], pixel});
  }
  if (t.has(col::z)) f.push_back({"z", Kind::kF32, &t[col::z]});
  if (t.has(col::uncertainty_z)) f.push_back({"lpz", Kind::kF32, &t[col::uncertainty_z]});
  if (t.has(col::detections)) {
    const auto& d = t[col::detections];
    f.push_back({"n", whole_in(d, -2147483648.0, 2147483647.0) ? Kind::kI32 : Kind::kF32, &d});
  }
  for (const auto& c : t.columns()) {
    if (std::find(kKnown.begin(), kKnown.end(), c.name) != kKnown.end()) continue;
    if (!c.unit.empty() && c.unit != "photon") continue;
    if (c.name.empty() ||
        std::any_of(f.begin(), f.end(), [&](const OutField& o) { return o.name == c.name; }))
      continue;  // the name of a mapped field
    const bool integer =
        std::find(kIntegerFields.begin(), kIntegerFields.end(), c.name) != kIntegerFields.end() &&
        whole_in(c.values, -2147483648.0, 2147483647.0);
    f.push_back({c.name, integer ? Kind::kI32 : Kind::kF32, &c.values});
  }
  return f;
}

void write_locs(const std::string& path, const std::string& temp, const LocalizationTable& t,
                const std::vector<OutField>& fields) {
  const size_t row_bytes = 4 * fields.size();
  Id file_type = checked(H5Tcreate(H5T_COMPOUND, row_bytes), path, "cannot create the /locs type");
  Id mem_type = checked(H5Tcreate(H5T_COMPOUND, row_bytes), path, "cannot create the /locs type");
  for (size_t i = 0; i < fields.size(); ++i) {
    const OutField& o = fields[i];
    const hid_t ft = o.kind == Kind::kU32   ? H5T_STD_U32LE
                     : o.kind == Kind::kI32 ? H5T_STD_I32LE
                                            : H5T_IEEE_F32LE;
    const hid_t mt = o.kind == Kind::kU32   ? H5T_NATIVE_UINT32
                     : o.kind == Kind::kI32 ? H5T_NATIVE_INT32
                                            : H5T_NATIVE_FLOAT;
    check_status(H5Tinsert(file_type.get(), o.name.c_str(), 4 * i, ft), path,
                 "cannot add a field to the /locs type");
    check_status(H5Tinsert(mem_type.get(), o.name.c_str(), 4 * i, mt), path,
                 "cannot add a field to the /locs type");
  }

  Id file = checked(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path,
                    "cannot create HDF5 file");
  const hsize_t rows = t.size();
  Id space = checked(H5Screate_simple(1, &rows, nullptr), path, "cannot create a dataspace");
  Id ds = checked(H5Dcreate2(file.get(), "locs", file_type.get(), space.get(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
                  path, "cannot create /locs");

  std::vector<unsigned char> buf(std::min<size_t>(t.size(), kChunkRows) * row_bytes);
  for (size_t begin = 0; begin < t.size(); begin += kChunkRows) {
    const size_t n = std::min(kChunkRows, t.size() - begin);
    for (size_t i = 0; i < fields.size(); ++i) {
      const OutField& o = fields[i];
      unsigned char* p = buf.data() + 4 * i;
      for (size_t r = 0; r < n; ++r, p += row_bytes) {
        const double v = (*o.src)[begin + r];
        if (o.kind == Kind::kU32) {
          const auto u = static_cast<uint32_t>(v);
          std::memcpy(p, &u, 4);
        } else if (o.kind == Kind::kI32) {
          const auto s = static_cast<int32_t>(v);
          std::memcpy(p, &s, 4);
        } else {
          const auto x =
              static_cast<float>(o.divisor == 1.0 && o.shift == 0.0 ? v : v / o.divisor + o.shift);
          std::memcpy(p, &x, 4);
        }
      }
    }
    const hsize_t start = begin, count = n;
    Id file_space = checked(H5Dget_space(ds.get()), path, "cannot select rows of /locs");
    check_status(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
        path, "cannot select rows of /locs");
    Id mem_space = checked(H5Screate_simple(1, &count, nullptr), path, "cannot write /locs");
    check_status(H5Dwrite(ds.get(), mem_type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT,
                          buf.data()),
                 path, "cannot write /locs");
  }
  ds = Id();
  check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), path, "write failed");
  check_status(H5Fclose(file.release()), path, "write failed");
}

double finite_max(const std::vector<double>& v, double divisor, double shift) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, x / divisor + shift);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Reading.

enum class NumKind { kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64, kF32, kF64, kF80 };

// What is wrong when a compound type (or one nested in it, through arrays and variable-length
// sequences) has a member that does not lie inside it; nullopt when every member does.
// HDF5 checks this when a type is built, not when one is read from a file, and its conversion
// then copies from wherever the offset points (found by fuzz/picasso_hdf5_fuzz: a SEGV in
// H5T__conv_struct_opt, or silently garbage values).
std::optional<std::string> member_outside(hid_t type, int depth = 0) {
  if (depth > 32) return "types nested more than 32 deep";
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_ARRAY || cls == H5T_VLEN) {
    Hdf5Id base(H5Tget_super(type));
    if (!base.ok()) return "a field of unreadable type";
    return member_outside(base.get(), depth + 1);
  }
  if (cls != H5T_COMPOUND) return std::nullopt;
  const size_t size = H5Tget_size(type);
  const int members = H5Tget_nmembers(type);
  if (members < 0) return "unreadable fields";
  for (int i = 0; i < members; ++i) {
    const auto u = static_cast<unsigned>(i);
    std::string name = "#" + std::to_string(i + 1);
    if (char* n = H5Tget_member_name(type, u); n != nullptr) {
      name = n;
      H5free_memory(n);
    }
    Hdf5Id member(H5Tget_member_type(type, u));
    if (!member.ok()) return "field '" + name + "' of unreadable type";
    const size_t offset = H5Tget_member_offset(type, u);
    const size_t bytes = H5Tget_size(member.get());
    if (bytes == 0 || offset > size || bytes > size - offset)
      return "field '" + name + "' (" + std::to_string(bytes) + " bytes at byte " +
             std::to_string(offset) + " of " + std::to_string(size) + ") lies outside its row";
    if (auto inner = member_outside(member.get(), depth + 1)) return inner;
  }
  return std::nullopt;
}

// How to decode a native numeric member type; nullopt for anything else (strings, enums, ...).
std::optional<NumKind> num_kind(hid_t t) {
  const H5T_class_t c = H5Tget_class(t);
  const size_t size = H5Tget_size(t);
  if (c == H5T_FLOAT) {
    if (size == sizeof(float)) return NumKind::kF32;
    if (size == sizeof(double)) return NumKind::kF64;
    if (size == sizeof(long double)) return NumKind::kF80;
    return std::nullopt;
  }
  if (c != H5T_INTEGER) return std::nullopt;
  const bool sign = H5Tget_sign(t) == H5T_SGN_2;
  switch (size) {
    case 1:
      return sign ? NumKind::kI8 : NumKind::kU8;
    case 2:
      return sign ? NumKind::kI16 : NumKind::kU16;
    case 4:
      return sign ? NumKind::kI32 : NumKind::kU32;
    case 8:
      return sign ? NumKind::kI64 : NumKind::kU64;
    default:
      return std::nullopt;
  }
}

template <class T>
double load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

double decode_native(const unsigned char* p, NumKind k) {
  switch (k) {
    case NumKind::kI8:
      return load<int8_t>(p);
    case NumKind::kU8:
      return load<uint8_t>(p);
    case NumKind::kI16:
      return load<int16_t>(p);
    case NumKind::kU16:
      return load<uint16_t>(p);
    case NumKind::kI32:
      return load<int32_t>(p);
    case NumKind::kU32:
      return load<uint32_t>(p);
    case NumKind::kI64:
      return load<int64_t>(p);
    case NumKind::kU64:
      return load<uint64_t>(p);
    case NumKind::kF32:
      return load<float>(p);
    case NumKind::kF64:
      return load<double>(p);
    case NumKind::kF80:
      return load<long double>(p);
  }
  return 0;
}

// The names for an error message, bytes outside printable ASCII as \xNN (a damaged file's names
// would otherwise put control characters on the user's terminal).
std::string field_list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty()) s += ", ";
    for (const unsigned char c : n) {
      if (c >= 0x20 && c < 0x7f) {
        s += static_cast<char>(c);
      } else {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        s += hex;
      }
    }
  }
  return s;
}

}  // namespace

void write_picasso_hdf5(const std::string& path, const LocalizationTable& t,
                        const PicassoInfo& info) {
  QuietHdf5 quiet;
  const double pixel = info.pixel_size_nm;
  SMLM_CHECK(std::isfinite(pixel) && pixel > 0,
             path << ": cannot write Picasso HDF5: pixel size " << pixel
                  << " nm is not positive (Picasso stores x, y in camera pixels)");
  const std::vector<OutField> fields = picasso_fields(path, t, pixel);

  PicassoInfo out = info;
  if (out.width <= 0)
    out.width = static_cast<int>(
        std::clamp(std::floor(finite_max(t[col::x], pixel, -0.5)) + 1, 0.0, 2147483647.0));
  if (out.height <= 0)
    out.height = static_cast<int>(
        std::clamp(std::floor(finite_max(t[col::y], pixel, -0.5)) + 1, 0.0, 2147483647.0));
  if (out.frames <= 0 && !t.empty())
    out.frames = static_cast<int64_t>(finite_max(t[col::frame], 1, 1));  // frames are checked

  AtomicFile h5(path);
  write_locs(path, h5.temp_path(), t, fields);

  const std::string yaml_path = sidecar_path(path);
  std::ostringstream yaml;
  yaml << "Frames: " << out.frames << "\nHeight: " << out.height
       << "\nPixelsize: " << yaml_number(pixel) << "\nWidth: " << out.width
       << "\n---\nGenerated by: smlm\nPixelsize: " << yaml_number(pixel) << "\n";
  AtomicFile sidecar(yaml_path);
  {
    std::ofstream f(sidecar.temp_path(), std::ios::binary);
    f << yaml.str();
    f.flush();
    SMLM_CHECK(f.good(), yaml_path << ": write failed: " << std::strerror(errno));
  }
  h5.commit();
  sidecar.commit();
}

LocalizationTable read_picasso_hdf5(const std::string& path, PicassoInfo* info_out,
                                    double pixel_size_nm) {
  QuietHdf5 quiet;
  std::error_code ec;
  SMLM_CHECK(fs::is_regular_file(path, ec), path << ": cannot open: no such file");
  SMLM_CHECK(H5Fis_hdf5(path.c_str()) > 0, path << ": not an HDF5 file");
  H5Eclear2(H5E_DEFAULT);
  Id file =
      checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "cannot open as HDF5");

  // Metadata: the sidecar, else the embedded /metadata JSON.
  PicassoInfo info;
  const std::string yaml_path = sidecar_path(path);
  std::string meta_source;
  if (fs::is_regular_file(yaml_path, ec)) {
    std::ifstream in(yaml_path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    info = info_from(parse_yaml(ss.str()), yaml_path);
    meta_source = yaml_path;
  } else if (auto json = embedded_metadata(path, file.get())) {
    info = info_from(scan_json_numbers(*json), path + ": /metadata");
    meta_source = path + " (/metadata)";
  }
  H5Eclear2(H5E_DEFAULT);
  if (pixel_size_nm > 0) info.pixel_size_nm = pixel_size_nm;
  const double pixel = info.pixel_size_nm;

  SMLM_CHECK(H5Lexists(file.get(), "locs", H5P_DEFAULT) > 0,
             path << ": no dataset /locs (not a Picasso localization file)");
  Id ds = checked(H5Dopen2(file.get(), "locs", H5P_DEFAULT), path, "cannot open /locs");
  Id type = checked(H5Dget_type(ds.get()), path, "cannot read the type of /locs");
  SMLM_CHECK(H5Tget_class(type.get()) == H5T_COMPOUND,
             path << ": /locs is not a table (HDF5 compound dataset)");
  const auto outside = member_outside(type.get());
  SMLM_CHECK(!outside, path << ": /locs has a damaged type: " << *outside);
  Id space = checked(H5Dget_space(ds.get()), path, "cannot read the size of /locs");
  SMLM_CHECK(H5Sget_simple_extent_ndims(space.get()) == 1,
             path << ": /locs has " << H5Sget_simple_extent_ndims(space.get())
                  << " dimensions, expected a 1-D table");
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  {
    // A damaged header can claim any row count, and unwritten storage reads as fill values:
    // believe no more rows than the dataset stores (found by fuzz/picasso_hdf5_fuzz: 13 GB).
    // Compressed data is allowed a ratio of 1000.
    Id dcpl(H5Dget_create_plist(ds.get()));
    const bool filtered = dcpl.ok() && H5Pget_nfilters(dcpl.get()) > 0;
    const hsize_t stored = H5Dget_storage_size(ds.get());
    const size_t file_row = H5Tget_size(type.get());
    SMLM_CHECK(rows == 0 || (file_row > 0 && rows / (filtered ? 1000 : 1) <= stored / file_row),
               path << ": /locs claims " << rows << " rows of " << file_row << " bytes but stores "
                    << stored << " bytes (damaged file)");
  }

  // The rows are read in the file's own layout, made native (a plain copy for little-endian
  // files), and each numeric field decoded here: HDF5's member-wise conversion to a compound
  // of doubles is several times slower.
  Id mem_type = checked(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), path,
                        "cannot read the type of /locs");
  struct Member {
    size_t offset;
    NumKind kind;
  };
  std::vector<std::string> names, all;
  std::vector<Member> decoders;
  const int members = H5Tget_nmembers(mem_type.get());
  for (int i = 0; i < members; ++i) {
    const auto u = static_cast<unsigned>(i);
    char* name = H5Tget_member_name(mem_type.get(), u);
    if (name == nullptr) continue;
    all.emplace_back(name);
    H5free_memory(name);
    Id member(H5Tget_member_type(mem_type.get(), u));
    const auto kind = member.ok() ? num_kind(member.get()) : std::nullopt;
    if (!kind) continue;
    names.push_back(all.back());
    decoders.push_back({H5Tget_member_offset(mem_type.get(), u), *kind});
  }
  auto has = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  for (const char* required : {"frame", "x", "y"}) {
    const bool present = std::find(all.begin(), all.end(), required) != all.end();
    SMLM_CHECK(present, path << ": /locs has no field '" << required
                             << "' (fields: " << field_list(all) << ")");
    SMLM_CHECK(has(required), path << ": /locs field '" << required << "' is not a number");
  }
  SMLM_CHECK(pixel > 0, path << ": the pixel size is unknown: "
                             << (meta_source.empty() ? "no sidecar " + yaml_path
                                                     : meta_source + " has no Pixelsize")
                             << "; pass the pixel size in nm");

  std::vector<std::vector<double>> raw(names.size(), std::vector<double>(rows));
  {
    const size_t row_bytes = H5Tget_size(mem_type.get());
    std::vector<unsigned char> buf(std::min<size_t>(rows, kChunkRows) * row_bytes);
    for (hsize_t begin = 0; begin < rows; begin += kChunkRows) {
      const hsize_t count = std::min<hsize_t>(kChunkRows, rows - begin);
      check_status(
          H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr), path,
          "cannot select rows of /locs");
      Id mem_space = checked(H5Screate_simple(1, &count, nullptr), path, "cannot read /locs");
      check_status(
          H5Dread(ds.get(), mem_type.get(), mem_space.get(), space.get(), H5P_DEFAULT, buf.data()),
          path, "cannot read /locs");
      for (size_t i = 0; i < names.size(); ++i) {
        double* out = raw[i].data() + begin;
        const unsigned char* p = buf.data() + decoders[i].offset;
        const NumKind kind = decoders[i].kind;
        for (size_t r = 0; r < count; ++r, p += row_bytes) out[r] = decode_native(p, kind);
      }
    }
  }
  auto field = [&](std::string_view n) -> std::vector<double>& {
    return raw[static_cast<size_t>(std::find(names.begin(), names.end(), n) - names.begin())];
  };

  LocalizationTable t;
  t.resize(rows);
  auto add = [&](std::string_view name, std::vector<double> v) {
    t.add_column(name) = std::move(v);
  };
  auto scaled = [&](std::string_view n, double shift, double mul) {
    std::vector<double> v = field(n);
    for (double& x : v) x = (x + shift) * mul;
    return v;
  };

  {
    const auto& frame = field("frame");
    for (size_t i = 0; i < frame.size(); ++i)
      SMLM_CHECK(frame[i] >= 0, path << ": /locs row " << i + 1 << " has frame " << frame[i]
                                     << "; Picasso frames start at 0");
  }
  add(col::frame, field("frame"));
  add(col::x, scaled("x", 0.5, pixel));
  add(col::y, scaled("y", 0.5, pixel));
  if (has("z")) add(col::z, field("z"));
  if (has("sx") && has("sy")) {
    const auto& sx = field("sx");
    const auto& sy = field("sy");
    bool same = true;
    for (size_t i = 0; i < rows && same; ++i)
      same = sx[i] == sy[i] || (std::isnan(sx[i]) && std::isnan(sy[i]));
    if (same) {
      add(col::sigma, scaled("sx", 0, pixel));
    } else {
      add(col::sigma1, scaled("sx", 0, pixel));
      add(col::sigma2, scaled("sy", 0, pixel));
    }
  } else if (has("sx") || has("sy")) {
    add(col::sigma, scaled(has("sx") ? "sx" : "sy", 0, pixel));
  }
  if (has("photons")) add(col::intensity, field("photons"));
  if (has("bg")) add(col::offset, field("bg"));
  if (has("lpx") && has("lpy")) {
    const auto& lpx = field("lpx");
    const auto& lpy = field("lpy");
    std::vector<double> u(rows);
    for (size_t i = 0; i < rows; ++i)
      u[i] = lpx[i] == lpy[i] ? lpx[i] * pixel
                              : std::sqrt((lpx[i] * lpx[i] + lpy[i] * lpy[i]) / 2) * pixel;
    add(col::uncertainty_xy, std::move(u));
  } else if (has("lpx") || has("lpy")) {
    add(col::uncertainty_xy, scaled(has("lpx") ? "lpx" : "lpy", 0, pixel));
  }
  if (has("lpz")) add(col::uncertainty_z, field("lpz"));
  if (has("n")) add(col::detections, field("n"));

  constexpr std::array<std::string_view, 12> kMapped = {"frame",   "x",  "y",   "z",   "sx",  "sy",
                                                        "photons", "bg", "lpx", "lpy", "lpz", "n"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::find(kMapped.begin(), kMapped.end(), names[i]) != kMapped.end()) continue;
    if (names[i].empty() || t.has(names[i])) continue;  // a field named like one made above
    t.add_column(names[i]) = std::move(raw[i]);
  }

  if (info_out != nullptr) {
    *info_out = info;
    info_out->pixel_size_nm = pixel;
  }
  return t;
}

}  // namespace smlm::io
