// libFuzzer target: ThunderSTORM CSV tables (io::read_thunderstorm_csv), refusing and skipping
// malformed rows.
#include "core/error.h"
#include "fuzz/fuzz_util.h"
#include "io/thunderstorm_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("table.csv", data, size);
  for (auto mode : {smlm::io::MalformedRows::refuse, smlm::io::MalformedRows::skip}) {
    try {
      smlm::io::CsvReadReport report;
      smlm::io::read_thunderstorm_csv(path, &report, mode);
    } catch (const smlm::Error&) {
    }
  }
  return 0;
}
