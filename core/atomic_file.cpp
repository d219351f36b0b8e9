#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"

namespace smlm {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  SMLM_CHECK(!path_.empty(), "output file name is empty");
  const fs::path p(path_);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  SMLM_CHECK(fs::is_directory(dir, ec),
             path_ << ": folder '" << dir.string() << "' does not exist");
  SMLM_CHECK(!fs::is_directory(p, ec), path_ << ": is a folder, not a file");
  std::random_device rd;
  std::string name = ".";
  name += p.filename().string();
  name += ".tmp";
  name += std::to_string(rd() % 1000000);
  temp_ = (dir / name).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  // fsync so that a full disk or an I/O error shows up here, not after the rename.
  const int fd = ::open(temp_.c_str(), O_RDONLY);
  SMLM_CHECK(fd >= 0, path_ << ": cannot reopen temporary file: " << std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  SMLM_CHECK(rc == 0, path_ << ": write failed: " << std::strerror(errno));
  SMLM_CHECK(std::rename(temp_.c_str(), path_.c_str()) == 0,
             path_ << ": cannot write: " << std::strerror(errno));
  committed_ = true;
}

}  // namespace smlm
