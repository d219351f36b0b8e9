// Tests for the PLY writer and reader: binary and ASCII round trips to float32 precision, the
// header, 2D tables staying 2D, files written by other tools, and truncated files.
#include "io/ply.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
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

LocalizationTable table_3d() {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::z);
  t.add_column(col::intensity);
  t.add_column(col::uncertainty_xy);
  t.add_column(col::sigma);  // not a PLY property: dropped
  t.resize(3);
  t[col::frame] = {0, 17, 2000000000};
  t[col::x] = {150.0, 12345.678901, -0.1234567};
  t[col::y] = {250.0, 98765.4321, 1e-3};
  t[col::z] = {-312.5, 0.1, 777.77777};
  t[col::intensity] = {1000.5, std::numeric_limits<double>::quiet_NaN(), 1e6 / 3};
  t[col::uncertainty_xy] = {12.3456, 7.89, std::numeric_limits<double>::infinity()};
  t[col::sigma] = {1, 2, 3};
  return t;
}

void expect_round_trip(const LocalizationTable& t, const LocalizationTable& r) {
  ASSERT_EQ(r.size(), t.size());
  EXPECT_FALSE(r.has(col::sigma));
  for (std::string_view name : {col::x, col::y, col::z, col::intensity, col::uncertainty_xy}) {
    ASSERT_TRUE(r.has(name)) << name;
    for (size_t i = 0; i < t.size(); ++i)
      EXPECT_TRUE(same(r[name][i], f32(t[name][i]))) << name << " row " << i << ": " << r[name][i];
  }
  EXPECT_EQ(r[col::frame], t[col::frame]);
  for (const auto& c : r.columns()) EXPECT_EQ(c.unit, default_unit(c.name)) << c.name;
}

TEST(Ply, BinaryRoundTripAndHeader) {
  test::TempDir dir;
  const std::string path = dir / "cloud.ply";
  const LocalizationTable t = table_3d();
  write_ply(path, t);
  const std::string text = read_text(path);
  const std::string header =
      "ply\nformat binary_little_endian 1.0\ncomment smlm localizations: x, y, z in nm\n"
      "element vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
      "property float intensity\nproperty int frame\nproperty float uncertainty\nend_header\n";
  ASSERT_EQ(text.substr(0, header.size()), header);
  EXPECT_EQ(text.size(), header.size() + 3 * 6 * 4);
  // The first vertex's x: little-endian float32 150.
  uint32_t bits = 0;
  for (int b = 0; b < 4; ++b)
    bits |= uint32_t{static_cast<unsigned char>(text[header.size() + b])} << (8 * b);
  EXPECT_EQ(std::bit_cast<float>(bits), 150.0f);
  expect_round_trip(t, read_ply(path));
}

TEST(Ply, AsciiRoundTrip) {
  test::TempDir dir;
  const std::string path = dir / "cloud_ascii.ply";
  const LocalizationTable t = table_3d();
  write_ply(path, t, true);
  const std::string text = read_text(path);
  EXPECT_NE(text.find("format ascii 1.0\n"), std::string::npos);
  EXPECT_NE(text.find("end_header\n150 250 -312.5 1000.5 0 12.3456\n"), std::string::npos) << text;
  expect_round_trip(t, read_ply(path));
}

TEST(Ply, TwoDimensionalTableStaysTwoDimensional) {
  test::TempDir dir;
  const std::string path = dir / "flat.ply";
  LocalizationTable t;
  t.add_column(col::x);
  t.add_column(col::y);
  t.resize(2);
  t[col::x] = {1, 2};
  t[col::y] = {3, 4};
  for (bool ascii : {false, true}) {
    write_ply(path, t, ascii);
    const std::string text = read_text(path);
    EXPECT_NE(text.find("comment smlm 2D: z = 0\n"), std::string::npos);
    EXPECT_NE(text.find("property float z\n"), std::string::npos);  // viewers need three axes
    const LocalizationTable r = read_ply(path);
    EXPECT_FALSE(r.has(col::z));
    EXPECT_FALSE(r.has(col::frame));
    EXPECT_EQ(r[col::x], t[col::x]);
    EXPECT_EQ(r[col::y], t[col::y]);
  }
}

TEST(Ply, ReadsFilesOfOtherToolsAllEncodings) {
  test::TempDir dir;
  // ASCII with an element before the vertices, other property types and names, a face list after.
  const std::string a = dir / "other.ply";
  write_text(a,
             "ply\r\nformat ascii 1.0\r\ncomment made by hand\r\nelement camera 1\r\n"
             "property float f\r\nelement vertex 2\r\nproperty double x\r\nproperty double y\r\n"
             "property uchar red\r\nproperty float uncertainty\r\nelement face 1\r\n"
             "property list uchar int vertex_indices\r\nend_header\r\n"
             "35.5\r\n1.25 -2.5 255 7\r\n3e2 4 0 nan\r\n2 0 1\r\n");
  LocalizationTable r = read_ply(a);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[col::x], (std::vector<double>{1.25, 300}));
  EXPECT_EQ(r[col::y], (std::vector<double>{-2.5, 4}));
  EXPECT_EQ(r["red"], (std::vector<double>{255, 0}));
  EXPECT_EQ(r[col::uncertainty_xy][0], 7);
  EXPECT_TRUE(std::isnan(r[col::uncertainty_xy][1]));
  EXPECT_FALSE(r.has(col::z));

  // Big-endian binary with a skipped list element before the vertices.
  const std::string b = dir / "big.ply";
  std::string body;
  auto put_be = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) body += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put_be(2, 1);  // a list of two int16
  put_be(7, 2);
  put_be(8, 2);
  for (double x : {1.5, -2.25}) {
    put_be(std::bit_cast<uint64_t>(x), 8);             // double x
    put_be(std::bit_cast<uint32_t>(float(x * 2)), 4);  // float y
    put_be(static_cast<uint16_t>(int16_t(-3)), 2);     // short z
  }
  write_text(b,
             "ply\nformat binary_big_endian 1.0\nelement junk 1\nproperty list uchar short v\n"
             "element vertex 2\nproperty float64 x\nproperty float32 y\nproperty int16 z\n"
             "end_header\n" +
                 body);
  r = read_ply(b);
  EXPECT_EQ(r[col::x], (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ(r[col::y], (std::vector<double>{3.0, -4.5}));
  EXPECT_EQ(r[col::z], (std::vector<double>{-3, -3}));
}

TEST(Ply, TruncatedFilesAreErrors) {
  test::TempDir dir;
  const LocalizationTable t = table_3d();
  for (bool ascii : {false, true}) {
    const std::string path = dir / (ascii ? "a.ply" : "b.ply");
    write_ply(path, t, ascii);
    const std::string text = read_text(path);
    write_text(path, text.substr(0, ascii ? text.rfind(' ') : text.size() - 3));
    const std::string msg = error_of([&] { read_ply(path); });
    EXPECT_NE(msg.find(path + ": truncated"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    write_text(path, text.substr(0, text.find("end_header") + 4));
    EXPECT_NE(error_of([&] { read_ply(path); }).find(path), std::string::npos);
  }
}

// Found by fuzz/ply_fuzz (fuzz/regressions/ply-huge-empty-element.ply): an element without
// properties before the vertices, with a count of 2.3e15, was skipped item by item.
TEST(Ply, HugeElementWithoutPropertiesTakesNoTime) {
  test::TempDir dir;
  const std::string path = dir / "empty.ply";
  const std::string header =
      "element face 2333333333333333\nelement vertex 1\nproperty float x\nproperty float y\n"
      "end_header\n";
  write_text(path, "ply\nformat ascii 1.0\n" + header + "1.5 2.5\n");
  LocalizationTable r = read_ply(path);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[col::y][0], 2.5);
  const float xy[2] = {3.5f, 4.5f};
  write_text(path, "ply\nformat binary_little_endian 1.0\n" + header +
                       std::string(reinterpret_cast<const char*>(xy), sizeof(xy)));
  r = read_ply(path);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[col::x][0], 3.5);
}

TEST(Ply, BadInputIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.ply";
  write_text(path, "solid cube\n");
  EXPECT_NE(error_of([&] { read_ply(path); }).find("not a PLY file"), std::string::npos);
  write_text(path, "ply\nformat ascii 1.0\nelement vertex 1\nproperty float y\nend_header\n1\n");
  EXPECT_NE(error_of([&] { read_ply(path); }).find("no property 'x'"), std::string::npos);
  write_text(path,
             "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
             "end_header\n1 abc\n");
  EXPECT_NE(error_of([&] { read_ply(path); }).find("'abc' is not a number"), std::string::npos);
  write_text(path, "ply\nformat ascii 2.0\nend_header\n");
  EXPECT_NE(error_of([&] { read_ply(path); }).find("version"), std::string::npos);
  EXPECT_NE(error_of([&] { read_ply(dir / "missing.ply"); }).find("cannot open"),
            std::string::npos);

  LocalizationTable t;
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::frame);
  t.resize(1);
  t[col::frame] = {0.5};
  EXPECT_NE(error_of([&] { write_ply(path, t); }).find("frame 0.5"), std::string::npos);
  t.remove_column(col::y);
  EXPECT_NE(error_of([&] { write_ply(path, t); }).find("'y'"), std::string::npos);
}

}  // namespace
}  // namespace smlm::io
