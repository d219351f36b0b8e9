// sCMOS camera maps as a 3-page TIFF (through TiffMovieReader/Writer) or as three HDF5 datasets
// (C API, built in memory and written atomically like the other HDF5 outputs).
#include "io/camera_maps_file.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5.h"
#include "io/tiff_movie.h"

namespace smlm::io {

namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 3> kNames = {"offset", "gain", "variance"};
constexpr std::array<const char*, 3> kUnits = {"ADU", "ADU/e-", "ADU^2"};

enum class MapsFormat { tiff, hdf5 };

MapsFormat format_of(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".tif" || ext == ".tiff") return MapsFormat::tiff;
  if (ext == ".h5" || ext == ".hdf5") return MapsFormat::hdf5;
  throw Error("camera maps '" + path +
              "': expected .tif/.tiff (3 pages: offset, gain, variance) or .h5/.hdf5 (datasets "
              "offset, gain, variance)");
}

CameraMaps read_tiff(const std::string& path) {
  CameraMaps m;
  m.source = path;
  TiffMovieReader reader(path);  // names the file in its own errors
  SMLM_CHECK(reader.num_frames() == 3, m.name() << ": " << reader.num_frames()
                                                << " pages, expected 3 (offset, gain, variance)");
  m.width = reader.width();
  m.height = reader.height();
  ImageF page;
  for (std::vector<float>* v : {&m.offset, &m.gain, &m.variance}) {
    SMLM_CHECK(reader.read(page), m.name() << ": a page is missing");
    *v = std::move(page.vec());
    page = ImageF();
  }
  return m;
}

CameraMaps read_hdf5(const std::string& path) {
  CameraMaps m;
  m.source = path;
  const std::string name = m.name();
  QuietHdf5 quiet;
  Hdf5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  SMLM_CHECK(file.ok(), name << ": not an HDF5 file" << hdf5_reason());
  std::vector<float>* out[3] = {&m.offset, &m.gain, &m.variance};
  for (int k = 0; k < 3; ++k) {
    const char* ds_name = kNames[k];
    SMLM_CHECK(
        H5Lexists(file.get(), ds_name, H5P_DEFAULT) > 0,
        name << ": dataset '" << ds_name << "' is missing (expected offset, gain, variance)");
    Hdf5Id ds(H5Dopen2(file.get(), ds_name, H5P_DEFAULT));
    Hdf5Id space(ds.ok() ? H5Dget_space(ds.get()) : H5I_INVALID_HID);
    SMLM_CHECK(space.ok(),
               name << ": dataset '" << ds_name << "' cannot be opened" << hdf5_reason());
    SMLM_CHECK(H5Sget_simple_extent_ndims(space.get()) == 2,
               name << ": dataset '" << ds_name << "' is not 2D (height, width)");
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    // Checked before allocating: a damaged header must not ask for terabytes.
    SMLM_CHECK(dims[0] >= 1 && dims[1] >= 1 && dims[0] <= (1u << 16) && dims[1] <= (1u << 16),
               name << ": dataset '" << ds_name << "' is " << dims[1] << " x " << dims[0]
                    << " px, not 1..65536 on a side");
    const int w = static_cast<int>(dims[1]), h = static_cast<int>(dims[0]);
    if (k == 0) {
      m.width = w;
      m.height = h;
    }
    SMLM_CHECK(w == m.width && h == m.height, name << ": dataset '" << ds_name << "' is " << w
                                                   << " x " << h << " px, offset is " << m.width
                                                   << " x " << m.height << " px");
    out[k]->resize(static_cast<size_t>(w) * h);
    SMLM_CHECK(
        H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out[k]->data()) >= 0,
        name << ": dataset '" << ds_name << "' cannot be read as numbers" << hdf5_reason());
  }
  return m;
}

void write_hdf5(const std::string& path, const CameraMaps& m) {
  { AtomicFile check(path); }  // names a missing folder before the file is built
  auto check = [&](bool ok, const char* what) {
    SMLM_CHECK(ok,
               "cannot write camera maps '" << path << "': " << what << " failed" << hdf5_reason());
  };
  QuietHdf5 quiet;
  std::string image;
  {
    // Built in memory, written by write_file_atomically (see create_memory_hdf5).
    Hdf5Id file = create_memory_hdf5(path);
    check(file.ok(), "creating the file");
    const hsize_t dims[2] = {static_cast<hsize_t>(m.height), static_cast<hsize_t>(m.width)};
    const std::vector<float>* in[3] = {&m.offset, &m.gain, &m.variance};
    for (int k = 0; k < 3; ++k) {
      Hdf5Id space(H5Screate_simple(2, dims, nullptr));
      check(space.ok(), "dataspace");
      Hdf5Id ds(H5Dcreate2(file.get(), kNames[k], H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                           H5P_DEFAULT, H5P_DEFAULT));
      check(ds.ok(), kNames[k]);
      check(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, in[k]->data()) >= 0,
            kNames[k]);
      // Units as a fixed-length string attribute, for people who open the file elsewhere.
      const std::string units = kUnits[k];
      Hdf5Id type(H5Tcopy(H5T_C_S1));
      check(type.ok() && H5Tset_size(type.get(), units.size()) >= 0, "string type");
      Hdf5Id scalar(H5Screate(H5S_SCALAR));
      Hdf5Id attr(
          H5Acreate2(ds.get(), "units", type.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
      check(attr.ok() && H5Awrite(attr.get(), type.get(), units.data()) >= 0, "units attribute");
    }
    image = memory_hdf5_image(file.get());
    check(!image.empty(), "flushing");
  }
  write_file_atomically(path, image);
}

}  // namespace

CameraMaps read_camera_maps(const std::string& path) {
  const MapsFormat format = format_of(path);
  SMLM_CHECK(fs::exists(path), "camera maps '" << path << "': no such file");
  CameraMaps m = format == MapsFormat::tiff ? read_tiff(path) : read_hdf5(path);
  m.validate();
  return m;
}

void write_camera_maps(const std::string& path, const CameraMaps& maps) {
  const MapsFormat format = format_of(path);
  maps.validate();
  if (format == MapsFormat::hdf5) return write_hdf5(path, maps);
  TiffMovieWriter writer(path, maps.width, maps.height, PixelType::f32, false, 3);
  ImageF page(maps.width, maps.height);
  for (const std::vector<float>* v : {&maps.offset, &maps.gain, &maps.variance}) {
    page.vec() = *v;
    writer.write(page);
  }
  writer.close();
}

}  // namespace smlm::io
