// Tests of the sCMOS camera-map files: TIFF and HDF5 round trips, files other programs write
// (integer pages and datasets), and every kind of bad file, each a one-line error naming the file;
// the frames' view of the sensor (whole sensor or a cropped movie's origin).
#include "io/camera_maps_file.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/tiff_movie.h"
#include "tests/test_util.h"

namespace smlm::io {
namespace {

using test::error_of;
using test::TempDir;

CameraMaps example_maps(int w, int h) {
  CameraMaps m;
  m.width = w;
  m.height = h;
  for (int i = 0; i < w * h; ++i) {
    m.offset.push_back(100.25f + 0.5f * i);
    m.gain.push_back(0.4f + 0.01f * (i % 17));
    m.variance.push_back(i % 5 == 0 ? 0.0f : 1.5f * i);
  }
  return m;
}

void expect_same(const CameraMaps& a, const CameraMaps& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.gain, b.gain);
  EXPECT_EQ(a.variance, b.variance);
}

// One line that names the file and says `what`.
void expect_error(const std::string& message, const std::string& path, const std::string& what) {
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// Datasets (name, width, height, values as double, stored as `type`) in a new HDF5 file.
struct Dataset {
  std::string name;
  int w, h;
  std::vector<double> values;
  hid_t type = H5T_IEEE_F32LE;
  int rank = 2;
};
void write_hdf5(const std::string& path, const std::vector<Dataset>& sets) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  for (const Dataset& d : sets) {
    const hsize_t dims[3] = {1, static_cast<hsize_t>(d.h), static_cast<hsize_t>(d.w)};
    const hid_t space = H5Screate_simple(d.rank, d.rank == 3 ? dims : dims + 1, nullptr);
    const hid_t ds =
        H5Dcreate2(file, d.name.c_str(), d.type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()), 0);
    H5Dclose(ds);
    H5Sclose(space);
  }
  H5Fclose(file);
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

TEST(CameraMapsFile, TiffAndHdf5RoundTripExactly) {
  TempDir dir;
  const CameraMaps m = example_maps(13, 7);
  for (const char* name : {"maps.tif", "maps.TIFF", "maps.h5", "maps.hdf5"}) {
    write_camera_maps(dir / name, m);
    const CameraMaps back = read_camera_maps(dir / name);
    expect_same(back, m);
    EXPECT_EQ(back.source, dir / name);
  }
  // The TIFF is a plain 3-page float stack, in the documented order.
  TiffMovieReader r(dir / "maps.tif");
  EXPECT_EQ(r.num_frames(), 3);
  EXPECT_EQ(r.info().type, PixelType::f32);
  ImageF page;
  ASSERT_TRUE(r.read(page));
  EXPECT_EQ(page.vec(), m.offset);
  ASSERT_TRUE(r.read(page));
  EXPECT_EQ(page.vec(), m.gain);
}

TEST(CameraMapsFile, ReadsIntegerPagesAndDatasets) {
  TempDir dir;
  CameraMaps m = example_maps(6, 5);
  for (float& v : m.offset) v = std::round(v);
  for (float& v : m.gain) v = 2;
  for (float& v : m.variance) v = std::round(v);
  {
    TiffMovieWriter w(dir / "u16.tif", 6, 5, PixelType::u16);
    for (const auto* v : {&m.offset, &m.gain, &m.variance}) {
      ImageF page(6, 5);
      page.vec() = *v;
      w.write(page);
    }
    w.close();
  }
  expect_same(read_camera_maps(dir / "u16.tif"), m);
  write_hdf5(dir / "int.h5", {{"offset", 6, 5, as_double(m.offset), H5T_STD_U16LE},
                              {"gain", 6, 5, as_double(m.gain), H5T_STD_I32LE},
                              {"variance", 6, 5, as_double(m.variance), H5T_IEEE_F64LE}});
  expect_same(read_camera_maps(dir / "int.h5"), m);
}

TEST(CameraMapsFile, BadFilesGiveOneLineErrorsNamingTheFile) {
  TempDir dir;
  const CameraMaps good = example_maps(4, 3);
  const auto off = as_double(good.offset), gain = as_double(good.gain),
             var = as_double(good.variance);

  expect_error(error_of([&] { read_camera_maps(dir / "none.tif"); }), dir / "none.tif",
               "no such file");
  expect_error(error_of([&] { read_camera_maps(dir / "maps.txt"); }), dir / "maps.txt",
               "expected .tif");
  test::write_text(dir / "text.tif", "not a TIFF at all");
  expect_error(error_of([&] { read_camera_maps(dir / "text.tif"); }), dir / "text.tif", "");
  test::write_text(dir / "text.h5", "not HDF5 at all");
  expect_error(error_of([&] { read_camera_maps(dir / "text.h5"); }), dir / "text.h5",
               "not an HDF5 file");

  {
    TiffMovieWriter w(dir / "two.tif", 4, 3, PixelType::f32);
    ImageF page(4, 3, 1.0f);
    w.write(page);
    w.write(page);
    w.close();
  }
  expect_error(error_of([&] { read_camera_maps(dir / "two.tif"); }), dir / "two.tif",
               "2 pages, expected 3 (offset, gain, variance)");

  write_hdf5(dir / "missing.h5", {{"offset", 4, 3, off}, {"gain", 4, 3, gain}});
  expect_error(error_of([&] { read_camera_maps(dir / "missing.h5"); }), dir / "missing.h5",
               "dataset 'variance' is missing");
  write_hdf5(dir / "sizes.h5",
             {{"offset", 4, 3, off}, {"gain", 3, 4, gain}, {"variance", 4, 3, var}});
  expect_error(error_of([&] { read_camera_maps(dir / "sizes.h5"); }), dir / "sizes.h5",
               "dataset 'gain' is 3 x 4 px, offset is 4 x 3 px");
  write_hdf5(
      dir / "rank.h5",
      {{"offset", 4, 3, off, H5T_IEEE_F32LE, 3}, {"gain", 4, 3, gain}, {"variance", 4, 3, var}});
  expect_error(error_of([&] { read_camera_maps(dir / "rank.h5"); }), dir / "rank.h5", "not 2D");

  // Values: NaN, a gain <= 0, a negative variance; each names the pixel.
  auto with = [&](int map, int pixel, double value) {
    std::vector<double> v[3] = {off, gain, var};
    v[map][pixel] = value;
    return std::vector<Dataset>{
        {"offset", 4, 3, v[0]}, {"gain", 4, 3, v[1]}, {"variance", 4, 3, v[2]}};
  };
  write_hdf5(dir / "nan.h5", with(0, 5, std::numeric_limits<double>::quiet_NaN()));
  expect_error(error_of([&] { read_camera_maps(dir / "nan.h5"); }), dir / "nan.h5",
               "offset at pixel (1, 1) is nan");
  write_hdf5(dir / "gain.h5", with(1, 11, 0.0));
  expect_error(error_of([&] { read_camera_maps(dir / "gain.h5"); }), dir / "gain.h5",
               "gain at pixel (3, 2) is 0, not a positive number of ADU/e-");
  write_hdf5(dir / "var.h5", with(2, 0, -1.0));
  expect_error(error_of([&] { read_camera_maps(dir / "var.h5"); }), dir / "var.h5",
               "variance at pixel (0, 0) is -1");
  {
    TiffMovieWriter w(dir / "neg.tif", 4, 3, PixelType::f32);
    for (const auto* v : {&good.offset, &good.gain, &good.variance}) {
      ImageF page(4, 3);
      page.vec() = *v;
      if (v == &good.gain) page.vec()[2] = -0.5f;
      w.write(page);
    }
    w.close();
  }
  expect_error(error_of([&] { read_camera_maps(dir / "neg.tif"); }), dir / "neg.tif",
               "gain at pixel (2, 0) is -0.5");

  // Writing refuses invalid maps and an unknown extension, and leaves no file.
  CameraMaps bad = good;
  bad.variance.pop_back();
  EXPECT_NE(error_of([&] { write_camera_maps(dir / "bad.tif", bad); }).find("11"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.tif"));
  expect_error(error_of([&] { write_camera_maps(dir / "maps.bin", good); }), dir / "maps.bin",
               "expected .tif");
}

TEST(CameraMaps, FramesMustBeTheSensorOrLieOnItAtTheirOrigin) {
  CameraMaps m = example_maps(10, 8);
  m.source = "m.tif";
  const CameraMapsView whole = m.frame_view(10, 8, std::nullopt);
  EXPECT_EQ(whole.x0, 0);
  EXPECT_EQ(whole.offset, m.offset.data());
  expect_error(error_of([&] { m.frame_view(6, 8, std::nullopt); }), "m.tif",
               "are 10 x 8 px, the frames 6 x 8 px: give the frames' origin");
  const CameraMapsView crop = m.frame_view(6, 5, SensorOrigin{4, 3});
  EXPECT_DOUBLE_EQ(crop.electrons(200, 1, 2),
                   (200.0 - m.offset[5 * 10 + 5]) / double(m.gain[5 * 10 + 5]));
  const double g = m.gain[7 * 10 + 9];
  EXPECT_DOUBLE_EQ(crop.shifted(2, 2).variance_e2(3, 2), m.variance[7 * 10 + 9] / (g * g));
  expect_error(error_of([&] {
                 m.frame_view(6, 5, SensorOrigin{5, 3});
               }),
               "m.tif", "frames of 6 x 5 px at (5, 3) leave the 10 x 8 px sensor");
  EXPECT_THROW(m.check_camera(CameraModel{.em_gain = 100}), Error);

  // The host helpers: a patch at (x0, y0) of the frame converts with its own pixels' values.
  const PixelCamera pc{CameraModel{}, crop.shifted(1, 1)};
  const float adu[4] = {150, 160, 170, 180};
  float e[4], v[4];
  adu_to_electrons(pc, adu, 2, 2, e);
  variance_e2(pc, 2, 2, v);
  const size_t last = (3 + 1 + 1) * 10 + (4 + 1 + 1);  // patch pixel (1, 1) on the sensor
  EXPECT_FLOAT_EQ(e[3], (180 - m.offset[last]) / m.gain[last]);
  EXPECT_FLOAT_EQ(v[3], m.variance[last] / (m.gain[last] * m.gain[last]));
  const PixelCamera uniform{CameraModel{.photons_per_adu = 2, .baseline_adu = 100}, {}};
  adu_to_electrons(uniform, adu, 2, 2, e);
  variance_e2(uniform, 2, 2, v);
  EXPECT_FLOAT_EQ(e[0], 100);
  EXPECT_FLOAT_EQ(v[0], 0);
}

}  // namespace
}  // namespace smlm::io
