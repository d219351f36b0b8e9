#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include "core/error.h"

namespace smlm {

namespace fs = std::filesystem;

namespace {

// The registry of live temporary files that the signal handlers remove. Fixed storage, so that a
// handler reads it without allocating or locking: a slot is claimed free -> busy (compare and
// swap), filled, then published as live; the handler unlinks live slots only. A file is created
// after its slot is live and the slot is freed only after the file was renamed or removed.
constexpr int kSlots = 256;
constexpr size_t kPathMax = 4096;
enum SlotState : int { kFree = 0, kBusy = 1, kLive = 2 };
std::atomic<int> g_slot_state[kSlots];
char g_slot_path[kSlots][kPathMax];
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

// -1 when the registry is full or the path too long: the file is then still removed on errors,
// only not by the signal handlers.
int register_temp(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slot_state[i].compare_exchange_strong(expected, kBusy)) {
      std::memcpy(g_slot_path[i], path.c_str(), path.size() + 1);
      g_slot_state[i].store(kLive, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) g_slot_state[slot].store(kFree, std::memory_order_release);
}

// Async-signal-safe: atomic loads, unlink(2), signal(2) and raise(3) only.
extern "C" void remove_temp_files_and_reraise(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_slot_state[i].load(std::memory_order_acquire) == kLive) ::unlink(g_slot_path[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);  // pending until this handler returns, then the default action ends the process
}

std::mutex g_group_mutex;
AtomicFileGroup* g_group = nullptr;

// Removes `.NAME.smlm-tmp-PID-*` beside `p` whose process no longer runs (a SIGKILL, a crash).
void remove_stale_temps(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* rest = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &rest, 10);
    if (pid <= 0 || rest == name.c_str() + prefix.size() || *rest != '-' || pid == ::getpid())
      continue;
    if (::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

std::string temp_file_prefix(const std::string& path) {
  std::string prefix = ".";  // not "." + name + …: g++ 12 -Wrestrict false positive
  prefix += fs::path(path).filename().string();
  prefix += ".smlm-tmp-";
  return prefix;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  SMLM_CHECK(!path_.empty(), "output file name is empty");
  const fs::path p(path_);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  SMLM_CHECK(fs::is_directory(dir, ec),
             path_ << ": folder '" << dir.string() << "' does not exist");
  SMLM_CHECK(!fs::is_directory(p, ec), path_ << ": is a folder, not a file");
  const std::string prefix = temp_file_prefix(path_);
  remove_stale_temps(dir, prefix);
  std::random_device rd;
  temp_ =
      (dir / (prefix + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000))).string();
  slot_ = register_temp(temp_);
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  std::remove(temp_.c_str());
  unregister_temp(slot_);
}

void AtomicFile::commit() {
  // fsync so that a full disk or an I/O error shows up here, not after the rename.
  const int fd = ::open(temp_.c_str(), O_RDONLY);
  SMLM_CHECK(fd >= 0, path_ << ": cannot reopen temporary file: " << std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  SMLM_CHECK(rc == 0, path_ << ": write failed: " << std::strerror(errno));
  {
    std::lock_guard<std::mutex> lock(g_group_mutex);
    if (g_group) {
      g_group->add({path_, temp_, slot_});
      committed_ = true;
      return;
    }
  }
  SMLM_CHECK(std::rename(temp_.c_str(), path_.c_str()) == 0,
             path_ << ": cannot write: " << std::strerror(errno));
  unregister_temp(slot_);
  committed_ = true;
}

AtomicFileGroup::AtomicFileGroup() {
  std::lock_guard<std::mutex> lock(g_group_mutex);
  SMLM_ASSERT(g_group == nullptr && "one AtomicFileGroup at a time");
  g_group = this;
}

AtomicFileGroup::~AtomicFileGroup() {
  std::lock_guard<std::mutex> lock(g_group_mutex);
  for (const Pending& p : pending_) {
    std::remove(p.temp.c_str());
    unregister_temp(p.slot);
  }
  g_group = nullptr;
}

void AtomicFileGroup::add(Pending p) {
  // A second commit to the same destination replaces the first.
  for (Pending& q : pending_)
    if (q.path == p.path) {
      std::remove(q.temp.c_str());
      unregister_temp(q.slot);
      q = std::move(p);
      return;
    }
  pending_.push_back(std::move(p));
}

void AtomicFileGroup::commit() {
  std::lock_guard<std::mutex> lock(g_group_mutex);
  std::vector<Pending> pending;
  pending.swap(pending_);
  for (size_t i = 0; i < pending.size(); ++i) {
    if (std::rename(pending[i].temp.c_str(), pending[i].path.c_str()) == 0) {
      unregister_temp(pending[i].slot);
      continue;
    }
    const int err = errno;
    for (size_t j = i; j < pending.size(); ++j) {
      std::remove(pending[j].temp.c_str());
      unregister_temp(pending[j].slot);
    }
    throw Error(pending[i].path + ": cannot write: " + std::strerror(err));
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  SMLM_CHECK(f != nullptr, path << ": cannot write: " << std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const int write_error = errno;
  const bool closed = std::fclose(f) == 0;  // flushes the last buffer: a full disk shows here
  const int close_error = errno;
  SMLM_CHECK(written, path << ": write failed: " << std::strerror(write_error));
  SMLM_CHECK(closed, path << ": write failed: " << std::strerror(close_error));
  file.commit();
}

void install_temp_file_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = remove_temp_files_and_reraise;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sa.sa_mask, sig);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    // A signal the parent ignores (nohup, a background job's SIGINT) stays ignored.
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace smlm
