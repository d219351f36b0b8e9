// Shared by the libFuzzer targets: the input bytes written to a file, since every reader takes a
// path, and the check that HDF5 readers close what they open. One folder per process (under
// $TMPDIR, else /dev/shm or /tmp), removed at exit; each target rewrites the same file name for
// every input.
#pragma once

#include <hdf5.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace smlm::fuzz {

inline const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    namespace fs = std::filesystem;
    const char* env = std::getenv("TMPDIR");
    fs::path base = fs::temp_directory_path();
    if (env != nullptr)
      base = env;
    else if (fs::is_directory("/dev/shm"))
      base = "/dev/shm";
    fs::path d = base / ("smlm-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(work_dir(), ec);
    });
    return d;
  }();
  return dir;
}

// Writes `size` bytes to work_dir()/name and returns the path.
inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = (work_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the fuzzer's own failure, not the reader's
  return path;
}

// Aborts when an HDF5 object (file, group, dataset, type, ...) is still open after a reader
// returned or threw: a handle of ours leaked. (Leaks inside HDF5 itself are suppressed for LSan,
// tools/sanitizers/lsan.supp; this is what keeps ours visible.)
inline void expect_no_open_hdf5() {
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) {
    std::fprintf(stderr, "smlm fuzz: %zd HDF5 objects left open\n", open);
    std::abort();
  }
}

}  // namespace smlm::fuzz
