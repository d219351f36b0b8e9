// libFuzzer target: Picasso HDF5 localizations (io::read_picasso_hdf5) without a sidecar: /locs
// and the embedded /metadata JSON. Where the pixel size is all that is missing, read again with
// one given, so that /locs is decoded too.
#include <string_view>

#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "io/picasso_hdf5.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("locs.hdf5", data, size);
  try {
    smlm::io::PicassoInfo info;
    smlm::io::read_picasso_hdf5(path, &info);
  } catch (const smlm::Error& e) {
    if (std::string_view(e.what()).find("pixel size is unknown") != std::string_view::npos) {
      try {
        smlm::io::read_picasso_hdf5(path, nullptr, 130.0);
      } catch (const smlm::Error&) {
      }
    }
  }
  smlm::fuzz::expect_no_open_hdf5();
  return 0;
}
