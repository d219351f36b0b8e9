// libFuzzer target: PLY point clouds (io::read_ply, ASCII and binary).
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "io/ply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("points.ply", data, size);
  try {
    smlm::io::read_ply(path);
  } catch (const smlm::Error&) {
  }
  return 0;
}
