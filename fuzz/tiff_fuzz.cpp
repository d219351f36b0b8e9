// libFuzzer target: TIFF movies (io::TiffMovieReader), every frame read.
#include "core/error.h"
#include "core/image.h"
#include "fuzz/fuzz_util.h"
#include "io/tiff_movie.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smlm::fuzz::write_file("movie.tif", data, size);
  try {
    smlm::io::TiffMovieReader reader(path);
    smlm::ImageF frame;
    while (reader.read(frame)) {
    }
  } catch (const smlm::Error&) {
  }
  return 0;
}
