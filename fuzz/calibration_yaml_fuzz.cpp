// libFuzzer target: ThunderSTORM astigmatism calibrations (psf::parse_thunderstorm_calibration).
#include <string>

#include "core/error.h"
#include "psf/calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    smlm::psf::parse_thunderstorm_calibration(
        std::string(reinterpret_cast<const char*>(data), size));
  } catch (const smlm::Error&) {
  }
  return 0;
}
