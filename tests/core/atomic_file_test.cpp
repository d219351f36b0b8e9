// Tests for AtomicFile: the destination appears only on commit(), complete; without commit
// nothing is left behind; a missing folder is a clear error.
#include "core/atomic_file.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace smlm
