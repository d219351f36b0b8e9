// `smlm bench` run as a user would: --quick with the test-only --min-time, its JSON (machine block,
// every workload with a positive finite rate) and table; --device cuda without a GPU, and an
// unwritable -o, fail at once on one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>
#include <string>

#include "kernels/device.h"
#include "tests/test_util.h"

namespace smlm {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

int smlm(const std::string& args, std::string* out) {
  return test::run_command(test::smlm_cli() + " " + args, out);
}

// The workloads every run reports, by id, and the unit of each rate.
const std::pair<const char*, const char*> kWorkloads[] = {
    {"fit_2d_7x7", "fits/s"},
    {"fit_2d_9x9", "fits/s"},
    {"fit_astigmatic_7x7", "fits/s"},
    {"fit_astigmatic_9x9", "fits/s"},
    {"fit_spline_7x7", "fits/s"},
    {"fit_spline_9x9", "fits/s"},
    {"detect_256x256", "frames/s"},
    {"detect_2048x2048", "frames/s"},
    {"localize_256x256", "frames/s"},
    {"localize_2048x2048", "frames/s"},
    {"deepstorm_inference", "frames/s"},
    {"deepstorm_training", "steps/s"},
};

TEST(CliBench, QuickRunReportsEveryWorkload) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("bench --quick --min-time 0.01 --threads 1 -o " + dir / "bench.json", &out), 0)
      << out;
  const std::string json = test::read_text(dir / "bench.json");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      json, m, std::regex("\"machine\": \\{\"cpu\": \"([^\"]+)\".*\"threads\": (\\d+)")))
      << json;
  EXPECT_NE(m[1], "unknown");
  EXPECT_EQ(m[2], "1");
  EXPECT_NE(json.find("\"gpu\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"quick\": true"), std::string::npos) << json;
  const std::regex row("\"id\": \"([^\"]+)\".*\"rate\": ([^,]+), \"unit\": \"([^\"]+)\"");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(json.begin(), json.end(), row), std::sregex_iterator()),
      std::size(kWorkloads))
      << json;
  for (const auto& [id, unit] : kWorkloads) {
    const std::regex this_row("\"id\": \"" + std::string(id) +
                              "\".*\"rate\": ([^,]+), \"unit\": \"([^\"]+)\"");
    ASSERT_TRUE(std::regex_search(json, m, this_row)) << id << " missing in " << json;
    const double rate = std::stod(m[1]);
    EXPECT_TRUE(std::isfinite(rate) && rate > 0) << id << ": " << m[1];
    EXPECT_EQ(m[2], unit) << id;
  }
  // The table on stdout: the machine first, then a line per workload; no progress when piped.
  EXPECT_EQ(out.rfind("smlm ", 0), 0u) << out;
  EXPECT_NE(out.find("CPU "), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5 + std::ssize(kWorkloads)) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(CliBench, CudaWithoutAGpuFailsOnOneLine) {
  if (kernels::cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  TempDir dir;
  std::string out;
  EXPECT_EQ(smlm("bench --quick --device cuda -o " + dir / "bench.json", &out), 1);
  EXPECT_EQ(out.rfind("smlm bench: error: device 'cuda'", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_TRUE(fs::is_empty(dir.path()));
  EXPECT_EQ(smlm("bench --quick --device cuda:1", &out), 1);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(CliBench, UnwritableOutputFailsBeforeRunning) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(smlm("bench --quick -o " + dir / "no/such/folder/bench.json", &out), 1);
  EXPECT_NE(out.find("no/such/folder"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(smlm("bench --min-time -1", &out), 1);
  EXPECT_NE(out.find("--min-time"), std::string::npos) << out;
}

}  // namespace
}  // namespace smlm
