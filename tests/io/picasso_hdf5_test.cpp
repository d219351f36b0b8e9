// Tests for the Picasso HDF5 reader and writer: round trips to float32 precision, Picasso's pixel
// and frame conventions checked in the raw file, the YAML sidecar, files that Picasso and h5py
// wrote (tests/data, see make_interop_fixtures.py there), and one-line errors.
#include "io/picasso_hdf5.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
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

// A file in tests/data, written by the real tools (tests/data/make_interop_fixtures.py).
std::string fixture(const std::string& name) { return std::string(SMLM_TEST_DATA) + "/" + name; }

// The Python of the optional checks with the real tools: $SMLM_TEST_PYTHON (e.g. a virtual
// environment with picassosr and h5py), else python3.
std::string python() {
  const char* env = std::getenv("SMLM_TEST_PYTHON");
  return env && *env ? env : "python3";
}

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

// Picasso's MLE Fit 2D through its own io.save_locs: /locs in Picasso's field order and types,
// /metadata, and the three-document .yaml sidecar (movie, Identify, Fit 2D with Pixelsize).
TEST(PicassoHdf5, ReadsWhatPicassoFit2dWrites) {
  const std::string path = fixture("picasso_fit2d.hdf5");
  PicassoInfo info;
  const LocalizationTable r = read_picasso_hdf5(path, &info);
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.height, 24);
  EXPECT_EQ(info.frames, 5);
  EXPECT_EQ(info.pixel_size_nm, 130.0);
  ASSERT_EQ(r.size(), 4u);
  // Frames 0-based in both; x_nm = (x_px + 0.5) * 130.
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 0, 2, 4}));
  EXPECT_EQ(r[col::x], (std::vector<double>{3.75 * 130, 13.0 * 130, 7.625 * 130, 21.25 * 130}));
  EXPECT_EQ(r[col::y], (std::vector<double>{6.0 * 130, 9.5 * 130, 14.75 * 130, 2.875 * 130}));
  EXPECT_EQ(r[col::intensity], (std::vector<double>{1500, 2500.5, 800, 12000}));
  EXPECT_EQ(r[col::offset], (std::vector<double>{10.5, 12, 9.25, 11}));
  ASSERT_TRUE(r.has(col::sigma1));  // sx == sy in the first row only
  EXPECT_EQ(r[col::sigma1], (std::vector<double>{1.25 * 130, 1.5 * 130, 1.0 * 130, 1.125 * 130}));
  EXPECT_EQ(r[col::sigma2], (std::vector<double>{1.25 * 130, 1.0 * 130, 1.5 * 130, 1.375 * 130}));
  // lpx, lpy: Picasso's CRLB, different in x and y; their RMS in nm.
  bool typed = false;
  const auto lpx = raw_field(path, "lpx", H5T_IEEE_F32LE, &typed);
  EXPECT_TRUE(typed);
  const auto lpy = raw_field(path, "lpy", H5T_IEEE_F32LE, &typed);
  ASSERT_EQ(lpx.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(r[col::uncertainty_xy][i],
                     std::sqrt((lpx[i] * lpx[i] + lpy[i] * lpy[i]) / 2) * 130);
    EXPECT_GT(r[col::uncertainty_xy][i], 1.0);
    EXPECT_LT(r[col::uncertainty_xy][i], 10.0);
  }
  EXPECT_EQ(raw_field(path, "frame", H5T_STD_U32LE, &typed), r[col::frame]);
  EXPECT_TRUE(typed) << "Picasso's frame is uint32";
  // Picasso's other fields, under their own names, unconverted.
  EXPECT_EQ(r["net_gradient"], (std::vector<double>{5200.5, 8000, 6100.25, 9000}));
  EXPECT_EQ(r["log_likelihood"], (std::vector<double>{-120.5, -130.25, -99, -210.75}));
  EXPECT_EQ(r["iterations"], (std::vector<double>{5, 7, 6, 12}));
  EXPECT_EQ(r["ellipticity"][1], f32(1.0 / 3));
  for (const char* name : {"photons_unc", "bg_unc", "sx_unc", "sy_unc"})
    EXPECT_TRUE(r.has(name)) << name;
  EXPECT_FALSE(r.has(col::z));
  EXPECT_FALSE(r.has(col::detections));
}

// Picasso's 3D fit (zfit on a least-squares Fit 2D), saved with Picasso's "Save metadata in .yaml"
// off: no sidecar, the metadata only as JSON in /metadata.
TEST(PicassoHdf5, ReadsWhatPicassoFit3dWritesWithoutSidecar) {
  const std::string path = fixture("picasso_fit3d.hdf5");
  ASSERT_FALSE(fs::exists(fixture("picasso_fit3d.yaml")));
  PicassoInfo info;
  const LocalizationTable r = read_picasso_hdf5(path, &info);
  EXPECT_EQ(info.width, 20);
  EXPECT_EQ(info.height, 16);
  EXPECT_EQ(info.frames, 4);
  EXPECT_EQ(info.pixel_size_nm, 130.0);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[col::frame], (std::vector<double>{1, 3, 3}));
  EXPECT_EQ(r[col::x], (std::vector<double>{5.0 * 130, 10.75 * 130, 15.5 * 130}));
  EXPECT_EQ(r[col::y], (std::vector<double>{7.25 * 130, 12.0 * 130, 3.5 * 130}));
  EXPECT_EQ(r[col::intensity], (std::vector<double>{3000, 4500, 2000}));
  // z in nm as Picasso stores it (not scaled by the pixel size): the calibration's -250, 0 and
  // 200 nm times the magnification factor 0.79.
  const std::vector<double> z = {-197.5, 0.0, 158.0};
  // The widths the script put on the calibration curve, in px.
  const std::vector<double> sx = {1.905, 1.48, 1.32}, sy = {1.305, 1.48, 1.8};
  bool typed = false;
  const auto lpz = raw_field(path, "lpz", H5T_IEEE_F32LE, &typed);
  EXPECT_TRUE(typed);
  ASSERT_EQ(lpz.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_NEAR(r[col::z][i], z[i], 0.01);
    EXPECT_NEAR(r[col::sigma1][i], sx[i] * 130, 1e-4);
    EXPECT_NEAR(r[col::sigma2][i], sy[i] * 130, 1e-4);
    EXPECT_EQ(r[col::uncertainty_z][i], lpz[i]);  // nm, as stored
    EXPECT_GT(r[col::uncertainty_z][i], 5.0);
    EXPECT_LT(r[col::uncertainty_z][i], 50.0);
  }
  EXPECT_EQ(r["chi_square"], (std::vector<double>{55.5, 60.25, 48}));
  EXPECT_TRUE(r.has("d_zcalib"));
  for (const auto& c : r.columns()) EXPECT_EQ(c.unit, default_unit(c.name)) << c.name;
}

// /locs as another program writes it with h5py: other field order, float64, int64 and big-endian
// float32 fields, extra fields, a NaN; Pixelsize (a numpy float64 dumped by PyYAML) only in the
// second document, as Picasso's Localize puts it.
TEST(PicassoHdf5, ReadsWhatH5pyWritesInOtherOrdersAndTypes) {
  const std::string path = fixture("h5py_locs.hdf5");
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

// PyYAML's dump of a numpy float64 130.0 as older Picasso versions wrote it (numpy 1, flow-style
// lists). The form of numpy 2 with PyYAML 6 is in h5py_locs.yaml.
TEST(PicassoHdf5, ReadsNumpyScalarPixelsizeOfOlderPicasso) {
  test::TempDir dir;
  const std::string a = dir / "a.hdf5";
  write_locs(
      a, {{"frame", H5T_STD_U32LE, {0}}, {"x", H5T_IEEE_F32LE, {1}}, {"y", H5T_IEEE_F32LE, {1}}});
  write_text(dir / "a.yaml",
             "Frames: 5\nPixelsize: !!python/object/apply:numpy.core.multiarray.scalar\n"
             "- !!python/object/apply:numpy.dtype\n  args: [f8, false, true]\n"
             "  state: !!python/tuple [3, <, null, null, null, -1, -1, 0]\n"
             "- !!binary |\n  AAAAAABAYEA=\nWidth: 8\n");
  PicassoInfo info;
  EXPECT_EQ(read_picasso_hdf5(a, &info)[col::x][0], 1.5 * 130);
  EXPECT_EQ(info.pixel_size_nm, 130.0);
  EXPECT_EQ(info.width, 8);
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

// Found by fuzz/picasso_hdf5_fuzz (damaged /locs dimensions, up to 13 GB asked for): rows are
// believed only as far as the dataset stores them. Here a chunked /locs of 2^32 rows, never
// written, which HDF5 would read as fill values.
TEST(PicassoHdf5, RowCountBeyondTheStoredBytesIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "huge.hdf5";
  {
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t t = H5Tcreate(H5T_COMPOUND, 12);
    H5Tinsert(t, "frame", 0, H5T_STD_U32LE);
    H5Tinsert(t, "x", 4, H5T_IEEE_F32LE);
    H5Tinsert(t, "y", 8, H5T_IEEE_F32LE);
    const hsize_t rows = hsize_t{1} << 32, chunk = 1024;
    const hid_t space = H5Screate_simple(1, &rows, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Dclose(H5Dcreate2(f, "locs", t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(t);
    H5Fclose(f);
  }
  const std::string msg = error_of([&] { read_picasso_hdf5(path, nullptr, 100); });
  EXPECT_NE(msg.find(path + ": /locs claims 4294967296 rows of 12 bytes but stores 0 bytes"),
            std::string::npos)
      << msg;
}

// Found by fuzz/picasso_yaml_fuzz (fuzz/regressions/picasso_yaml-huge-height.yaml): a size beyond
// int was converted to int (undefined behaviour); sizes out of range, negative or NaN are Errors.
TEST(PicassoHdf5, SidecarSizesOutOfRangeAreErrors) {
  test::TempDir dir;
  const std::string path = dir / "big.hdf5";
  write_locs(
      path,
      {{"frame", H5T_STD_U32LE, {0}}, {"x", H5T_IEEE_F32LE, {1}}, {"y", H5T_IEEE_F32LE, {1}}});
  write_text(dir / "big.yaml",
             "Frames: 3\nHeight: 15" + std::string(86, '2') + "\nPixelsize: 100.0\nWidth: 15\n");
  std::string msg = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_NE(msg.find("big.yaml: Height 1.52222e+87 is not a size from 0 to 2147483647"),
            std::string::npos)
      << msg;
  for (const char* yaml : {"Width: -1\nPixelsize: 100\n", "Frames: 1e300\nPixelsize: 100\n",
                           "Width: nan\nPixelsize: 100\n"}) {
    write_text(dir / "big.yaml", yaml);
    msg = error_of([&] { read_picasso_hdf5(path); });
    EXPECT_NE(msg.find("is not a size from 0 to"), std::string::npos) << yaml << msg;
  }
  write_text(dir / "big.yaml", "Width: 2147483647\nFrames: 1e15\nPixelsize: 100\n");
  PicassoInfo info;
  read_picasso_hdf5(path, &info);
  EXPECT_EQ(info.width, 2147483647);
  EXPECT_EQ(info.frames, int64_t{1000000000000000});  // up to 2^50
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

// Found by fuzz/picasso_hdf5_fuzz (fuzz/regressions/picasso_hdf5-array-rank.hdf5): Picasso's 3D
// fixture with one byte of /locs' datatype changed, an array member of invalid rank. HDF5 fails
// to open /locs and keeps the half-decoded type: an Error naming the file, no handle left open.
TEST(PicassoHdf5, CorruptArrayTypeIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  std::string bytes = read_text(fixture("picasso_fit3d.hdf5"));
  ASSERT_EQ(bytes.size(), 10360u);
  ASSERT_EQ(bytes[1580], '\x11');
  bytes[1580] = '\x13';
  write_text(path, bytes);
  const std::string error = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_NE(error.find(path + ": cannot open /locs"), std::string::npos) << error;
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

// Found by fuzz/picasso_hdf5_fuzz (fuzz/regressions/picasso_hdf5-member-offset.hdf5): Picasso's
// 2D fixture with the byte offset of /locs' field net_gradient changed from 40 to 7143464, far
// outside the 68-byte row. HDF5 accepts such a type from a file and its conversion copied from
// wherever the offset pointed (a SEGV under ASan, garbage values without).
TEST(PicassoHdf5, FieldOutsideItsRowIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  std::string bytes = read_text(fixture("picasso_fit2d.hdf5"));
  ASSERT_EQ(bytes.size(), 10480u);
  ASSERT_EQ(bytes.substr(1464, 13), std::string("net_gradient\0", 13));
  ASSERT_EQ(bytes[1480], '\x28');  // the field's offset, 4 bytes little-endian
  ASSERT_EQ(bytes[1482], '\x00');
  bytes[1482] = '\x6d';
  write_text(path, bytes);
  const std::string error = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_EQ(error, path +
                       ": /locs has a damaged type: field 'net_gradient' (4 bytes at byte "
                       "7143464 of 68) lies outside its row");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

// Found by fuzz/picasso_hdf5_fuzz (fuzz/regressions/picasso_hdf5-vlen-length.hdf5): the 2D
// fixture with the length in the descriptor of its /metadata string raised from 437 to
// 0x7f0001b5 bytes. HDF5 allocated those 2 GB before reading the string; no string can be longer
// than its file.
TEST(PicassoHdf5, MetadataLongerThanItsFileOrOfWideCharactersIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  std::string bytes = read_text(fixture("picasso_fit2d.hdf5"));
  ASSERT_EQ(bytes.size(), 10480u);
  ASSERT_EQ(bytes.substr(2560, 4), std::string("\xb5\x01\x00\x00", 4));
  bytes[2563] = '\x7f';
  write_text(path, bytes);
  const std::string error = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_EQ(error, path +
                       ": /metadata claims a string of 2130706869 bytes in a file of 10480 "
                       "(damaged file)");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  // fuzz/regressions/picasso_hdf5-vlen-char-size.hdf5: the string's character type 0xffed0001
  // bytes wide instead of 1 (bytes 4390-4391), for 1.9 TB. (A Release build's allocation failed
  // and the file read as one without metadata: "the pixel size is unknown".)
  bytes = read_text(fixture("picasso_fit2d.hdf5"));
  ASSERT_EQ(bytes.substr(4388, 4), std::string("\x01\x00\x00\x00", 4));
  bytes[4390] = '\xed';
  bytes[4391] = '\xff';
  write_text(path, bytes);
  EXPECT_EQ(error_of([&] { read_picasso_hdf5(path); }),
            path + ": /metadata is a string of 4293722113-byte characters (damaged file)");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  // The unchanged fixture, without its sidecar, still reads its /metadata.
  const std::string good = dir / "good.hdf5";
  write_text(good, read_text(fixture("picasso_fit2d.hdf5")));
  EXPECT_EQ(read_picasso_hdf5(good, nullptr, 130.0).size(), 4u);
}

// Found by fuzz/picasso_hdf5_fuzz (sixth session): the 3D fixture with the NUL after the field
// name "y" (byte 977) and the next byte turned into 0xf9 0xff. The error listing the fields put
// those bytes on the user's terminal; they are written as \xNN now.
TEST(PicassoHdf5, DamagedFieldNamesAreEscapedInTheError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  std::string bytes = read_text(fixture("picasso_fit3d.hdf5"));
  ASSERT_EQ(bytes.substr(976, 3), std::string("y\0\0", 3));
  bytes[977] = '\xf9';
  bytes[978] = '\xff';
  write_text(path, bytes);
  const std::string error = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_NE(error.find("/locs has no field 'y' (fields: frame, x, y\\xf9\\xff, photons"),
            std::string::npos)
      << error;
  for (const unsigned char c : error) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << error;
}

// Found by fuzz/picasso_hdf5_fuzz (sixth session): HDF5 1.10 trusts the sizes in the global heap
// collection that holds /metadata's string (it starts at byte 6384 of the 2D fixture: "GCOL",
// 4096 bytes; the string is object 1 at 6400, 437 bytes; the free space object 0 at 6856, 3624).
// fuzz/regressions/picasso_hdf5-heap-object-size.hdf5: object 1's size with its top byte set
// (2^56 + 437): HDF5 copied that many bytes (ASan memcpy-param-overlap; a wild read in Release).
// fuzz/regressions/picasso_hdf5-heap-free-space-zero.hdf5: the free space's size 0: HDF5's heap
// decoder never advanced (a hang in `smlm convert`). And an object whose size wraps the decoder.
TEST(PicassoHdf5, DamagedGlobalHeapIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  const std::string fixture_bytes = read_text(fixture("picasso_fit2d.hdf5"));
  ASSERT_EQ(fixture_bytes.substr(6384, 4), "GCOL");
  ASSERT_EQ(fixture_bytes.substr(6408, 8), std::string("\xb5\x01\0\0\0\0\0\0", 8));
  ASSERT_EQ(fixture_bytes.substr(6856, 2), std::string("\0\0", 2));                  // free space,
  ASSERT_EQ(fixture_bytes.substr(6864, 8), std::string("\x28\x0e\0\0\0\0\0\0", 8));  // 3624
  std::string bytes = fixture_bytes;
  bytes[6415] = '\x01';
  write_text(path, bytes);
  EXPECT_EQ(error_of([&] { read_picasso_hdf5(path); }),
            path +
                ": /metadata's heap object claims 72057594037928373 bytes where its heap has "
                "4064 (damaged file)");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  bytes = fixture_bytes;
  bytes[6864] = bytes[6865] = '\0';
  write_text(path, bytes);
  EXPECT_EQ(error_of([&] { read_picasso_hdf5(path); }),
            path + ": /metadata's heap has a free space of 0 bytes (damaged file)");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  // fuzz/regressions/picasso_hdf5-heap-wraparound.hdf5 (the 3D fixture with an object of index
  // 8813 and a size near 2^64 after the string's): HDF5's decoder stepped by that size, wrapped
  // around and read before the collection (a SEGV in Release). Here: the free space turned into
  // such an object.
  bytes = fixture_bytes;
  bytes[6856] = '\x6d';
  bytes[6857] = '\x22';
  for (int i = 6868; i < 6872; ++i) bytes[i] = '\xff';
  write_text(path, bytes);
  EXPECT_EQ(error_of([&] { read_picasso_hdf5(path); }),
            path +
                ": /metadata's heap object claims 18446744069414587944 bytes where its heap "
                "has 3608 (damaged file)");
  // fuzz/regressions/picasso_hdf5-heap-index.hdf5: the descriptor's object index (bytes
  // 2572–2575) 1 → 524 289; HDF5 read its object table at that index unchecked (SEGV).
  bytes = fixture_bytes;
  ASSERT_EQ(bytes.substr(2572, 4), std::string("\x01\0\0\0", 4));
  bytes[2574] = '\x08';
  write_text(path, bytes);
  EXPECT_EQ(error_of([&] { read_picasso_hdf5(path); }),
            path +
                ": /metadata's string is object 524289 of a heap that holds no such object "
                "(damaged file)");
  // A collection claiming more than its file.
  bytes = fixture_bytes;
  bytes[6393] = '\x7f';
  write_text(path, bytes);
  EXPECT_NE(error_of([&] { read_picasso_hdf5(path); }).find("heap claims"), std::string::npos);
}

// Found by fuzz/picasso_hdf5_fuzz (fuzz/regressions/picasso_hdf5-compact-empty.hdf5): the 2D
// fixture with the layout message of /metadata changed from contiguous (at byte 2560) to compact
// with 0 bytes. HDF5 1.10 read the string's descriptor past the end of that empty buffer: a
// SEGV, in `smlm convert` too.
TEST(PicassoHdf5, CompactMetadataWithoutItsBytesIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "bad.hdf5";
  std::string bytes = read_text(fixture("picasso_fit2d.hdf5"));
  ASSERT_EQ(bytes.size(), 10480u);
  ASSERT_EQ(bytes.substr(4424, 4), std::string("\x03\x01\x00\x0a", 4));  // version 3, contiguous
  bytes[4425] = '\x00';                                                  // compact,
  bytes[4427] = '\x00';                                                  // of 0 bytes
  write_text(path, bytes);
  const std::string error = error_of([&] { read_picasso_hdf5(path); });
  EXPECT_EQ(error, path + ": /metadata stores 0 bytes where its string needs 16 (damaged file)");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
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

// The optional checks below hand our files to the real tools; they run where $SMLM_TEST_PYTHON (or
// python3) can import them, e.g. SMLM_TEST_PYTHON=/work/venv-peers/bin/python (see
// tests/data/make_interop_fixtures.py). What the tools write is checked always, above.

// What Picasso's load_locs reads underneath: h5py for /locs, PyYAML's load_all for the sidecar.
TEST(PicassoHdf5, H5pyAndPyYamlReadWhatWeWrite) {
  if (test::run_command(python() + " -c 'import h5py, numpy, yaml'") != 0)
    GTEST_SKIP() << "Python with h5py, numpy and PyYAML is not available";
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
  ASSERT_EQ(test::run_command(python() + " " + script + " " + path, &out), 0) << out;
  EXPECT_EQ(out,
            "frame:<u4,x:<f4,y:<f4,photons:<f4,sx:<f4,sy:<f4,bg:<f4,lpx:<f4,lpy:<f4,z:<f4,"
            "lpz:<f4,n:<i4,net_gradient:<f4,group:<i4\n"
            "7 1.0 True\n"
            "2 64 48 1000 100.0\n");
}

// Picasso itself: io.load_locs (which also drops the rows it finds insane) and its metadata lookup.
TEST(PicassoHdf5, PicassoLoadsWhatWeWrite) {
  if (test::run_command(python() + " -c 'import picasso.io'") != 0)
    GTEST_SKIP() << "Python with Picasso (picassosr) is not available";
  test::TempDir dir;
  const std::string path = dir / "ours.hdf5";
  LocalizationTable t = table_3d();
  t[col::x][2] = 1234.5;  // inside the field of view: Picasso drops x_px < 0
  write_picasso_hdf5(path, t, {0, 0, 0, kPixel});
  const std::string script = dir / "check.py";
  // Picasso reads and may write its settings in ~/.picasso: a scratch home. The answers go to a
  // file, apart from what Picasso prints on import.
  write_text(script, R"(import os, sys
os.environ["HOME"] = os.path.dirname(sys.argv[1])
from picasso import io, lib
locs, info = io.load_locs(sys.argv[1])
with open(sys.argv[2], "w") as out:
    print(len(locs), list(locs["frame"]), list(locs["n"]), list(locs["group"]), file=out)
    print(locs["x"].iloc[0], locs["y"].iloc[1], locs["z"].iloc[0], locs["lpz"].iloc[2], file=out)
    print(*(lib.get_from_metadata(info, k) for k in ("Width", "Height", "Frames", "Pixelsize")),
          file=out)
)");
  std::string out;
  const std::string answers = dir / "answers.txt";
  ASSERT_EQ(test::run_command(python() + " " + script + " " + path + " " + answers, &out), 0)
      << out;
  EXPECT_EQ(read_text(answers),
            "3 [0, 7, 4294967295] [1, 3, 12] [0, 2, 16777217]\n"
            "1.0 987.1543 -312.5 50.3\n"
            "123 988 4294967296 100.0\n");
}

}  // namespace
}  // namespace smlm::io
