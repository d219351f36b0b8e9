// Tests for the .smlm reader and writer: round trips to float32 precision, the manifest as
// Python's zipfile and json read it, the ZIP records the writer emits, hand-built archives
// (stored, deflated, ZIP64 extra fields and end records, mixed dtypes, ShareLoc's labels),
// Python-written files (also forced ZIP64), corrupt or incomplete archives, a write that fails
// part-way, and (with SMLM_LARGE_TESTS=1) a table over 4 GiB.
#include "io/smlm_zip.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tests/test_util.h"

namespace smlm::io {
namespace {

using test::error_of;
using test::f32;
using test::read_text;
using test::same;
using test::write_text;

namespace fs = std::filesystem;

void put(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string raw_deflate(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct ZipEntry {
  std::string name, data;
  bool deflate = true;
  bool zip64 = false;             // sizes and offset in ZIP64 extra fields
  bool zip64_local_only = false;  // sizes in the local header's ZIP64 field only (Python's
                                  // force_zip64)
};

// A ZIP archive built byte by byte, as other tools write them.
std::string make_zip(const std::vector<ZipEntry>& entries, bool zip64_end = false) {
  std::string zip, cd;
  for (const ZipEntry& e : entries) {
    const std::string body = e.deflate ? raw_deflate(e.data) : e.data;
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    const uint64_t offset = zip.size();
    const bool local64 = e.zip64 || e.zip64_local_only;
    std::string local_extra, central_extra;
    if (local64) {
      put(local_extra, 1, 2);
      put(local_extra, 16, 2);
      put(local_extra, e.data.size(), 8);
      put(local_extra, body.size(), 8);
    }
    if (e.zip64) {
      put(central_extra, 1, 2);
      put(central_extra, 24, 2);
      put(central_extra, e.data.size(), 8);
      put(central_extra, body.size(), 8);
      put(central_extra, offset, 8);
    }
    put(zip, 0x04034b50, 4);
    put(zip, local64 ? 45 : 20, 2);
    put(zip, 0, 2);
    put(zip, e.deflate ? 8 : 0, 2);
    put(zip, 0, 4);  // time, date
    put(zip, crc, 4);
    put(zip, local64 ? 0xFFFFFFFF : body.size(), 4);
    put(zip, local64 ? 0xFFFFFFFF : e.data.size(), 4);
    put(zip, e.name.size(), 2);
    put(zip, local_extra.size(), 2);
    zip += e.name + local_extra + body;

    put(cd, 0x02014b50, 4);
    put(cd, 20, 2);
    put(cd, local64 ? 45 : 20, 2);
    put(cd, 0, 2);
    put(cd, e.deflate ? 8 : 0, 2);
    put(cd, 0, 4);
    put(cd, crc, 4);
    put(cd, e.zip64 ? 0xFFFFFFFF : body.size(), 4);
    put(cd, e.zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    put(cd, e.name.size(), 2);
    put(cd, central_extra.size(), 2);
    put(cd, 0, 2);  // comment
    put(cd, 0, 2);  // disk
    put(cd, 0, 2);  // internal attributes
    put(cd, 0, 4);  // external attributes
    put(cd, e.zip64 ? 0xFFFFFFFF : offset, 4);
    cd += e.name + central_extra;
  }
  const uint64_t cd_offset = zip.size();
  zip += cd;
  if (zip64_end) {
    const uint64_t end64 = zip.size();
    put(zip, 0x06064b50, 4);
    put(zip, 44, 8);
    put(zip, 45, 2);
    put(zip, 45, 2);
    put(zip, 0, 4);
    put(zip, 0, 4);
    put(zip, entries.size(), 8);
    put(zip, entries.size(), 8);
    put(zip, cd.size(), 8);
    put(zip, cd_offset, 8);
    put(zip, 0x07064b50, 4);
    put(zip, 0, 4);
    put(zip, end64, 8);
    put(zip, 1, 4);
  }
  put(zip, 0x06054b50, 4);
  put(zip, 0, 4);
  put(zip, zip64_end ? 0xFFFF : entries.size(), 2);
  put(zip, zip64_end ? 0xFFFF : entries.size(), 2);
  put(zip, zip64_end ? 0xFFFFFFFF : cd.size(), 4);
  put(zip, zip64_end ? 0xFFFFFFFF : cd_offset, 4);
  put(zip, 0, 2);
  return zip;
}

uint64_t get(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s.at(at + i));
  return v;
}

// The last `n` bytes of a file (all of it if shorter), and the file's size.
std::string tail(const std::string& path, size_t n, uint64_t* size) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  *size = static_cast<uint64_t>(f.tellg());
  const uint64_t k = std::min<uint64_t>(n, *size);
  f.seekg(static_cast<std::streamoff>(*size - k));
  std::string s(k, '\0');
  f.read(s.data(), static_cast<std::streamsize>(k));
  return s;
}

struct CentralRecord {
  std::string name;
  uint64_t version_needed, flags, method, time, date, csize, usize, offset, external;
  bool zip64_extra = false;
  uint64_t usize64 = 0;  // from the ZIP64 extra field, when it holds the size
};

// The central directory of the ZIP archive `path` (no comment), read as a reader would: the end
// record, the ZIP64 end record if its locator is there, then each record.
std::vector<CentralRecord> central_directory(const std::string& path, bool* zip64_end) {
  uint64_t size = 0;
  const std::string t = tail(path, 1 << 20, &size);
  const size_t end = t.size() - 22;
  EXPECT_EQ(get(t, end, 4), 0x06054b50u);
  uint64_t count = get(t, end + 10, 2), cd_size = get(t, end + 12, 4),
           cd_offset = get(t, end + 16, 4);
  *zip64_end = end >= 20 && get(t, end - 20, 4) == 0x07064b50u;
  if (*zip64_end) {
    const size_t e64 = static_cast<size_t>(get(t, end - 20 + 8, 8) - (size - t.size()));
    EXPECT_EQ(get(t, e64, 4), 0x06064b50u);
    count = get(t, e64 + 32, 8);
    cd_size = get(t, e64 + 40, 8);
    cd_offset = get(t, e64 + 48, 8);
  }
  std::vector<CentralRecord> records;
  size_t p = static_cast<size_t>(cd_offset - (size - t.size()));
  for (uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(get(t, p, 4), 0x02014b50u);
    CentralRecord r{};
    r.version_needed = get(t, p + 6, 2);
    r.flags = get(t, p + 8, 2);
    r.method = get(t, p + 10, 2);
    r.time = get(t, p + 12, 2);
    r.date = get(t, p + 14, 2);
    r.csize = get(t, p + 20, 4);
    r.usize = get(t, p + 24, 4);
    const size_t name_len = get(t, p + 28, 2), extra_len = get(t, p + 30, 2),
                 comment_len = get(t, p + 32, 2);
    r.external = get(t, p + 38, 4);
    r.offset = get(t, p + 42, 4);
    r.name = t.substr(p + 46, name_len);
    for (size_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;
         x += 4 + get(t, x + 2, 2)) {
      if (get(t, x, 2) != 1) continue;
      r.zip64_extra = true;
      if (r.usize == 0xFFFFFFFF) r.usize64 = get(t, x + 4, 8);
    }
    records.push_back(r);
    p += 46 + name_len + extra_len + comment_len;
  }
  EXPECT_EQ(p, cd_offset - (size - t.size()) + cd_size);
  return records;
}

// A manifest for one binary table.
std::string manifest(const std::string& headers, const std::string& dtype, const std::string& shape,
                     const std::string& units, size_t rows, const std::string& offset = "{}") {
  return R"({"format_version": "0.2", "formats": {"tbl": {"name": "tbl", "type": "table",
    "mode": "binary", "extension": ".bin", "columns": )" +
         std::to_string(std::count(headers.begin(), headers.end(), ',') + 1) + R"(, "headers": )" +
         headers + R"(, "dtype": )" + dtype + R"(, "shape": )" + shape +
         (units.empty() ? "" : R"(, "units": )" + units) +
         R"(}}, "files": [{"name": "table.bin", "type": "table", "format": "tbl",
    "channel": "default", "rows": )" +
         std::to_string(rows) + R"(, "offset": )" + offset + "}]}";
}

// Rows of (frame uint32, x float64 um, y float32, patch 2x2 uint8, intensity int16).
std::string mixed_rows() {
  std::string b;
  const double xs[] = {1.5, 2.25};
  for (int r = 0; r < 2; ++r) {
    put(b, static_cast<uint32_t>(r + 1), 4);
    put(b, std::bit_cast<uint64_t>(xs[r]), 8);
    put(b, std::bit_cast<uint32_t>(static_cast<float>(10.5 * (r + 1))), 4);
    b += std::string("\1\2\3\4");
    put(b, static_cast<uint16_t>(static_cast<int16_t>(-7 * (r + 1))), 2);
  }
  return b;
}

const std::string kMixedManifest =
    manifest(R"(["frame", "x", "y", "patch", "intensity_photon_"])",
             R"(["uint32", "float64", "float32", "uint8", "int16"])", R"([1, 1, 1, [2, 2], 1])",
             R"(["frame", "um", "nm", "", ""])", 2, R"({"y": 0.5})");

void expect_mixed(const LocalizationTable& r) {
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 1}));  // 1-based in the file
  EXPECT_EQ(r[col::x], (std::vector<double>{1500, 2250}));
  EXPECT_EQ(r[col::y], (std::vector<double>{11, 21.5}));  // plus the offset
  EXPECT_EQ(r[col::intensity], (std::vector<double>{-7, -14}));
  EXPECT_FALSE(r.has("patch"));
  EXPECT_EQ(r.columns()[0].unit, "");
  for (const auto& c : r.columns()) EXPECT_EQ(c.unit, default_unit(c.name)) << c.name;
}

LocalizationTable sample_table() {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::z);
  t.add_column(col::intensity);
  t.add_column(col::uncertainty_xy);
  t.add_column("custom", 0.0, "a.u.");
  t.resize(3);
  t[col::frame] = {0, 5, 16000000};
  t[col::x] = {150.0, 12345.678901, -0.1234567};
  t[col::y] = {250.0, 98765.4321, 1e-3};
  t[col::z] = {-312.5, 0.1, 777.77777};
  t[col::intensity] = {1000.5, std::numeric_limits<double>::quiet_NaN(), 1e6 / 3};
  t[col::uncertainty_xy] = {12.3456, 7.89, 3.3};
  t["custom"] = {1, 2, 3};
  return t;
}

TEST(SmlmZip, RoundTripKeepsEveryValueToFloat32) {
  test::TempDir dir;
  const std::string path = dir / "locs.smlm";
  const LocalizationTable t = sample_table();
  write_smlm(path, t);
  const LocalizationTable r = read_smlm(path);
  ASSERT_EQ(r.size(), t.size());
  ASSERT_EQ(r.num_columns(), t.num_columns());
  for (size_t c = 0; c < t.num_columns(); ++c) {
    const auto& a = t.columns()[c];
    const auto& b = r.columns()[c];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.unit, a.unit) << a.name;
    for (size_t i = 0; i < t.size(); ++i)
      EXPECT_TRUE(same(b.values[i], f32(a.values[i]))) << a.name << " row " << i;
  }
  EXPECT_EQ(r[col::frame], t[col::frame]);
  // The same table gives the same bytes.
  test::TempDir other;
  const std::string again = other / "locs.smlm";
  write_smlm(again, t);
  EXPECT_EQ(read_text(again), read_text(path));
}

TEST(SmlmZip, ManifestAsPythonReadsIt) {
  if (test::run_command("python3 -c 'import zipfile, json, struct'") != 0)
    GTEST_SKIP() << "python3 is not available";
  test::TempDir dir;
  const std::string path = dir / "py.smlm";
  write_smlm(path, sample_table());
  const std::string script = dir / "check.py";
  write_text(script, R"(import sys, zipfile, json, struct
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist():
    assert i.compress_type == zipfile.ZIP_DEFLATED, i.filename
m = json.loads(z.read("manifest.json"))
f = m["files"][0]
fmt = m["formats"][f["format"]]
data = z.read(f["name"])
assert len(data) == f["rows"] * fmt["columns"] * 4
v = struct.unpack("<%df" % (len(data) // 4), data)
print(m["format_version"], f["type"], fmt["type"], fmt["mode"], f["rows"], fmt["columns"])
print(",".join(fmt["headers"]))
print(",".join(fmt["dtype"]))
print(",".join(fmt["units"]))
print(",".join(str(s) for s in fmt["shape"]))
print(v[0], v[1], v[7])
)");
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + script + " " + path, &out), 0) << out;
  EXPECT_EQ(out,
            "0.2 table table binary 3 7\n"
            "frame,x,y,z,intensity,uncertainty_xy,custom\n"
            "float32,float32,float32,float32,float32,float32,float32\n"
            "frame,nm,nm,nm,photon,nm,a.u.\n"
            "1,1,1,1,1,1,1\n"
            "1.0 150.0 6.0\n");  // frames from 1: row 0 frame 1, row 1 frame 6
  if (test::run_command("unzip -v > /dev/null") == 0) {
    EXPECT_EQ(test::run_command("unzip -tq " + path, &out), 0) << out;
  }
}

TEST(SmlmZip, ReadsHandBuiltArchivesStoredDeflatedAndZip64) {
  test::TempDir dir;
  const std::string path = dir / "hand.smlm";
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    const bool deflate = variant != 0, zip64 = variant == 2;
    write_text(path, make_zip({{"manifest.json", kMixedManifest, deflate, zip64},
                               {"table.bin", mixed_rows(), deflate, zip64}},
                              zip64));
    expect_mixed(read_smlm(path));
  }
}

// The writer's ZIP records: small tables get plain (not ZIP64) deflated entries, dated
// 1980-01-01, sizes in the headers (no data descriptor), as readers without ZIP64 expect.
TEST(SmlmZip, WritesPlainZipRecordsForSmallTables) {
  test::TempDir dir;
  const std::string path = dir / "plain.smlm";
  write_smlm(path, sample_table());
  bool zip64_end = true;
  const std::vector<CentralRecord> records = central_directory(path, &zip64_end);
  EXPECT_FALSE(zip64_end);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "manifest.json");
  EXPECT_EQ(records[1].name, "localizations.bin");
  EXPECT_EQ(records[1].usize, 3u * 7 * 4);
  const std::string bytes = read_text(path);
  for (const CentralRecord& r : records) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.version_needed, 20u);
    EXPECT_EQ(r.flags & 8, 0u);  // no data descriptor
    EXPECT_EQ(r.method, 8u);
    EXPECT_EQ(r.time, 0u);
    EXPECT_EQ(r.date, 0x21u);  // 1980-01-01
    EXPECT_EQ(r.external, 0100644u << 16);
    EXPECT_FALSE(r.zip64_extra);
    // The local header agrees, with no ZIP64 field either.
    ASSERT_EQ(get(bytes, r.offset, 4), 0x04034b50u);
    EXPECT_EQ(get(bytes, r.offset + 4, 2), 20u);
    EXPECT_EQ(get(bytes, r.offset + 18, 4), r.csize);
    EXPECT_EQ(get(bytes, r.offset + 22, 4), r.usize);
    EXPECT_EQ(get(bytes, r.offset + 28, 2), 0u);  // extra field length
  }
}

// ZIP64 as other writers emit it for small files, built byte by byte: 0xFFFFFFFF in the headers'
// size and offset fields with the values in ZIP64 extra fields, the ZIP64 end record and its
// locator, or the ZIP64 end records alone, or ZIP64 fields in the local headers only.
TEST(SmlmZip, ReadsZip64ExtraFieldsAndEndRecords) {
  test::TempDir dir;
  const std::string path = dir / "zip64.smlm";
  struct Variant {
    bool zip64, local_only, end64;
  };
  for (const Variant v : {Variant{true, false, true}, Variant{true, false, false},
                          Variant{false, false, true}, Variant{false, true, false}}) {
    SCOPED_TRACE(testing::Message() << v.zip64 << v.local_only << v.end64);
    for (const bool deflate : {false, true}) {
      write_text(path, make_zip({{"manifest.json", kMixedManifest, deflate, v.zip64, v.local_only},
                                 {"table.bin", mixed_rows(), deflate, v.zip64, v.local_only}},
                                v.end64));
      // The fixture is what it claims to be.
      bool zip64_end = false;
      const std::vector<CentralRecord> records = central_directory(path, &zip64_end);
      EXPECT_EQ(zip64_end, v.end64);
      ASSERT_EQ(records.size(), 2u);
      EXPECT_EQ(records[1].zip64_extra, v.zip64);
      if (v.zip64) {
        EXPECT_EQ(records[1].usize, 0xFFFFFFFFu);
        EXPECT_EQ(records[1].offset, 0xFFFFFFFFu);
        EXPECT_EQ(records[1].usize64, mixed_rows().size());
      }
      expect_mixed(read_smlm(path));
    }
  }
}

// Python's zipfile with force_zip64=True: ZIP64 fields in the local headers, a plain central
// directory.
TEST(SmlmZip, ReadsWhatPythonWritesWithForcedZip64) {
  if (test::run_command("python3 -c 'import zipfile, json, struct'") != 0)
    GTEST_SKIP() << "python3 is not available";
  test::TempDir dir;
  const std::string path = dir / "py64.smlm", script = dir / "make.py";
  write_text(dir / "manifest.json", kMixedManifest);
  write_text(dir / "table.bin", mixed_rows());
  write_text(script, R"(import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    for name in ("manifest.json", "table.bin"):
        with z.open(name, "w", force_zip64=True) as f:
            f.write(open(sys.argv[2] + "/" + name, "rb").read())
)");
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + script + " " + path + " " + dir.path().string(), &out),
            0)
      << out;
  const std::string bytes = read_text(path);
  ASSERT_EQ(get(bytes, 0, 4), 0x04034b50u);
  // After "manifest.json": the ZIP64 field's id. Whether the 32-bit size fields then hold
  // 0xFFFFFFFF or the sizes themselves differs between CPython releases (3.11.2 and 3.11.7 do
  // differ); a reader must take both.
  EXPECT_EQ(get(bytes, 30 + 13, 2), 1u);
  expect_mixed(read_smlm(path));
}

TEST(SmlmZip, ZeroBasedFramesAndOtherUnitsForms) {
  test::TempDir dir;
  const std::string path = dir / "zero.smlm";
  std::string rows;
  for (float v : {0.0f, 1.0f, 2.0f, 0.5f, 3.0f, 4.0f}) put(rows, std::bit_cast<uint32_t>(v), 4);
  // ShareLoc's web app writes "units" as an object; here empty, so x, y default to nm.
  write_text(path,
             make_zip({{"manifest.json",
                        manifest(R"(["frame", "x", "y"])", R"(["float32", "float32", "float32"])",
                                 "[1, 1, 1]", "{}", 2),
                        true},
                       {"table.bin", rows, true}}));
  const LocalizationTable r = read_smlm(path);
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 0.5}));  // a frame 0: already 0-based
  EXPECT_EQ(r[col::x], (std::vector<double>{1, 3}));
}

TEST(SmlmZip, MissingXIsAnErrorNamingFileAndColumn) {
  test::TempDir dir;
  const std::string path = dir / "nox.smlm";
  write_text(
      path, make_zip({{"manifest.json",
                       manifest(R"(["frame", "y"])", R"(["float32", "float32"])", "[1, 1]", "", 1)},
                      {"table.bin", std::string(8, '\0')}}));
  const std::string msg = error_of([&] { read_smlm(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("no column 'x' (headers: frame, y)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(SmlmZip, InvalidManifestsAndTablesAreErrors) {
  test::TempDir dir;
  const std::string path = dir / "bad.smlm";
  auto read_error = [&](const std::vector<ZipEntry>& entries) {
    write_text(path, make_zip(entries));
    return error_of([&] { read_smlm(path); });
  };
  const std::string table(12, '\0');
  const std::string xy = manifest(R"(["x", "y"])", R"(["float32", "float32"])", "[1, 1]", "", 1);
  EXPECT_NE(read_error({{"table.bin", table}}).find("no manifest.json"), std::string::npos);
  EXPECT_NE(read_error({{"manifest.json", "{\"format_version\": \"0.2\", "}, {"table.bin", table}})
                .find("invalid JSON"),
            std::string::npos);
  std::string v3 = xy;
  v3.replace(v3.find("0.2"), 3, "0.3");
  EXPECT_NE(read_error({{"manifest.json", v3}, {"table.bin", table}}).find("format_version 0.3"),
            std::string::npos);
  // 12 bytes where 1 row of 2 float32 needs 8.
  EXPECT_NE(read_error({{"manifest.json", xy}, {"table.bin", table}}).find("holds 12 bytes"),
            std::string::npos);
  EXPECT_NE(read_error({{"manifest.json", xy}}).find("'table.bin' is not in the archive"),
            std::string::npos);
  const std::string px =
      manifest(R"(["x", "y"])", R"(["float32", "float32"])", "[1, 1]", R"(["px", "px"])", 1);
  EXPECT_NE(read_error({{"manifest.json", px}, {"table.bin", table.substr(0, 8)}}).find("'px'"),
            std::string::npos);
  const std::string bad_dtype =
      manifest(R"(["x", "y"])", R"(["float32", "float16"])", "[1, 1]", "", 1);
  EXPECT_NE(read_error({{"manifest.json", bad_dtype}, {"table.bin", table}}).find("float16"),
            std::string::npos);
}

TEST(SmlmZip, CorruptArchivesAreErrors) {
  test::TempDir dir;
  const std::string path = dir / "corrupt.smlm";
  LocalizationTable t = sample_table();
  t.resize(2000);
  for (size_t i = 0; i < t.size(); ++i) t[col::x][i] = static_cast<double>(i * 7919 % 1000);
  write_smlm(path, t);
  const std::string good = read_text(path);

  write_text(path, "PK\3\4 this is not really a zip file at all");
  EXPECT_NE(error_of([&] { read_smlm(path); }).find("not a ZIP archive"), std::string::npos);

  write_text(path, good.substr(0, good.size() / 2));
  std::string msg = error_of([&] { read_smlm(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;

  // A flipped byte in the middle of the deflated table.
  std::string bad = good;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x55);
  write_text(path, bad);
  msg = error_of([&] { read_smlm(path); });
  EXPECT_NE(msg.find("corrupt ZIP archive"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;

  // A stored entry whose CRC does not match.
  std::string zip =
      make_zip({{"manifest.json", kMixedManifest, false}, {"table.bin", mixed_rows(), false}});
  // "table.bin" is named in the manifest first, then in its local header, which the data follow.
  zip[zip.find("table.bin", zip.find("table.bin") + 1) + 9 + 5] ^= 1;  // a byte of row 1's x
  write_text(path, zip);
  EXPECT_NE(error_of([&] { read_smlm(path); }).find("CRC-32 mismatch in entry 'table.bin'"),
            std::string::npos);
}

// A file as users' Python tools write it: locan's save_SMLM (zipfile, deflated, mixed dtypes,
// row-interleaved with struct).
TEST(SmlmZip, ReadsWhatPythonWrites) {
  if (test::run_command("python3 -c 'import zipfile, json, struct'") != 0)
    GTEST_SKIP() << "python3 is not available";
  test::TempDir dir;
  const std::string path = dir / "py.smlm";
  const std::string script = dir / "make.py";
  write_text(script, R"(import sys, zipfile, json, struct
headers = ["frame", "x", "y", "intensity"]
dtype = ["uint32", "float64", "float64", "float32"]
rows = [(1, 100.5, 200.25, 1000.0), (2, 300.125, 400.0, 2000.0), (2, 5.0, 6.0, 3.0)]
manifest = {"format_version": "0.2",
            "formats": {"smlm-table(binary)-0": {"name": "smlm-table(binary)-0", "type": "table",
                        "mode": "binary", "columns": 4, "headers": headers, "dtype": dtype,
                        "shape": [1, 1, 1, 1], "units": ["", "nm", "nm", "photon"]}},
            "files": [{"name": "table-0.bin", "type": "table", "format": "smlm-table(binary)-0",
                       "channel": "default", "rows": len(rows),
                       "offset": {h: 0 for h in headers}}],
            "name": "python"}
data = b"".join(struct.pack("<Iddf", *r) for r in rows)
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("manifest.json", json.dumps(manifest))
    z.writestr("table-0.bin", data)
)");
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + script + " " + path, &out), 0) << out;
  const LocalizationTable r = read_smlm(path);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(r[col::x], (std::vector<double>{100.5, 300.125, 5.0}));
  EXPECT_EQ(r[col::y], (std::vector<double>{200.25, 400.0, 6.0}));
  EXPECT_EQ(r[col::intensity], (std::vector<double>{1000, 2000, 3}));
}

TEST(SmlmZip, WriteValidates) {
  test::TempDir dir;
  LocalizationTable t;
  t.add_column(col::x);
  t.resize(1);
  const std::string path = dir / "bad.smlm";
  EXPECT_NE(error_of([&] { write_smlm(path, t); }).find("no 'y' column"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(SmlmZip, EmptyTableRoundTrips) {
  test::TempDir dir;
  const std::string path = dir / "empty.smlm";
  LocalizationTable t = sample_table();
  t.resize(0);
  write_smlm(path, t);
  const LocalizationTable r = read_smlm(path);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.num_columns(), t.num_columns());
}

// A write that fails part-way (here at the file-size limit, as on a full disk) throws one line
// naming the file and leaves nothing: neither the output nor AtomicFile's or libzip's temporary
// files.
TEST(SmlmZip, FailedWriteLeavesNoFile) {
  test::TempDir dir;
  const std::string path = dir / "full.smlm";
  LocalizationTable t = sample_table();
  t.resize(100000);
  for (size_t i = 0; i < t.size(); ++i)  // scrambled, so that deflate cannot shrink it much
    t[col::x][i] = static_cast<double>((i * 2654435761u) % 1000003) / 7;
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit small = old;
  small.rlim_cur = 64 << 10;
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // write() fails with EFBIG instead
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string msg = error_of([&] { write_smlm(path, t); });
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find(path + ": write failed: "), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(dir.path()));
  // And the same table writes once the limit is gone.
  write_smlm(path, t);
  EXPECT_EQ(read_smlm(path).size(), t.size());
}

// A table of more than 4 GiB round trip: ZIP64 on write, read back in full. 537 million rows of
// x and y (8 bytes a row in the file, 4.296e9 bytes > 2^32) take 8.6 GB as doubles, once to
// write and once read back, so this runs only with SMLM_LARGE_TESTS=1. The values repeat, so the
// file is small.
TEST(SmlmZip, RoundTripOver4GiBUsesZip64) {
  const char* large = std::getenv("SMLM_LARGE_TESTS");
  if (large == nullptr || std::string(large) != "1")
    GTEST_SKIP() << "set SMLM_LARGE_TESTS=1 to run (8.6 GB of memory)";
  constexpr size_t kRows = 537'000'000;
  auto x_of = [](size_t i) { return static_cast<double>(i % 1000); };
  auto y_of = [](size_t i) { return static_cast<double>(i / 1000000); };
  test::TempDir dir;
  const std::string path = dir / "large.smlm";
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  {
    LocalizationTable t;
    t.add_column(col::x);
    t.add_column(col::y);
    t.resize(kRows);
    auto& x = t[col::x];
    auto& y = t[col::y];
    for (size_t i = 0; i < kRows; ++i) {
      x[i] = x_of(i);
      y[i] = y_of(i);
    }
    write_smlm(path, t);
  }
  const auto t1 = Clock::now();
  bool zip64_end = false;
  const std::vector<CentralRecord> records = central_directory(path, &zip64_end);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].name, "localizations.bin");
  EXPECT_TRUE(records[1].zip64_extra);
  EXPECT_EQ(records[1].usize, 0xFFFFFFFFu);
  EXPECT_EQ(records[1].usize64, uint64_t{kRows} * 8);
  EXPECT_FALSE(records[0].zip64_extra);  // the manifest stays plain

  const LocalizationTable r = read_smlm(path);
  const auto t2 = Clock::now();
  ASSERT_EQ(r.size(), kRows);
  const auto& x = r[col::x];
  const auto& y = r[col::y];
  size_t wrong = 0;
  for (size_t i = 0; i < kRows; ++i) wrong += x[i] != x_of(i) || y[i] != y_of(i);
  EXPECT_EQ(wrong, 0u);
  uint64_t file_size = 0;
  tail(path, 0, &file_size);
  const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  RecordProperty("file_bytes", std::to_string(file_size));
  RecordProperty("write_s", std::to_string(seconds(t1 - t0)));
  RecordProperty("read_s", std::to_string(seconds(t2 - t1)));
}

}  // namespace
}  // namespace smlm::io
