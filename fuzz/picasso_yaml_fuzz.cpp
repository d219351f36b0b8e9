// libFuzzer target: the YAML sidecar of a Picasso file. The input is the sidecar; the HDF5 file
// beside it is a fixed valid one, written once by the library's own writer.
#include "core/error.h"
#include "core/localization_table.h"
#include "fuzz/fuzz_util.h"
#include "io/picasso_hdf5.h"

namespace {
std::string locs_path() {
  static const std::string path = [] {
    smlm::LocalizationTable t;
    t.add_column(smlm::col::frame);
    t.add_column(smlm::col::x);
    t.add_column(smlm::col::y);
    t.add_column(smlm::col::intensity);
    t.resize(3);
    for (size_t i = 0; i < 3; ++i) {
      t[smlm::col::frame][i] = static_cast<double>(i);
      t[smlm::col::x][i] = 100.0 * static_cast<double>(i + 1);
      t[smlm::col::y][i] = 50.0 * static_cast<double>(i + 1);
      t[smlm::col::intensity][i] = 1000;
    }
    const std::string p = (smlm::fuzz::work_dir() / "locs.hdf5").string();
    smlm::io::PicassoInfo info;
    info.width = info.height = 32;
    info.frames = 3;
    info.pixel_size_nm = 100;
    smlm::io::write_picasso_hdf5(p, t, info);
    return p;
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = locs_path();
  smlm::fuzz::write_file("locs.yaml", data, size);
  try {
    smlm::io::PicassoInfo info;
    smlm::io::read_picasso_hdf5(path, &info);
  } catch (const smlm::Error&) {
  }
  smlm::fuzz::expect_no_open_hdf5();
  return 0;
}
