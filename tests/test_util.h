// Helpers shared by the tests: where the real data is (tests that need it skip without it), a
// fresh temporary folder per test, and the path of the built `smlm` command.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace smlm::test {

// ../shared/data beside the project, or "" when absent (a user's clone).
std::string shared_data(const std::string& relative);

// Skips the current test when ../shared/data/<relative> is absent.
#define SMLM_REQUIRE_SHARED_DATA(path_var, relative)                \
  const std::string path_var = ::smlm::test::shared_data(relative); \
  if (path_var.empty()) GTEST_SKIP() << "shared data '" << relative << "' absent"

// A new empty folder, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command, returns its exit status; stdout+stderr go to `output` if given.
int run_command(const std::string& cmd, std::string* output = nullptr);

// Path of the built smlm executable.
std::string smlm_cli();

// Whole files as bytes.
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

// The message of the smlm::Error that f() throws; a test failure (and "") if it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected smlm::Error";
  return {};
}

// What a value becomes after a trip through float32 (the precision of most file formats' columns).
inline double f32(double v) { return static_cast<double>(static_cast<float>(v)); }
// Equal, or both NaN: how a round trip through a file must give a value back.
inline bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace smlm::test
