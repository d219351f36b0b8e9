// AtomicFile: every output is written to a temporary file in the destination's folder and
// renamed over the destination only when complete, so a failed or interrupted write (bad input,
// a full disk, Ctrl-C) never leaves a half-written file. Unless commit() succeeds, the destructor
// removes the temporary file.
//
// Temporary files are named `.NAME.smlm-tmp-PID-RANDOM` beside NAME. Every live one is listed in
// a process-wide registry that the handlers of install_temp_file_cleanup() empty on SIGINT,
// SIGTERM and SIGHUP. A process killed outright (SIGKILL, a power cut) leaves its temporary files;
// the next AtomicFile for the same NAME removes those whose PID no longer runs.
//
// AtomicFileGroup makes the outputs of one command all-or-nothing: while a group is open, commit()
// only flushes, and the group renames every file at its own commit().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smlm {

class AtomicFile {
 public:
  // Picks a temporary name beside `path`; checks that the folder exists and is writable; removes
  // stale temporary files of `path` left by processes that no longer run.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write now.
  const std::string& temp_path() const { return temp_; }
  // The final destination.
  const std::string& path() const { return path_; }
  // Flushes to disk and renames the temporary file over the destination; throws smlm::Error
  // (naming the destination) if that fails. While an AtomicFileGroup is open, flushes only and
  // hands the file to the group, which renames it at its commit().
  void commit();

 private:
  std::string path_, temp_;
  int slot_ = -1;  // in the signal handlers' registry
  bool committed_ = false;
};

// Holds back the renames of every AtomicFile committed (in any thread) while it is open, so that
// a command with several outputs writes all of them or none: commit() renames them all; the
// destructor without commit() removes their temporary files. One group at a time per process.
class AtomicFileGroup {
 public:
  AtomicFileGroup();
  ~AtomicFileGroup();
  AtomicFileGroup(const AtomicFileGroup&) = delete;
  AtomicFileGroup& operator=(const AtomicFileGroup&) = delete;

  // Renames every flushed file over its destination, in the order they were committed; throws
  // smlm::Error naming the destination if a rename fails (the files not yet renamed are removed).
  void commit();

 private:
  friend class AtomicFile;
  struct Pending {
    std::string path, temp;
    int slot;
  };
  void add(Pending p);
  std::vector<Pending> pending_;
};

// Writes `content` to `path` through an AtomicFile, checking every write, the close and the
// flush to disk; throws smlm::Error naming `path` on failure (an existing file is left as it was).
void write_file_atomically(const std::string& path, std::string_view content);

// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove every live temporary file, then
// re-raise the signal with its default action (the process ends as killed by it: a shell reports
// 128 + signal). For programs, not libraries: it replaces the handlers already installed.
void install_temp_file_cleanup();

// The temporary-file prefix of `path`'s file name (".NAME.smlm-tmp-"), for tests and tools.
std::string temp_file_prefix(const std::string& path);

}  // namespace smlm
