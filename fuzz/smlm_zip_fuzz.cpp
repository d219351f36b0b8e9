// libFuzzer target: ShareLoc .smlm files (io::read_smlm: ZIP, JSON manifest, binary table).
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "io/smlm_zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("table.smlm", data, size);
  try {
    smlm::io::read_smlm(path);
  } catch (const smlm::Error&) {
  }
  return 0;
}
