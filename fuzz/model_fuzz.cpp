// libFuzzer target: Deep-STORM model checkpoints (deepstorm::load_model: the settings, the net
// they describe, then nn::load_checkpoint's weights), on the CPU.
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "localization/nets/deepstorm/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("model.h5", data, size);
  try {
    smlm::localization::nets::deepstorm::load_model(path);
  } catch (const smlm::Error&) {
  }
  smlm::fuzz::expect_no_open_hdf5();
  return 0;
}
