// Tests for AtomicFile: the destination appears only on commit(), complete; without commit
// nothing is left behind; a missing folder is a clear error.
#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "tests/test_util.h"

namespace smlm {
namespace {

using test::read_text;
using test::write_text;

namespace fs = std::filesystem;

size_t count_entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicFile, CommitRenamesTemporaryOverDestination) {
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  std::string temp;
  {
    AtomicFile file(path);
    temp = file.temp_path();
    EXPECT_NE(temp, path);
    EXPECT_EQ(fs::path(temp).parent_path(), fs::path(path).parent_path());
    write_text(temp, "complete\n");
    EXPECT_FALSE(fs::exists(path)) << "destination must not appear before commit()";
    file.commit();
    EXPECT_EQ(file.path(), path);
  }
  EXPECT_EQ(read_text(path), "complete\n");
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

TEST(AtomicFile, WithoutCommitNothingIsLeft) {
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  std::string temp;
  {
    AtomicFile file(path);
    temp = file.temp_path();
    write_text(temp, "half a fi");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(count_entries(dir.path()), 0u);
}

TEST(AtomicFile, WithoutCommitAnExistingFileIsUntouched) {
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  write_text(path, "old\n");
  {
    AtomicFile file(path);
    write_text(file.temp_path(), "new but unfinished");
  }
  EXPECT_EQ(read_text(path), "old\n");
  EXPECT_EQ(count_entries(dir.path()), 1u);

  {
    AtomicFile file(path);
    write_text(file.temp_path(), "new\n");
    file.commit();
  }
  EXPECT_EQ(read_text(path), "new\n");
}

TEST(AtomicFile, MissingFolderIsAClearError) {
  test::TempDir dir;
  const std::string path = (dir.path() / "no-such-folder" / "out.csv").string();
  std::optional<std::string> message;
  try {
    AtomicFile file(path);
  } catch (const Error& e) {
    message = e.what();
  }
  ASSERT_TRUE(message.has_value()) << "expected smlm::Error for a missing folder";
  EXPECT_NE(message->find(path), std::string::npos) << *message;
  EXPECT_NE(message->find("does not exist"), std::string::npos) << *message;
  EXPECT_FALSE(fs::exists(dir / "no-such-folder"));
}

TEST(AtomicFile, TemporaryNameCarriesThePid) {
  test::TempDir dir;
  AtomicFile file(dir / "out.csv");
  const std::string name = fs::path(file.temp_path()).filename().string();
  const std::string prefix = ".out.csv.smlm-tmp-" + std::to_string(::getpid()) + "-";
  EXPECT_EQ(name.rfind(prefix, 0), 0u) << name;
  EXPECT_EQ(temp_file_prefix(dir / "out.csv"), ".out.csv.smlm-tmp-");
}

TEST(AtomicFile, StaleTemporaryFilesOfDeadProcessesAreRemoved) {
  test::TempDir dir;
  // A child that exits at once: its PID runs no more (until reused, which the test accepts).
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const std::string stale = dir / (".out.csv.smlm-tmp-" + std::to_string(child) + "-42");
  const std::string alive = dir / (".out.csv.smlm-tmp-" + std::to_string(::getppid()) + "-42");
  const std::string other = dir / (".other.csv.smlm-tmp-" + std::to_string(child) + "-42");
  for (const auto& p : {stale, alive, other}) write_text(p, "left by a killed run");
  {
    AtomicFile file(dir / "out.csv");
    write_text(file.temp_path(), "new\n");
    file.commit();
  }
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(alive)) << "a running process's temporary file must stay";
  EXPECT_TRUE(fs::exists(other)) << "only the same output's temporary files are removed";
  EXPECT_EQ(read_text(dir / "out.csv"), "new\n");
}

// A child writes two outputs, then is sent `sig`: it must die of the signal, and neither its
// temporary files nor its outputs may remain.
void expect_signal_removes_temporary_files(int sig) {
  test::TempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    install_temp_file_cleanup();
    AtomicFile a(dir / "a.tif"), b(dir / "b.csv");
    write_text(a.temp_path(), "movie");
    write_text(b.temp_path(), "table");
    if (::write(ready[1], "x", 1) != 1) ::_exit(3);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  EXPECT_EQ(count_entries(dir.path()), 2u) << "the child's temporary files";
  ::kill(child, sig);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
  EXPECT_EQ(WTERMSIG(status), sig);
  EXPECT_EQ(count_entries(dir.path()), 0u);
}

TEST(AtomicFile, SigtermRemovesTemporaryFiles) { expect_signal_removes_temporary_files(SIGTERM); }
TEST(AtomicFile, SigintRemovesTemporaryFiles) { expect_signal_removes_temporary_files(SIGINT); }
TEST(AtomicFile, SighupRemovesTemporaryFiles) { expect_signal_removes_temporary_files(SIGHUP); }

TEST(AtomicFileGroup, CommitsEveryFileTogether) {
  test::TempDir dir;
  {
    AtomicFileGroup group;
    AtomicFile a(dir / "a.csv"), b(dir / "b.csv");
    write_text(a.temp_path(), "a\n");
    write_text(b.temp_path(), "b\n");
    a.commit();
    b.commit();
    EXPECT_FALSE(fs::exists(dir / "a.csv")) << "renamed only by the group's commit()";
    group.commit();
  }
  EXPECT_EQ(read_text(dir / "a.csv"), "a\n");
  EXPECT_EQ(read_text(dir / "b.csv"), "b\n");
  EXPECT_EQ(count_entries(dir.path()), 2u);
}

TEST(AtomicFileGroup, AFailureLaterLeavesNoOutput) {
  test::TempDir dir;
  write_text(dir / "a.csv", "old\n");
  try {
    AtomicFileGroup group;
    AtomicFile a(dir / "a.csv");
    write_text(a.temp_path(), "new\n");
    a.commit();
    AtomicFile b(dir / "missing/b.csv");  // throws: the command fails after its first output
    group.commit();
  } catch (const Error&) {
  }
  EXPECT_EQ(read_text(dir / "a.csv"), "old\n");
  EXPECT_EQ(count_entries(dir.path()), 1u);
  // The group is closed: commits rename at once again.
  AtomicFile c(dir / "c.csv");
  write_text(c.temp_path(), "c\n");
  c.commit();
  EXPECT_EQ(read_text(dir / "c.csv"), "c\n");
}

}  // namespace
}  // namespace smlm
