// AtomicFile: every output is written to a temporary file in the destination's folder and
// renamed over the destination only when complete, so a failed or interrupted write (bad input,
// a full disk) never leaves a half-written file. Unless commit() succeeds, the destructor
// removes the temporary file.
#pragma once

#include <string>

namespace smlm {

class AtomicFile {
 public:
  // Picks a temporary name beside `path`; checks that the folder exists and is writable.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write now.
  const std::string& temp_path() const { return temp_; }
  // The final destination.
  const std::string& path() const { return path_; }
  // Flushes to disk and renames the temporary file over the destination; throws smlm::Error
  // (naming the destination) if that fails.
  void commit();

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

}  // namespace smlm
