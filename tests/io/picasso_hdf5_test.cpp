// Tests for the Picasso HDF5 reader and writer: round trips to float32 precision, Picasso's pixel
// and frame conventions checked in the raw file, the YAML sidecar, files with other field orders
// and types (as h5py writes them), and one-line errors.
#include "io/picasso_hdf5.h"

#include <gtest/gtest.h>
#include <hdf5.h>

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
using test::write_text;

namespace fs = std::filesystem;

constexpr double kPixel = 100.0;

// x or y nm after a trip through Picasso's float32 camera pixels.
double via_px(double nm) { return (f32(nm / kPixel - 0.5) + 0.5) * kPixel; }
double via_px_scale(double nm) { return f32(nm / kPixel) * kPixel; }

struct Field {
  std::string name;
  hid_t file_type;
  std::vector<double> values;
};

// Writes a compound /locs with the given fields, in that order and with those stored types, as
// another program (h5py, pandas) would.
void write_locs(const std::string& path, const std::vector<Field>& fields) {
  const size_t rows = fields.empty() ? 0 : fields[0].values.size();
  size_t file_size = 0;
  for (const auto& f : fields) file_size += H5Tget_size(f.file_type);
  const hid_t ftype = H5Tcreate(H5T_COMPOUND, file_size);
  const hid_t mtype = H5Tcreate(H5T_COMPOUND, 8 * fields.size());
  size_t off = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    H5Tinsert(ftype, fields[i].name.c_str(), off, fields[i].file_type);
    off += H5Tget_size(fields[i].file_type);
    H5Tinsert(mtype, fields[i].name.c_str(), 8 * i, H5T_NATIVE_DOUBLE);
  }
  std::vector<double> buf(rows * fields.size());
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < fields.size(); ++i) buf[r * fields.size() + i] = fields[i].values[r];
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims = rows;
  const hid_t space = H5Screate_simple(1, &dims, nullptr);
  const hid_t ds = H5Dcreate2(file, "locs", ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), 0);
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(file);
  H5Tclose(ftype);
  H5Tclose(mtype);
}

// One field of /locs as stored: its values (as double) and whether its type equals `type`.
std::vector<double> raw_field(const std::string& path, const char* name, hid_t type,
                              bool* type_matches) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t ds = H5Dopen2(file, "locs", H5P_DEFAULT);
  const hid_t ftype = H5Dget_type(ds);
  const int idx = H5Tget_member_index(ftype, name);
  std::vector<double> out;
  if (idx >= 0) {
    const hid_t member = H5Tget_member_type(ftype, static_cast<unsigned>(idx));
    *type_matches = H5Tequal(member, type) > 0;
    H5Tclose(member);
    const hid_t space = H5Dget_space(ds);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space, &n, nullptr);
    out.resize(n);
    const hid_t mtype = H5Tcreate(H5T_COMPOUND, sizeof(double));
    H5Tinsert(mtype, name, 0, H5T_NATIVE_DOUBLE);
    H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
    H5Tclose(mtype);
    H5Sclose(space);
  }
  H5Tclose(ftype);
  H5Dclose(ds);
  H5Fclose(file);
  return out;
}

LocalizationTable table_3d() {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::z);
  t.add_column(col::sigma1);
  t.add_column(col::sigma2);
  t.add_column(col::intensity);
  t.add_column(col::offset);
  t.add_column(col::uncertainty_xy);
  t.add_column(col::uncertainty_z);
  t.add_column(col::detections);
  t.add_column(col::bkgstd);              // known, no Picasso field: skipped
  t.add_column("net_gradient", 0.0, "");  // Picasso's own: kept
  t.add_column("group", 0.0, "");         // Picasso integer column
  t.add_column("drift_x", 0.0, "nm");     // a length Picasso would take for pixels: skipped
  t.resize(3);
  t[col::frame] = {0, 7, 4294967295.0};
  t[col::x] = {150.0, 12345.678901, 0.123456789};
  t[col::y] = {250.0, 98765.4321, 51234.5678};
  t[col::z] = {-312.5, 0.1, 777.77777};
  t[col::sigma1] = {130.0, 141.1, 99.9};
  t[col::sigma2] = {131.0, 120.2, 180.3};
  t[col::intensity] = {1000.5, 2345.678, 1e6 / 3};
  t[col::offset] = {10.25, 3.3, 0.0};
  t[col::uncertainty_xy] = {12.3456, 7.89, 3.3};
  t[col::uncertainty_z] = {30.1, 40.2, 50.3};
  t[col::detections] = {1, 3, 12};
  t[col::bkgstd] = {1, 2, 3};
  t["net_gradient"] = {5000.5, 6000.25, 123.4};
  t["group"] = {0, 2, 16777217};  // beyond float32's whole numbers: stored as int32
  t["drift_x"] = {1, 2, 3};
  return t;
}

TEST(PicassoHdf5, RoundTripKeepsEveryValueToFloat32) {
  test::TempDir dir;
  const std::string path = dir / "locs.hdf5";
  const LocalizationTable t = table_3d();
  write_picasso_hdf5(path, t, {64, 48, 1000, kPixel});
  EXPECT_TRUE(fs::exists(dir / "locs.yaml"));

  PicassoInfo info;
  const LocalizationTable r = read_picasso_hdf5(path, &info);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_EQ(info.frames, 1000);
  EXPECT_EQ(info.pixel_size_nm, kPixel);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r.has(col::bkgstd));
  EXPECT_FALSE(r.has("drift_x"));
  EXPECT_FALSE(r.has(col::sigma));
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r[col::frame][i], t[col::frame][i]);
    EXPECT_EQ(r[col::x][i], via_px(t[col::x][i]));
    EXPECT_EQ(r[col::y][i], via_px(t[col::y][i]));
    EXPECT_EQ(r[col::z][i], f32(t[col::z][i]));
    EXPECT_EQ(r[col::sigma1][i], via_px_scale(t[col::sigma1][i]));
    EXPECT_EQ(r[col::sigma2][i], via_px_scale(t[col::sigma2][i]));
    EXPECT_EQ(r[col::intensity][i], f32(t[col::intensity][i]));
    EXPECT_EQ(r[col::offset][i], f32(t[col::offset][i]));
    EXPECT_EQ(r[col::uncertainty_xy][i], via_px_scale(t[col::uncertainty_xy][i]));
    EXPECT_EQ(r[col::uncertainty_z][i], f32(t[col::uncertainty_z][i]));
    EXPECT_EQ(r[col::detections][i], t[col::detections][i]);
    EXPECT_EQ(r["net_gradient"][i], f32(t["net_gradient"][i]));
    EXPECT_EQ(r["group"][i], t["group"][i]);
    EXPECT_NEAR(r[col::x][i], t[col::x][i], 1e-2);
  }
  for (const auto& c : r.columns()) EXPECT_EQ(c.unit, default_unit(c.name)) << c.name;
}

TEST(PicassoHdf5, PixelAndFrameConventionsInTheRawFile) {
  test::TempDir dir;
  const std::string path = dir / "conv.hdf5";
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::sigma);
  t.add_column(col::uncertainty_xy);
  t.resize(2);
  t[col::frame] = {0, 41};
  t[col::x] = {150.0, 50.0};  // the centre of pixel 1; the left edge of pixel 0
  t[col::y] = {250.0, 1049.0};
  t[col::sigma] = {130.0, 130.0};
  t[col::uncertainty_xy] = {10.0, 20.0};
  write_picasso_hdf5(path, t, {0, 0, 0, kPixel});

  bool typed = false;
  EXPECT_EQ(raw_field(path, "frame", H5T_STD_U32LE, &typed), (std::vector<double>{0, 41}));
  EXPECT_TRUE(typed) << "frame is uint32";
  EXPECT_EQ(raw_field(path, "x", H5T_IEEE_F32LE, &typed), (std::vector<double>{1.0, 0.0}));
  EXPECT_TRUE(typed) << "x is float32";
  EXPECT_EQ(raw_field(path, "y", H5T_IEEE_F32LE, &typed), (std::vector<double>{2.0, 9.99f}));
  EXPECT_EQ(raw_field(path, "sx", H5T_IEEE_F32LE, &typed), (std::vector<double>{1.3f, 1.3f}));
  EXPECT_EQ(raw_field(path, "sy", H5T_IEEE_F32LE, &typed), (std::vector<double>{1.3f, 1.3f}));
  EXPECT_EQ(raw_field(path, "lpx", H5T_IEEE_F32LE, &typed), (std::vector<double>{0.1f, 0.2f}));
  EXPECT_EQ(raw_field(path, "lpy", H5T_IEEE_F32LE, &typed), (std::vector<double>{0.1f, 0.2f}));

  // The sidecar: Picasso's two documents; Width, Height, Frames, Pixelsize in the first.
  const std::string yaml = read_text(dir / "conv.yaml");
  const std::string first = yaml.substr(0, yaml.find("---"));
  EXPECT_NE(first.find("Width: 2\n"), std::string::npos) << yaml;    // floor(1.0) + 1
  EXPECT_NE(first.find("Height: 10\n"), std::string::npos) << yaml;  // floor(9.99) + 1
  EXPECT_NE(first.find("Frames: 42\n"), std::string::npos) << yaml;
  EXPECT_NE(first.find("Pixelsize: 100.0\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("---\nGenerated by: smlm\nPixelsize: 100.0\n"), std::string::npos) << yaml;

  // sx == sy reads back as one sigma, lpx == lpy as uncertainty_xy.
  const LocalizationTable r = read_picasso_hdf5(path);
  EXPECT_TRUE(r.has(col::sigma));
  EXPECT_FALSE(r.has(col::sigma1));
  EXPECT_EQ(r[col::x][0], 150.0);
  EXPECT_EQ(r[col::uncertainty_xy][1], via_px_scale(20.0));
}

TEST(PicassoHdf5, ReadsExtraAndReorderedFieldsOfOtherTypes) {
  test::TempDir dir;
  const std::string path = dir / "other.hdf5";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  write_locs(path, {{"lpy", H5T_IEEE_F64LE, {0.3, 0.4}},
                    {"bg", H5T_IEEE_F32LE, {5.0, 6.0}},
                    {"y", H5T_IEEE_F64LE, {3.25, 4.5}},
                    {"group", H5T_STD_I64LE, {7, 8}},
                    {"photons", H5T_IEEE_F32BE, {1500, 2500}},
                    {"x", H5T_IEEE_F64LE, {1.0, 2.5}},
                    {"frame", H5T_STD_I64LE, {3, 9}},
                    {"sx", H5T_IEEE_F32LE, {1.1, 1.2}},
                    {"sy", H5T_IEEE_F32LE, {1.3, nan}},
                    {"lpx", H5T_IEEE_F64LE, {0.3, 0.2}},
                    {"likelihood", H5T_IEEE_F32LE, {-100.5, -200.25}},
                    {"iterations", H5T_STD_I32LE, {5, 6}}});
  // Pixelsize only in the second document, as Picasso's Localize writes it.
  write_text(dir / "other.yaml",
             "Byte Order: <\nData Type: uint16\nFrames: 10\nHeight: 32\nWidth: 40\n"
             "Camera:\n  Gain: 1\n---\nBox Size: 7\nGenerated by: Picasso Localize\n"
             "Pixelsize: 130\nROI: null\n");
  PicassoInfo info;
  const LocalizationTable r = read_picasso_hdf5(path, &info);
  EXPECT_EQ(info.width, 40);
  EXPECT_EQ(info.height, 32);
  EXPECT_EQ(info.frames, 10);
  EXPECT_EQ(info.pixel_size_nm, 130.0);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[col::frame], (std::vector<double>{3, 9}));
  EXPECT_EQ(r[col::x], (std::vector<double>{1.5 * 130, 3.0 * 130}));
  EXPECT_EQ(r[col::y], (std::vector<double>{3.75 * 130, 5.0 * 130}));
  EXPECT_EQ(r[col::intensity], (std::vector<double>{1500, 2500}));
  EXPECT_EQ(r[col::offset], (std::vector<double>{5, 6}));
  ASSERT_TRUE(r.has(col::sigma1));  // sx != sy
  EXPECT_EQ(r[col::sigma1][0], f32(1.1) * 130);
  EXPECT_TRUE(std::isnan(r[col::sigma2][1]));
  EXPECT_DOUBLE_EQ(r[col::uncertainty_xy][0], 0.3 * 130);                           // lpx == lpy
  EXPECT_DOUBLE_EQ(r[col::uncertainty_xy][1], std::sqrt((0.04 + 0.16) / 2) * 130);  // RMS
  EXPECT_EQ(r["group"], (std::vector<double>{7, 8}));
  EXPECT_EQ(r["likelihood"], (std::vector<double>{-100.5, -200.25}));
  EXPECT_EQ(r["iterations"], (std::vector<double>{5, 6}));
}

TEST(PicassoHdf5, NumpyScalarPixelsizeAndEmbeddedMetadata) {
  test::TempDir dir;
  const std::string a = dir / "a.hdf5";
  write_locs(
      a, {{"frame", H5T_STD_U32LE, {0}}, {"x", H5T_IEEE_F32LE, {1}}, {"y", H5T_IEEE_F32LE, {1}}});
  // PyYAML's dump of a numpy float64 130.0, as older Picasso versions wrote it.
  write_text(dir / "a.yaml",
             "Frames: 5\nPixelsize: !!python/object/apply:numpy.core.multiarray.scalar\n"
             "- !!python/object/apply:numpy.dtype\n  args: [f8, false, true]\n"
             "  state: !!python/tuple [3, <, null, null, null, -1, -1, 0]\n"
             "- !!binary |\n  AAAAAABAYEA=\nWidth: 8\n");
  PicassoInfo info;
  EXPECT_EQ(read_picasso_hdf5(a, &info)[col::x][0], 1.5 * 130);
  EXPECT_EQ(info.pixel_size_nm, 130.0);
  EXPECT_EQ(info.width, 8);
  // The same as PyYAML 6 with numpy 2 dumps it (block-style lists), 160.0 in the last document.
  write_text(dir / "a.yaml",
             "Byte Order: <\nFrames: 10\nWidth: 32\n---\nGenerated by: Picasso Localize\n"
             "Pixelsize: !!python/object/apply:numpy._core.multiarray.scalar\n"
             "- !!python/object/apply:numpy.dtype\n  args:\n  - f8\n  - false\n  - true\n"
             "  state: !!python/tuple\n  - 3\n  - <\n  - null\n  - null\n  - null\n  - -1\n"
             "  - -1\n  - 0\n- !!binary |\n  AAAAAAAAZEA=\nROI: null\n");
  EXPECT_EQ(read_picasso_hdf5(a, &info)[col::x][0], 1.5 * 160);
  EXPECT_EQ(info.width, 32);

  // Picasso >= 0.11 embeds the metadata as JSON in /metadata; without a sidecar, it is used.
  const std::string b = dir / "b.hdf5";
  write_locs(
      b, {{"frame", H5T_STD_U32LE, {0}}, {"x", H5T_IEEE_F32LE, {2}}, {"y", H5T_IEEE_F32LE, {1}}});
  const std::string json = R"([{"Frames": 3, "Width": 16}, {"Pixelsize": 160.0}])";
  const hid_t file = H5Fopen(b.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, H5T_VARIABLE);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t ds = H5Dcreate2(file, "metadata", str, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const char* text = json.c_str();
  H5Dwrite(ds, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
  H5Dclose(ds);
  H5Sclose(space);
  H5Tclose(str);
  H5Fclose(file);
  EXPECT_EQ(read_picasso_hdf5(b, &info)[col::x][0], 2.5 * 160);
  EXPECT_EQ(info.frames, 3);
  EXPECT_EQ(info.width, 16);
}

TEST(PicassoHdf5, PixelSizeArgumentOverridesAndIsRequiredWithoutMetadata) {
  test::TempDir dir;
  const std::string path = dir / "bare.hdf5";
  write_locs(
      path,
      {{"frame", H5T_STD_U32LE, {0}}, {"x", H5T_IEEE_F32LE, {1}}, {"y", H5T_IEEE_F32LE, {1}}});
  const std::string msg = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("pixel size"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(read_picasso_hdf5(path, nullptr, 160)[col::x][0], 1.5 * 160);
  write_text(dir / "bare.yaml", "Pixelsize: 130\n");
  EXPECT_EQ(read_picasso_hdf5(path, nullptr, 160)[col::x][0], 1.5 * 160);
  EXPECT_EQ(read_picasso_hdf5(path)[col::x][0], 1.5 * 130);
  write_text(dir / "bare.yaml", "Pixelsize: abc\n");
  EXPECT_NE(error_of([&] { read_picasso_hdf5(path); }).find("Pixelsize 'abc'"), std::string::npos);
}

TEST(PicassoHdf5, MissingFieldIsAnErrorNamingFileAndField) {
  test::TempDir dir;
  const std::string path = dir / "nox.hdf5";
  write_locs(path, {{"frame", H5T_STD_U32LE, {0}},
                    {"y", H5T_IEEE_F32LE, {1}},
                    {"photons", H5T_IEEE_F32LE, {1}}});
  write_text(dir / "nox.yaml", "Pixelsize: 130\n");
  const std::string msg = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("no field 'x'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("frame, y, photons"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(PicassoHdf5, BadFilesAreErrors) {
  test::TempDir dir;
  const std::string missing = dir / "missing.hdf5";
  EXPECT_NE(error_of([&] { read_picasso_hdf5(missing, nullptr, 100); }).find(missing),
            std::string::npos);
  const std::string text = dir / "text.hdf5";
  write_text(text, "frame,x,y\n1,2,3\n");
  EXPECT_NE(error_of([&] { read_picasso_hdf5(text, nullptr, 100); }).find("not an HDF5 file"),
            std::string::npos);
  const std::string nolocs = dir / "nolocs.hdf5";
  H5Fclose(H5Fcreate(nolocs.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  EXPECT_NE(error_of([&] { read_picasso_hdf5(nolocs, nullptr, 100); }).find("no dataset /locs"),
            std::string::npos);
}

TEST(PicassoHdf5, WriteValidatesAndLeavesNothingBehind) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.resize(1);
  t[col::frame] = {1.5};
  EXPECT_NE(error_of([&] {
              write_picasso_hdf5(path, t, {0, 0, 0, kPixel});
            }).find("frame 1.5"),
            std::string::npos);
  t[col::frame] = {-1};
  EXPECT_NE(error_of([&] {
              write_picasso_hdf5(path, t, {0, 0, 0, kPixel});
            }).find(path),
            std::string::npos);
  t[col::frame] = {0};
  EXPECT_NE(error_of([&] { write_picasso_hdf5(path, t, {}); }).find("pixel size"),
            std::string::npos);
  t.remove_column(col::y);
  EXPECT_NE(error_of([&] {
              write_picasso_hdf5(path, t, {0, 0, 0, kPixel});
            }).find("'y'"),
            std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(PicassoHdf5, EmptyTableRoundTrips) {
  test::TempDir dir;
  const std::string path = dir / "empty.hdf5";
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  write_picasso_hdf5(path, t, {0, 0, 0, kPixel});
  const LocalizationTable r = read_picasso_hdf5(path);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.has(col::x));
}

// A file as users' Python scripts write it: numpy's structured array through h5py, Picasso's
// LOCS_DTYPE (localize.py), and a YAML sidecar.
TEST(PicassoHdf5, ReadsWhatH5pyWrites) {
  if (test::run_command("python3 -c 'import h5py, numpy'") != 0)
    GTEST_SKIP() << "python3 with h5py and numpy is not available";
  test::TempDir dir;
  const std::string path = dir / "py_locs.hdf5";
  const std::string script = dir / "make.py";
  write_text(script, R"(import sys, h5py, numpy as np
LOCS_DTYPE = [("frame", "u4"), ("x", "f4"), ("y", "f4"), ("photons", "f4"), ("sx", "f4"),
              ("sy", "f4"), ("bg", "f4"), ("lpx", "f4"), ("lpy", "f4"),
              ("net_gradient", "f4"), ("likelihood", "f4"), ("iterations", "i4")]
locs = np.rec.array([(0, 1.0, 2.0, 1000, 1.2, 1.2, 10, 0.1, 0.1, 5000, -50, 7),
                     (3, 4.5, 5.5, 2000, 1.1, 1.3, 11, 0.2, 0.3, 6000, -60, 9)], dtype=LOCS_DTYPE)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("locs", data=locs)
with open(sys.argv[1][:-5] + ".yaml", "w") as f:
    f.write("Frames: 4\nHeight: 32\nWidth: 32\n---\nGenerated by: Picasso Localize\nPixelsize: 130\n")
)");
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + script + " " + path, &out), 0) << out;
  const LocalizationTable r = read_picasso_hdf5(path);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 3}));
  EXPECT_EQ(r[col::x], (std::vector<double>{1.5 * 130, 5.0 * 130}));
  EXPECT_EQ(r[col::sigma1][1], f32(1.1) * 130);
  EXPECT_EQ(r["iterations"], (std::vector<double>{7, 9}));
  EXPECT_EQ(r["net_gradient"], (std::vector<double>{5000, 6000}));
}

// And the other way: what Picasso's load_locs sees in our files (h5py for /locs, PyYAML's
// load_all for the sidecar).
TEST(PicassoHdf5, H5pyAndPyYamlReadWhatWeWrite) {
  if (test::run_command("python3 -c 'import h5py, numpy, yaml'") != 0)
    GTEST_SKIP() << "python3 with h5py, numpy and PyYAML is not available";
  test::TempDir dir;
  const std::string path = dir / "ours.hdf5";
  write_picasso_hdf5(path, table_3d(), {64, 48, 1000, kPixel});
  const std::string script = dir / "check.py";
  write_text(script, R"(import sys, h5py, yaml
with h5py.File(sys.argv[1], "r") as f:
    locs = f["locs"][...]
print(",".join(n + ":" + locs.dtype[n].str for n in locs.dtype.names))
print(locs["frame"][1], locs["x"][0], locs["lpx"][0] == locs["lpy"][0])
info = list(yaml.load_all(open(sys.argv[1][:-5] + ".yaml"), Loader=yaml.FullLoader))
print(len(info), info[0]["Width"], info[0]["Height"], info[0]["Frames"], info[-1]["Pixelsize"])
)");
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + script + " " + path, &out), 0) << out;
  EXPECT_EQ(out,
            "frame:<u4,x:<f4,y:<f4,photons:<f4,sx:<f4,sy:<f4,bg:<f4,lpx:<f4,lpy:<f4,z:<f4,"
            "lpz:<f4,n:<i4,net_gradient:<f4,group:<i4\n"
            "7 1.0 True\n"
            "2 64 48 1000 100.0\n");
}

}  // namespace
}  // namespace smlm::io
