// libFuzzer target: PSF calibration files (psf::load_calibration, HDF5).
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "psf/calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("psf.h5", data, size);
  try {
    smlm::psf::load_calibration(path);
  } catch (const smlm::Error&) {
  }
  smlm::fuzz::expect_no_open_hdf5();
  return 0;
}
