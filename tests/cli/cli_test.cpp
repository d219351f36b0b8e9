// Runs the built `smlm` command as a user would: simulate → localize → render → evaluate, and
// bad input of every kind, which must give one line naming the problem, a non-zero exit code
// and no output file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "io/thunderstorm_csv.h"
#include "io/tiff_movie.h"
#include "tests/test_util.h"

namespace smlm {
namespace {

namespace fs = std::filesystem;
using test::run_command;
using test::smlm_cli;
using test::TempDir;

int smlm(const std::string& args, std::string* out = nullptr) {
  return run_command(smlm_cli() + " " + args, out);
}

double json_number(const std::string& json, const std::string& key) {
  const std::regex re("\"" + key + "\": ([-0-9.eE+]+)");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(json, m, re)) << key << " in " << json;
  return m.empty() ? NAN : std::stod(m[1]);
}

// One line on stderr, naming `what`, and nothing else.
void expect_one_line_error(const std::string& output, const std::string& what) {
  EXPECT_NE(output.find(what), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
}

bool folder_has_only(const fs::path& dir, std::initializer_list<std::string> names) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++n;
    if (std::find(names.begin(), names.end(), e.path().filename().string()) == names.end())
      return false;
  }
  return n == names.size();
}

TEST(Cli, SimulateLocalizeRenderEvaluate) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "movie.tif" + " --truth " + dir / "truth.csv" +
                     " --frames 100 --size 64 --density 0.2 --photons 3000 --background 10"
                     " --k-off 0.3 --seed 5",
                 &out),
            0)
      << out;
  io::TiffMovieReader movie(dir / "movie.tif");
  EXPECT_EQ(movie.num_frames(), 100);
  EXPECT_EQ(movie.width(), 64);
  ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + dir / "locs.csv", &out), 0) << out;
  const auto locs = io::read_thunderstorm_csv(dir / "locs.csv");
  EXPECT_GT(locs.size(), 100u);
  ASSERT_EQ(smlm("render " + dir / "locs.csv" + " -o " + dir / "image.png", &out), 0) << out;
  ASSERT_EQ(
      smlm("render " + dir / "locs.csv" + " -o " + dir / "image.tif --method histogram", &out), 0)
      << out;
  EXPECT_GT(fs::file_size(dir / "image.png"), 100u);
  ASSERT_EQ(smlm("evaluate " + dir / "locs.csv" + " --truth " + dir / "truth.csv", &out), 0) << out;
  // Blinking with partial-frame on-times: some truth rows hold a few photons only.
  EXPECT_GT(json_number(out, "recall"), 0.8);
  EXPECT_GT(json_number(out, "precision"), 0.95);
  EXPECT_LT(json_number(out, "rmse_lateral_nm"), 60);
  EXPECT_LT(std::fabs(json_number(out, "bias_x_nm")), 3);
  // Piped: no progress output, only the summary line.
  ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + dir / "again.csv", &out), 0);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(Cli, ConvertRoundTripsThroughEveryFormat) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" +
                     " --frames 20 --size 32 --density 1",
                 &out),
            0);
  const auto original = io::read_thunderstorm_csv(dir / "t.csv");
  ASSERT_GT(original.size(), 10u);
  std::string prev = dir / "t.csv";
  for (const char* ext : {"h5", "smlm", "ply", "csv"}) {
    const std::string next = dir / (std::string("c.") + ext);
    ASSERT_EQ(smlm("convert " + prev + " -o " + next + " --pixel-size 100", &out), 0) << out;
    prev = next;
  }
  const auto back = io::read_thunderstorm_csv(prev);
  ASSERT_EQ(back.size(), original.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[col::frame][i], original[col::frame][i]);
    EXPECT_NEAR(back[col::x][i], original[col::x][i], 1e-3);  // float32 on the way
    EXPECT_NEAR(back[col::y][i], original[col::y][i], 1e-3);
  }
  EXPECT_NE(smlm("convert " + prev + " -o " + dir / "x.xyz", &out), 0);
  expect_one_line_error(out, "x.xyz");
}

TEST(Cli, TrainDeepStormAndLocalizeWithIt) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" +
                     " --frames 20 --size 32 --density 1 --k-on 50 --k-off 0 --seed 9",
                 &out),
            0);
  // A tiny net for a few steps: this checks the plumbing, the library tests check the learning.
  ASSERT_EQ(smlm("train deepstorm -o " + dir / "model.h5" + " --like " + dir / "m.tif" +
                     " --steps 30 --upsampling 4 --widths 8,16,32,64 --patch 16 --batch 4",
                 &out),
            0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "ds.csv" +
                     " --method deepstorm --model " + dir / "model.h5",
                 &out),
            0)
      << out;
  EXPECT_TRUE(fs::exists(dir / "ds.csv"));
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "dsr.csv" +
                     " --method deepstorm --refine mle --model " + dir / "model.h5",
                 &out),
            0)
      << out;
  EXPECT_TRUE(io::read_thunderstorm_csv(dir / "dsr.csv").has(col::uncertainty_xy));
  EXPECT_NE(
      smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --method deepstorm", &out), 0);
  expect_one_line_error(out, "--model");
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv" +
                     " --method deepstorm --model " + dir / "t.csv",
                 &out),
            0);
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
}

TEST(Cli, HelpAndUnknownCommands) {
  std::string out;
  EXPECT_EQ(smlm("--help", &out), 0);
  for (const char* cmd : {"simulate", "localize", "render", "evaluate", "convert", "calibrate",
                          "postprocess", "frc"}) {
    EXPECT_NE(out.find(cmd), std::string::npos);
    std::string help;
    EXPECT_EQ(smlm(std::string(cmd) + " --help", &help), 0);
    EXPECT_NE(help.find("usage: smlm " + std::string(cmd)), std::string::npos) << help;
  }
  EXPECT_NE(smlm("frobnicate", &out), 0);
  EXPECT_NE(smlm("localize --no-such-option x", &out), 0);
  expect_one_line_error(out, "--no-such-option");
}

TEST(Cli, MissingMovie) {
  TempDir dir;
  std::string out;
  EXPECT_NE(smlm("localize " + dir / "nope.tif" + " -o " + dir / "locs.csv", &out), 0);
  expect_one_line_error(out, "nope.tif");
  EXPECT_FALSE(fs::exists(dir / "locs.csv"));
}

TEST(Cli, TruncatedMovieLeavesNoOutput) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "movie.tif" + " --truth " + dir / "truth.csv" +
                     " --frames 20 --size 32",
                 &out),
            0);
  fs::resize_file(dir / "movie.tif", fs::file_size(dir / "movie.tif") / 2);
  EXPECT_NE(smlm("localize " + dir / "movie.tif" + " -o " + dir / "locs.csv", &out), 0);
  expect_one_line_error(out, "movie.tif");
  EXPECT_TRUE(folder_has_only(dir.path(), {"movie.tif", "truth.csv"}));
}

TEST(Cli, CorruptTiff) {
  TempDir dir;
  std::ofstream(dir / "bad.tif") << "II*\0garbage that is not a TIFF";
  std::string out;
  EXPECT_NE(smlm("localize " + dir / "bad.tif" + " -o " + dir / "locs.csv", &out), 0);
  expect_one_line_error(out, "bad.tif");
  EXPECT_FALSE(fs::exists(dir / "locs.csv"));
}

TEST(Cli, CsvWithWrongColumns) {
  TempDir dir;
  std::ofstream(dir / "wrong.csv") << "\"frame\",\"a [nm]\",\"b [nm]\"\n1,2,3\n";
  std::string out;
  EXPECT_NE(smlm("render " + dir / "wrong.csv" + " -o " + dir / "image.png", &out), 0);
  expect_one_line_error(out, "wrong.csv");
  EXPECT_FALSE(fs::exists(dir / "image.png"));
  EXPECT_NE(smlm("evaluate " + dir / "wrong.csv" + " --truth " + dir / "wrong.csv", &out), 0);
  expect_one_line_error(out, "wrong.csv");
}

TEST(Cli, ImpossibleParameters) {
  TempDir dir;
  std::string out;
  const std::string sim = "simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv";
  EXPECT_NE(smlm(sim + " --photons nan", &out), 0);
  expect_one_line_error(out, "--photons");
  EXPECT_NE(smlm(sim + " --background -5", &out), 0);
  expect_one_line_error(out, "background");
  EXPECT_NE(smlm(sim + " --size 0", &out), 0);
  expect_one_line_error(out, "--size");
  EXPECT_NE(smlm(sim + " --qe 2", &out), 0);
  expect_one_line_error(out, "QE");
  EXPECT_TRUE(fs::is_empty(dir.path()));
  ASSERT_EQ(smlm(sim + " --frames 3 --size 32", &out), 0);
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "l.csv --pixel-size -100", &out), 0);
  expect_one_line_error(out, "pixel size");
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "l.csv --roi 4", &out), 0);
  expect_one_line_error(out, "--roi");
  EXPECT_FALSE(fs::exists(dir / "l.csv"));
}

TEST(Cli, UnwritableOutput) {
  TempDir dir;
  std::string out;
  EXPECT_NE(smlm("simulate -o " + dir / "no/such/folder/m.tif" + " --truth " + dir / "t.csv" +
                     " --frames 2 --size 16",
                 &out),
            0);
  expect_one_line_error(out, "no/such/folder");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace smlm
