// Runs the built `smlm` command as a user would: simulate → localize → render → evaluate, and
// bad input of every kind, which must give one line naming the problem, a non-zero exit code
// and no output file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

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

// Multi-emitter fitting on a crowded movie: more molecules found, closer; the goodness-of-fit
// column and its filter; one-line errors for impossible flags.
TEST(Cli, LocalizeMultiEmitter) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "movie.tif" + " --truth " + dir / "truth.csv" +
                     " --frames 8 --size 64 --density 3 --photons 2000 --background 20"
                     " --k-off 0 --seed 3",
                 &out),
            0)
      << out;
  ASSERT_EQ(
      smlm("localize " + dir / "movie.tif" + " -o " + dir / "single.csv --single-emitter", &out), 0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + dir / "multi.csv" +
                     " --multi-emitter --max-emitters 3",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("multi-emitter <= 3"), std::string::npos) << out;
  // The Ceres fitter: the same model and search (more iterations: Ceres' own LM needs them).
  ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + dir / "ceres.csv" +
                     " --multi-emitter --fitter ceres --max-iterations 200",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("ceres fitter"), std::string::npos) << out;
  double jaccard[3], rmse[3];
  for (int m = 0; m < 3; ++m) {
    ASSERT_EQ(
        smlm("evaluate " + dir / (m == 0 ? "single.csv" : (m == 1 ? "multi.csv" : "ceres.csv")) +
                 " --truth " + dir / "truth.csv" + " --radius 100",
             &out),
        0)
        << out;
    jaccard[m] = json_number(out, "jaccard");
    rmse[m] = json_number(out, "rmse_lateral_nm");
  }
  EXPECT_GT(jaccard[1], jaccard[0]);
  EXPECT_LT(rmse[1], rmse[0]);
  EXPECT_GT(jaccard[2], jaccard[0]);
  EXPECT_LT(rmse[2], rmse[0]);
  const LocalizationTable single = io::read_thunderstorm_csv(dir / "single.csv");
  ASSERT_TRUE(single.has(col::p_value));
  ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + dir / "good.csv" +
                     " --single-emitter --min-p-value 0.001",
                 &out),
            0)
      << out;
  const LocalizationTable good = io::read_thunderstorm_csv(dir / "good.csv");
  EXPECT_LT(good.size(), single.size());
  for (double p : good[col::p_value]) EXPECT_GE(p, 0.001);

  for (const auto& [flags, what] :
       {std::pair<std::string, std::string>{"--multi-emitter --max-emitters 9", "--max-emitters"},
        {"--single-emitter --max-emitters 3", "--single-emitter"},
        {"--single-emitter --multi-emitter", "exclude each other"},
        {"--min-p-value 1", "--min-p-value"}}) {
    EXPECT_NE(smlm("localize " + dir / "movie.tif" + " -o " + dir / "bad.csv " + flags, &out), 0);
    expect_one_line_error(out, what);
    EXPECT_FALSE(fs::exists(dir / "bad.csv"));
  }
}

// Localizations of isolated molecules (no other within 700 nm in their frame) against the truth:
// how many were found within 100 nm, their RMSE and √mean(CRLB) [nm] from uncertainty_xy.
struct Recovery {
  int isolated = 0, found = 0;
  double rmse = 0, crlb = 0;
};
Recovery recovery(const std::string& locs_csv, const std::string& truth_csv) {
  const LocalizationTable t = io::read_thunderstorm_csv(truth_csv);
  const LocalizationTable l = io::read_thunderstorm_csv(locs_csv);
  Recovery r;
  double se = 0, crlb = 0;
  for (size_t q = 0; q < t.size(); ++q) {
    bool alone = true;
    for (size_t u = 0; u < t.size(); ++u)
      alone = alone && (u == q || t[col::frame][u] != t[col::frame][q] ||
                        std::hypot(t[col::x][u] - t[col::x][q], t[col::y][u] - t[col::y][q]) > 700);
    if (!alone) continue;
    ++r.isolated;
    double best = 1e300, unc = 0;
    for (size_t k = 0; k < l.size(); ++k) {
      const double d = std::hypot(l[col::x][k] - t[col::x][q], l[col::y][k] - t[col::y][q]);
      if (l[col::frame][k] == t[col::frame][q] && d < best) {
        best = d;
        unc = l[col::uncertainty_xy][k];
      }
    }
    if (best > 100) continue;
    ++r.found;
    se += best * best;
    crlb += 2 * unc * unc;
  }
  r.rmse = std::sqrt(se / r.found);
  r.crlb = std::sqrt(crlb / r.found);
  return r;
}

// sCMOS: simulate with random per-pixel maps and write them, localize with them: the truth at the
// CRLB, where the same movie taken for a uniform camera is localized worse; a movie cropped from
// the sensor with its origin; one-line errors for maps that do not fit.
TEST(Cli, ScmosMapsFromSimulateToLocalize) {
  TempDir dir;
  std::string out;
  const std::string common =
      " --density 0.2 --photons 2000 --background 10 --k-on 50 --k-off 0 --frames 60";
  ASSERT_EQ(smlm("simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" + common +
                     " --size 64x48 --seed 4 --camera-maps-out " + dir / "maps.tif",
                 &out),
            0)
      << out;
  ASSERT_EQ(
      smlm("localize " + dir / "m.tif" + " -o " + dir / "l.csv --camera-maps " + dir / "maps.tif",
           &out),
      0)
      << out;
  const Recovery with = recovery(dir / "l.csv", dir / "t.csv");
  // The maps' mean offset and gain (100 ADU, 0.5 ADU/e-) as a uniform camera.
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "u.csv" +
                     " --baseline 100 --photons-per-adu 2",
                 &out),
            0)
      << out;
  const Recovery without = recovery(dir / "u.csv", dir / "t.csv");
  std::printf(
      "[ sCMOS     ] %d of %d isolated molecules, rmse %.2f nm, sqrt(CRLB) %.2f nm; "
      "uniform camera: %d found, rmse %.2f nm\n",
      with.found, with.isolated, with.rmse, with.crlb, without.found, without.rmse);
  ASSERT_GT(with.isolated, 100);
  EXPECT_GE(with.found, 0.98 * with.isolated);
  EXPECT_LT(with.rmse, 1.2 * with.crlb);
  EXPECT_GT(without.rmse, 1.2 * with.rmse);

  // A 32 × 24 crop of the same sensor at (20, 16), simulated and localized with its origin.
  const std::string crop = " --camera-maps " + dir / "maps.tif" + " --camera-maps-origin 20,16";
  ASSERT_EQ(smlm("simulate -o " + dir / "c.tif" + " --truth " + dir / "ct.csv" + common +
                     " --size 32x24 --seed 5" + crop,
                 &out),
            0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "c.tif" + " -o " + dir / "cl.csv" + crop, &out), 0) << out;
  const Recovery cropped = recovery(dir / "cl.csv", dir / "ct.csv");
  EXPECT_GE(cropped.found, 0.95 * cropped.isolated);
  EXPECT_LT(cropped.rmse, 1.3 * cropped.crlb);

  // Errors: the crop without its origin, one off the sensor, options the maps replace, a file
  // that is not maps.
  EXPECT_NE(
      smlm("localize " + dir / "c.tif" + " -o " + dir / "x.csv --camera-maps " + dir / "maps.tif",
           &out),
      0);
  expect_one_line_error(out, "maps.tif' are 64 x 48 px, the frames 32 x 24 px");
  EXPECT_NE(smlm("localize " + dir / "c.tif" + " -o " + dir / "x.csv --camera-maps " +
                     dir / "maps.tif --camera-maps-origin 40,0",
                 &out),
            0);
  expect_one_line_error(out, "leave the 64 x 48 px sensor");
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv --camera-maps " +
                     dir / "maps.tif --baseline 90",
                 &out),
            0);
  expect_one_line_error(out, "--camera-maps replaces --baseline");
  EXPECT_NE(
      smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv --camera-maps " + dir / "t.csv",
           &out),
      0);
  expect_one_line_error(out, "t.csv");
  EXPECT_NE(smlm("simulate -o " + dir / "y.tif" + " --truth " + dir / "y.csv" +
                     " --camera-maps-out " + dir / "maps2.tif --em-gain 100",
                 &out),
            0);
  expect_one_line_error(out, "--camera-maps-out replaces --em-gain");
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  EXPECT_FALSE(fs::exists(dir / "y.tif"));
  EXPECT_FALSE(fs::exists(dir / "maps2.tif"));
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
  // Without --method, the model file says which net it is: the same table.
  ASSERT_EQ(
      smlm("localize " + dir / "m.tif" + " -o " + dir / "ds2.csv" + " --model " + dir / "model.h5",
           &out),
      0)
      << out;
  EXPECT_EQ(test::read_text(dir / "ds2.csv"), test::read_text(dir / "ds.csv"));
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --method mle --model " +
                     dir / "model.h5",
                 &out),
            0);
  expect_one_line_error(out, "--model");
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

TEST(Cli, StructuredBackgroundsAndBgNet) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" +
                     " --frames 100 --size 48 --density 0.3 --photons 1500 --background 10"
                     " --background-structure perlin:40:600:3 --seed 5",
                 &out),
            0)
      << out;
  // The whole background next to the truth: 10 photons/px plus up to 40 of structure.
  const ImageF map = io::read_tiff_image(dir / "t.background.tif");
  ASSERT_EQ(map.width(), 48);
  ASSERT_EQ(map.height(), 48);
  const auto [lo, hi] = std::minmax_element(map.data(), map.data() + map.size());
  EXPECT_GE(*lo, 10.f);
  EXPECT_LE(*hi, 50.f);
  EXPECT_GT(*hi - *lo, 15.f);
  // A user's own map: the same movie from the map file.
  ASSERT_EQ(smlm("simulate -o " + dir / "m2.tif" + " --truth " + dir / "t2.csv" +
                     " --frames 100 --size 48 --density 0.3 --photons 1500 --background 0"
                     " --background-structure file:" +
                     dir / "t.background.tif" + " --seed 5",
                 &out),
            0)
      << out;
  EXPECT_EQ(test::read_text(dir / "m2.tif"), test::read_text(dir / "m.tif"));
  // The known map in the likelihood beats the flat model on this movie.
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "flat.csv", &out), 0) << out;
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "map.csv" + " --background-map " +
                     dir / "t.background.tif",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("known background map in the likelihood"), std::string::npos) << out;
  std::string flat, known;
  ASSERT_EQ(smlm("evaluate " + dir / "flat.csv" + " --truth " + dir / "t.csv", &flat), 0);
  ASSERT_EQ(smlm("evaluate " + dir / "map.csv" + " --truth " + dir / "t.csv", &known), 0);
  EXPECT_LT(json_number(known, "rmse_lateral_nm"), 0.9 * json_number(flat, "rmse_lateral_nm"));
  EXPECT_GT(json_number(known, "jaccard"), json_number(flat, "jaccard"));
  // BGNet: the plumbing (a few steps; the library tests and the bench check the learning).
  ASSERT_EQ(
      smlm("train bgnet -o " + dir / "bg.h5" + " --steps 20 --width 4 --roi 12 --batch 8", &out), 0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "bg.csv" + " --background-model " +
                     dir / "bg.h5" + " --background-use subtract",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("BGNet model"), std::string::npos) << out;
  EXPECT_TRUE(io::read_thunderstorm_csv(dir / "bg.csv").size() > 100);
  // Misuse: one line each, no output.
  for (const std::string& bad :
       {"localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --background-use subtract",
        "localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --background-model " +
            dir / "bg.h5" + " --background-use median",
        "localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --background-map " +
            dir / "t.background.tif" + " --background-model " + dir / "bg.h5",
        "localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --method deepstorm --model " +
            dir / "bg.h5" + " --background-model " + dir / "bg.h5",
        "localize " + dir / "m.tif" + " -o " + dir / "x.csv" + " --model " + dir / "bg.h5",
        "simulate -o " + dir / "x.tif" + " --truth " + dir / "x.csv" +
            " --background-structure perlin:x:600",
        "simulate -o " + dir / "x.tif" + " --truth " + dir / "x.csv" +
            " --size 32 --background-structure file:" + dir / "t.background.tif"}) {
    EXPECT_NE(smlm(bad, &out), 0) << bad;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << bad << "\n" << out;
    EXPECT_FALSE(fs::exists(dir / "x.csv")) << bad;
    EXPECT_FALSE(fs::exists(dir / "x.tif")) << bad;
  }
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

// ---- Nothing lost, nothing crashes (issue 12) ----
// Each case: a non-zero exit, one line naming the file or option and the problem, and the folder
// exactly as before (inputs unchanged, no output, no temporary file).

// Every file of a folder (recursively) with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      files[fs::relative(e.path(), dir).string()] = test::read_text(e.path().string());
  return files;
}

// Runs `args`, which must fail with one line naming `what`, and leave `dir` as it was.
void expect_refused(const TempDir& dir, const std::string& args, const std::string& what) {
  const auto before = snapshot(dir.path());
  std::string out;
  EXPECT_NE(smlm(args, &out), 0) << args;
  expect_one_line_error(out, what);
  EXPECT_EQ(snapshot(dir.path()), before) << "after: smlm " << args;
}

std::string simulate_small(const TempDir& dir, const std::string& movie = "m.tif",
                           const std::string& truth = "t.csv") {
  std::string out;
  EXPECT_EQ(smlm("simulate -o " + dir / movie + " --truth " + dir / truth +
                     " --frames 10 --size 32 --density 1 --seed 3",
                 &out),
            0)
      << out;
  return out;
}

// A z-stack of five beads with astigmatic elliptical Gaussians (20 nm steps), for `calibrate`.
void write_bead_stack(const std::string& path) {
  const int w = 80, h = 80, n = 41;
  const double beads[4][2] = {{20.3, 22.7}, {58.8, 18.4}, {25.6, 60.2}, {60.4, 62.9}};
  io::TiffMovieWriter writer(path, w, h, io::PixelType::u16, false, n);
  for (int k = 0; k < n; ++k) {
    const double z = -400.0 + 20.0 * k;
    const double sx = 1.3 * std::sqrt(1 + std::pow((z + 200) / 320, 2));
    const double sy = 1.4 * std::sqrt(1 + std::pow((z - 220) / 300, 2));
    ImageF frame(w, h, 108.0f);
    for (const auto& b : beads)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          frame(x, y) += static_cast<float>(
              20000 / (2 * M_PI * sx * sy) *
              std::exp(-0.5 * (std::pow((x - b[0]) / sx, 2) + std::pow((y - b[1]) / sy, 2))));
    writer.write(frame);
  }
  writer.close();
}

// 3D multi-emitter fitting: a calibration from a bead stack, a crowded astigmatic movie simulated
// with it, localized with and without --multi-emitter (astigmatic and spline models): more
// molecules found, closer; --max-emitters above 4 refused in 3D.
TEST(Cli, LocalizeMultiEmitter3d) {
  TempDir dir;
  std::string out;
  write_bead_stack(dir / "beads.tif");
  ASSERT_EQ(smlm("calibrate " + dir / "beads.tif" + " --z-step 20 -o " + dir / "psf.h5", &out), 0)
      << out;
  ASSERT_EQ(smlm("simulate -o " + dir / "movie.tif" + " --truth " + dir / "truth.csv" +
                     " --psf astig:" + dir / "psf.h5" +
                     " --z-range -300,300 --frames 6 --size 64 --density 1 --photons 2000"
                     " --background 20 --k-off 0 --seed 4",
                 &out),
            0)
      << out;
  for (const char* model : {"astigmatic", "spline"}) {
    double jaccard[2], rmse[2];
    for (int m = 0; m < 2; ++m) {
      const std::string locs = dir / (std::string(model) + (m ? "_multi.csv" : "_single.csv"));
      ASSERT_EQ(smlm("localize " + dir / "movie.tif" + " -o " + locs + " --psf " + dir / "psf.h5" +
                         " --psf-model " + model + (m ? " --multi-emitter" : " --single-emitter"),
                     &out),
                0)
          << out;
      if (m) {
        EXPECT_NE(out.find("multi-emitter <= 4"), std::string::npos) << out;
      }
      const LocalizationTable l = io::read_thunderstorm_csv(locs);
      ASSERT_TRUE(l.has(col::z) && l.has(col::uncertainty_z));
      ASSERT_EQ(smlm("evaluate " + locs + " --truth " + dir / "truth.csv" + " --radius 100", &out),
                0)
          << out;
      jaccard[m] = json_number(out, "jaccard");
      rmse[m] = json_number(out, "rmse_lateral_nm");
    }
    std::printf("%s: Jaccard single %.3f, multi %.3f; RMSE %.1f, %.1f nm\n", model, jaccard[0],
                jaccard[1], rmse[0], rmse[1]);
    EXPECT_GT(jaccard[1], jaccard[0] + 0.1) << model;
    EXPECT_LT(rmse[1], rmse[0]) << model;
  }
  EXPECT_NE(smlm("localize " + dir / "movie.tif" + " -o " + dir / "bad.csv --psf " +
                     dir / "psf.h5" + " --multi-emitter --max-emitters 5",
                 &out),
            0);
  expect_one_line_error(out, "--max-emitters: 5 must be between 1 and 4 with a 3D model");
  EXPECT_FALSE(fs::exists(dir / "bad.csv"));
}

TEST(CliHardening, ThreadsOutOfRangeIsAClearError) {
  TempDir dir;
  simulate_small(dir);
  for (const char* n : {"100000", "65535", "40000", "32768", "-1"})
    expect_refused(dir, "localize " + dir / "m.tif" + " -o " + dir / "l.csv --threads " + n,
                   "--threads");
  write_bead_stack(dir / "beads.tif");
  expect_refused(
      dir,
      "calibrate " + dir / "beads.tif" + " --z-step 20 -o " + dir / "psf.h5" + " --threads 100000",
      "--threads");
  std::string out;
  EXPECT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "l.csv --threads 1", &out), 0) << out;
}

TEST(CliHardening, OutputOnAnInputIsRefused) {
  TempDir dir;
  simulate_small(dir);
  std::string out;
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "l.csv", &out), 0) << out;
  fs::copy_file(dir / "m.tif", dir / "mv.csv");  // a movie named .csv
  fs::create_symlink(dir / "l.csv", dir / "link.csv");
  fs::create_directory(dir / "sub");
  write_bead_stack(dir / "beads.tif");
  const std::string m = dir / "m.tif", l = dir / "l.csv", t = dir / "t.csv";
  expect_refused(dir, "localize " + dir / "mv.csv" + " -o " + dir / "mv.csv", "mv.csv");
  expect_refused(dir, "localize " + m + " -o " + dir / "sub/../m.tif", "same file as the input");
  expect_refused(dir, "train deepstorm -o " + m + " --like " + m + " --steps 1", "--like");
  expect_refused(dir, "calibrate " + dir / "beads.tif" + " --z-step 20 -o " + dir / "beads.tif",
                 "beads.tif");
  expect_refused(dir, "evaluate " + l + " --truth " + t + " -o " + l, "l.csv");
  expect_refused(dir, "evaluate " + l + " --truth " + t + " -o " + dir / "link.csv", "link.csv");
  expect_refused(dir, "frc " + l + " --curve " + l, "--curve");
  expect_refused(dir, "render " + l + " -o " + dir / "link.csv", "link.csv");
  expect_refused(dir, "postprocess " + l + " -o " + dir / "o.csv --drift rcc --drift-out " + l,
                 "--drift-out");
  expect_refused(dir, "simulate -o " + dir / "x.tif" + " --truth " + t + " --psf spline:" + t,
                 "--truth");
  // Two outputs of one command on one file, existing or not.
  expect_refused(dir,
                 "calibrate " + dir / "beads.tif" + " --z-step 20 -o " + dir / "psf.h5" +
                     " --plot " + dir / "psf.h5",
                 "name the same file");
  expect_refused(dir,
                 "postprocess " + l + " -o " + dir / "out.csv" + " --drift rcc --drift-out " +
                     dir / "sub/../out.csv",
                 "name the same file");
  expect_refused(dir, "simulate -o " + dir / "x.tif" + " --truth " + dir / "x.tif",
                 "name the same file");
  {
    const auto before = snapshot(dir.path());  // relative paths, from inside the folder
    EXPECT_NE(run_command("cd " + dir.path().string() + " && " + smlm_cli() +
                              " simulate -o x.tif --truth ./x.tif --frames 3 --size 16",
                          &out),
              0);
    expect_one_line_error(out, "name the same file");
    EXPECT_EQ(snapshot(dir.path()), before);
  }
  // Rewriting a table in place is atomic, so convert and postprocess may.
  ASSERT_EQ(smlm("convert " + l + " -o " + l, &out), 0) << out;
  ASSERT_EQ(smlm("postprocess " + l + " -o " + l + " --filter \"frame > 2\"", &out), 0) << out;
}

TEST(CliHardening, EvaluateWriteErrorKeepsTheOldResult) {
  TempDir dir;
  simulate_small(dir);
  test::write_text(dir / "r.json", "{\"old\": 1}\n");
  // A file size limit of 0 blocks: every write fails (EFBIG; SIGXFSZ ignored), as on a full disk.
  const auto before = snapshot(dir.path());
  std::string out;
  EXPECT_NE(run_command("trap '' XFSZ; ulimit -f 0; " + smlm_cli() + " evaluate " + dir / "t.csv" +
                            " --truth " + dir / "t.csv" + " -o " + dir / "r.json",
                        &out),
            0);
  EXPECT_NE(out.find("r.json: write failed"), std::string::npos) << out;
  EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(CliHardening, AFailedCommandWritesNoneOfItsOutputs) {
  TempDir dir;
  simulate_small(dir);
  write_bead_stack(dir / "beads.tif");
  // The calibration is done and saved, then its plot cannot be written.
  expect_refused(dir,
                 "calibrate " + dir / "beads.tif" + " --z-step 20 --model spline -o " +
                     dir / "psf.h5" + " --plot " + dir / "no/such/folder/p.png",
                 "no/such/folder");
  expect_refused(dir,
                 "frc " + dir / "t.csv" + " --pixel-size 20 --curve " + dir / "c.csv" + " --plot " +
                     dir / "no/p.png",
                 "no/p.png");
  expect_refused(
      dir,
      "simulate -o " + dir / "x.tif" + " --truth " + dir / "no/x.csv" + " --frames 3 --size 16",
      "no/x.csv");
  std::string out;
  ASSERT_EQ(smlm("calibrate " + dir / "beads.tif" + " --z-step 20 --model spline -o " +
                     dir / "psf.h5" + " --plot " + dir / "p.png",
                 &out),
            0)
      << out;
  EXPECT_TRUE(fs::exists(dir / "psf.h5") && fs::exists(dir / "p.png"));
}

// Starts smlm with `args` (split on spaces), waits until a temporary file appears in `dir`, sends
// `sig`; returns the wait status.
int interrupt_when_writing(const TempDir& dir, const std::string& args, int sig) {
  std::vector<std::string> words{smlm_cli()};
  for (size_t a = 0, b; a < args.size(); a = b + 1) {
    b = args.find(' ', a);
    if (b == std::string::npos) b = args.size();
    if (b > a) words.push_back(args.substr(a, b - a));
  }
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  bool seen = false;
  for (int i = 0; i < 3000 && !seen; ++i) {
    for (const auto& e : fs::directory_iterator(dir.path()))
      seen |= e.path().filename().string().find(".smlm-tmp-") != std::string::npos;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen) << "no temporary file appeared";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // well inside the writing
  ::kill(child, sig);
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

TEST(CliHardening, SignalsLeaveNoTemporaryFile) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    TempDir dir;
    const int status =
        interrupt_when_writing(dir,
                               "simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" +
                                   " --frames 100000 --size 256 --density 0.5",
                               sig);
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), sig);  // a shell reports 128 + sig (143 for SIGTERM)
    EXPECT_TRUE(fs::is_empty(dir.path()));
  }
  // From a shell: exit status 143.
  TempDir dir;
  std::string out;
  EXPECT_EQ(run_command("timeout -s TERM 1 " + smlm_cli() + " simulate -o " + dir / "m.tif" +
                            " --truth " + dir / "t.csv" + " --frames 100000 --size 256",
                        &out),
            124);  // timeout's own status when it had to send the signal
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// A little-endian classic TIFF's IFD offsets in chain order, and its 32-bit words.
uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | uint8_t(b[at + i]);
  return v;
}
size_t next_pointer(const std::string& b, uint32_t ifd) {
  return ifd + 2 + 12 * size_t(uint8_t(b[ifd]) | uint8_t(b[ifd + 1]) << 8);
}

TEST(CliHardening, HostileInputsGiveOneLineErrors) {
  TempDir dir;
  simulate_small(dir);
  // Filter expressions nested deep enough to overflow the stack.
  const std::string l = dir / "t.csv";
  expect_refused(dir,
                 "postprocess " + l + " -o " + dir / "o.csv --filter '" + std::string(10000, '(') +
                     "x" + std::string(10000, ')') + "'",
                 "nests more than");
  expect_refused(
      dir, "postprocess " + l + " -o " + dir / "o.csv --filter '" + std::string(100000, '!') + "x'",
      "nests more than");
  // A movie whose page 5 links back to page 2.
  std::string b = test::read_text(dir / "m.tif");
  std::vector<uint32_t> ifds;
  for (uint32_t off = le32(b, 4); off != 0 && ifds.size() < 20; off = le32(b, next_pointer(b, off)))
    ifds.push_back(off);
  ASSERT_EQ(ifds.size(), 10u);
  const uint32_t back = ifds[1];
  for (int i = 0; i < 4; ++i) b[next_pointer(b, ifds[4]) + i] = char(back >> (8 * i));
  test::write_text(dir / "loop.tif", b);
  expect_refused(dir, "localize " + dir / "loop.tif" + " -o " + dir / "l.csv", "page 5");
  // Rows of 2 and 5 fields under a 3-column header: refused with the line, not dropped.
  test::write_text(dir / "short.csv",
                   "\"frame\",\"x [nm]\",\"y [nm]\"\n1,100,200\n1,300\n2,400,500,7,8\n");
  expect_refused(dir, "convert " + dir / "short.csv" + " -o " + dir / "o.csv",
                 "short.csv:3: 2 fields, expected 3");
  expect_refused(dir, "convert " + dir / "short.csv" + " -o " + dir / "short.csv",
                 "short.csv:3: 2 fields, expected 3");
  // A Picasso file whose /locs type has an array of invalid rank (fuzz/regressions): HDF5 kept
  // the broken type and printed "HDF5: infinite loop closing library" and a line of its
  // interfaces at exit, after the error.
  std::string h = test::read_text(std::string(SMLM_TEST_DATA) + "/picasso_fit3d.hdf5");
  ASSERT_EQ(h.size(), 10360u);
  h[1580] = '\x13';
  test::write_text(dir / "bad.hdf5", h);
  expect_refused(dir, "convert " + dir / "bad.hdf5" + " -o " + dir / "o.csv",
                 "bad.hdf5: cannot open /locs");
}

TEST(CliHardening, AnEmptyResultStillHasItsFullHeader) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("train deepstorm -o " + dir / "model.h5" +
                     " --steps 5 --upsampling 4 --widths 8,16,32,64 --patch 16 --batch 4",
                 &out),
            0)
      << out;
  {
    io::TiffMovieWriter blank(dir / "blank.tif", 32, 32, io::PixelType::u16);
    for (int i = 0; i < 3; ++i) blank.write(ImageF(32, 32, 100.0f));  // no molecule anywhere
    blank.close();
  }
  for (const char* refine : {"none", "mle"}) {
    ASSERT_EQ(smlm("localize " + dir / "blank.tif" + " -o " + dir / "ds.csv" +
                       " --method deepstorm --refine " + refine + " --model " + dir / "model.h5",
                   &out),
              0)
        << out;
    ASSERT_NE(out.find(": 0 localizations"), std::string::npos) << out;
    const std::string csv = test::read_text(dir / "ds.csv");
    EXPECT_NE(csv.find("\"frame\",\"x [nm]\",\"y [nm]\""), std::string::npos) << csv;
    EXPECT_EQ(io::read_thunderstorm_csv(dir / "ds.csv").size(), 0u);
    ASSERT_EQ(smlm("render " + dir / "ds.csv" + " -o " +
                       dir / "empty.png --width 1000 --height "
                             "1000",
                   &out),
              0)
        << out;
  }
  // Every table format keeps the columns of an empty table.
  for (const char* ext : {"h5", "smlm", "ply"}) {
    const std::string e = dir / (std::string("e.") + ext);
    ASSERT_EQ(smlm("convert " + dir / "ds.csv" + " -o " + e + " --pixel-size 100", &out), 0) << out;
    ASSERT_EQ(smlm("convert " + e + " -o " + dir / "back.csv --pixel-size 100", &out), 0) << out;
    const auto back = io::read_thunderstorm_csv(dir / "back.csv");
    EXPECT_EQ(back.size(), 0u);
    EXPECT_TRUE(back.has(col::frame) && back.has(col::x) && back.has(col::y)) << ext;
  }
}

TEST(CliHardening, UserSizesAreBoundedBeforeAllocating) {
  TempDir dir;
  simulate_small(dir);
  std::string table = "\"frame\",\"x [nm]\",\"y [nm]\"\n";
  for (int i = 0; i < 40; ++i)
    table += std::to_string(i + 1) + "," + std::to_string(i * 625) + "," +
             std::to_string(25000 - i * 625) + "\n";  // 25 µm across
  test::write_text(dir / "wide.csv", table);
  const std::string wide = dir / "wide.csv";
  expect_refused(dir, "frc " + wide + " --pixel-size 1", "24376 x 24376 pixels");
  expect_refused(dir, "frc " + wide + " --pixel-size 20 --max-pixels 1000", "limit of 1000");
  expect_refused(dir, "render " + wide + " -o " + dir / "i.png --pixel-size 1 --max-pixels 1000000",
                 "limit of 1000000");
  {
    // After its "read N localizations" line: the error is the last line.
    const auto before = snapshot(dir.path());
    std::string out;
    EXPECT_NE(
        smlm("postprocess " + wide + " -o " + dir / "o.csv --drift rcc --drift-pixel 1", &out), 0);
    const size_t last = out.rfind('\n', out.size() - 2);
    EXPECT_NE(out.find("error: RCC drift", last == std::string::npos ? 0 : last), std::string::npos)
        << out;
    EXPECT_EQ(snapshot(dir.path()), before);
  }
  expect_refused(dir, "simulate -o " + dir / "x.tif --truth " + dir / "x.csv --size 100000",
                 "100000 x 100000");
  expect_refused(dir, "train deepstorm -o " + dir / "x.h5 --widths 100000,16,32,64", "widths");
  expect_refused(dir, "train deepstorm -o " + dir / "x.h5 --batch 100000", "batch");
  expect_refused(dir, "train deepstorm -o " + dir / "x.h5 --batch 4000", "GB of activations");
  expect_refused(dir, "localize " + dir / "m.tif" + " -o " + dir / "l.csv --batch 1000000",
                 "--batch");
  std::string out;
  EXPECT_EQ(smlm("frc " + wide + " --pixel-size 50", &out), 0) << out;
}

TEST(CliHardening, ACheckpointWriteErrorIsAnErrorNotACrash) {
  TempDir dir;
  std::string out;
  // A full disk, as a file size limit (SIGXFSZ ignored): the checkpoint cannot be written.
  const int rc = run_command("trap '' XFSZ; ulimit -f 20; " + smlm_cli() + " train deepstorm -o " +
                                 dir / "model.h5" +
                                 " --steps 2 --upsampling 4 --widths 8,16,32,64 --patch 16 "
                                 "--batch 2",
                             &out);
  EXPECT_EQ(rc, 1) << out;  // was 139: HDF5 crashed at exit
  EXPECT_NE(out.find("model.h5: write failed"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Cli, TrainDecodeAndLocalizeWithIt) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("simulate -o " + dir / "m.tif" + " --truth " + dir / "t.csv" +
                     " --frames 12 --size 24x20 --density 1 --seed 9 --em-gain 100 "
                     "--photons-per-adu 20 --qe 0.9",
                 &out),
            0);
  // A tiny net for a few steps: the plumbing; the library tests check the learning.
  const std::string train = "train decode -o " + dir / "model.h5" +
                            " --width 4 --patch 16 --batch 2 --epoch-steps 3 --em-gain 100 "
                            "--photons-per-adu 20 --qe 0.9 --steps ";
  ASSERT_EQ(smlm(train + "3", &out), 0) << out;
  EXPECT_NE(out.find("validation"), std::string::npos) << out;
  ASSERT_EQ(smlm(train + "6 --resume " + dir / "model.h5", &out), 0) << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  // The model's camera converts the movie (no camera option given); a low bar finds rows.
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "d.csv" + " --model " +
                     dir / "model.h5 --probability 0.01 --batch 5",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("DECODE 2D, 3-frame"), std::string::npos) << out;
  const std::string header = test::read_text(dir / "d.csv").substr(0, 400);
  EXPECT_NE(header.find("\"uncertainty_x [nm]\",\"uncertainty_y [nm]\""), std::string::npos)
      << header;
  for (const char* c : {"\"uncertainty_intensity [photon]\"", "\"uncertainty_xy [nm]\"",
                        "\"probability\"", "\"offset [photon]\""})
    EXPECT_NE(header.find(c), std::string::npos) << c << " in " << header;
  ASSERT_EQ(smlm("localize " + dir / "m.tif" + " -o " + dir / "r.csv" +
                     " --method decode --refine mle --probability 0.01 --model " + dir / "model.h5",
                 &out),
            0)
      << out;
  EXPECT_TRUE(io::read_thunderstorm_csv(dir / "r.csv").has(col::loglikelihood));
  // Wrong combinations: one-line errors, no output.
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv --method decode", &out), 0);
  expect_one_line_error(out, "--model");
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv --method deepstorm --model " +
                     dir / "model.h5",
                 &out),
            0);
  expect_one_line_error(out, "decode");
  EXPECT_NE(smlm("localize " + dir / "m.tif" + " -o " + dir / "x.csv --model " +
                     dir / "model.h5 --probability 3",
                 &out),
            0);
  expect_one_line_error(out, "--probability");
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  // sCMOS: maps from simulate, training samples at random places on the sensor, localize with
  // the same maps; the model remembers its maps' file for --resume.
  ASSERT_EQ(smlm("simulate -o " + dir / "s.tif" + " --truth " + dir / "st.csv" +
                     " --frames 6 --size 24x20 --density 1 --seed 3 --camera-maps-out " +
                     dir / "maps.tif",
                 &out),
            0)
      << out;
  const std::string scmos = "train decode -o " + dir / "scmos.h5" +
                            " --width 4 --patch 16 --batch 2 --epoch-steps 2 --camera-maps " +
                            dir / "maps.tif --steps ";
  ASSERT_EQ(smlm(scmos + "2", &out), 0) << out;
  ASSERT_EQ(
      smlm("train decode -o " + dir / "scmos.h5 --resume " + dir / "scmos.h5 --steps 3", &out), 0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "s.tif" + " -o " + dir / "s.csv --model " +
                     dir / "scmos.h5 --probability 0.01 --camera-maps " + dir / "maps.tif",
                 &out),
            0)
      << out;
  expect_refused(dir, scmos + "2 --baseline 90", "--camera-maps replaces --baseline");
  expect_refused(dir, scmos + "2 --like " + dir / "s.tif", "--like");
  expect_refused(dir, "train decode -o " + dir / "x.h5 --photons 5000:1000", "--photons");
  expect_refused(dir, "train decode -o " + dir / "x.h5 --frames 2", "frames");
  expect_refused(dir, "train decode -o " + dir / "x.h5 --patch 30", "multiple of 4");
  expect_refused(dir, "train decode -o " + dir / "x.h5 --batch 1000 --width 1000",
                 "GB of activations");
  expect_refused(dir, "train decode -o " + dir / "x.h5 --psf spline:" + dir / "none.h5", "none.h5");
}

// DECODE 3D with --refine mle: the detections' x, y and z start fits of the PSF the model was
// trained on (a pupil PSF, rendered again from the model's settings), with a uniform camera and
// with sCMOS maps; the table is the classic 3D one. A tiny net trained briefly: the plumbing, not
// the accuracy (tests/localization/refine_test.cpp holds the refinement to the CRLB).
TEST(Cli, Decode3dRefineMle) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("train decode -o " + dir / "m3d.h5" +
                     " --psf pupil:astigmatism --z-range -200:200 --photons 3000:6000 "
                     "--background 5:15 --density 2 --width 4 --patch 16 --batch 4 "
                     "--epoch-steps 250 --steps 500 --lr 0.004 --seed 2",
                 &out),
            0)
      << out;
  const std::string movie =
      " --frames 20 --size 32x28 --density 0.5 --photons 5000 "
      "--background 10 --psf pupil:astigmatism --z-range -200,200 --seed 4";
  ASSERT_EQ(smlm("simulate -o " + dir / "u.tif" + " --truth " + dir / "u_truth.csv" + movie, &out),
            0)
      << out;
  ASSERT_EQ(smlm("simulate -o " + dir / "s.tif" + " --truth " + dir / "s_truth.csv" + movie +
                     " --camera-maps-out " + dir / "maps.tif",
                 &out),
            0)
      << out;
  const std::string localize =
      " --method decode --model " + dir / "m3d.h5" + " --refine mle --probability 0.05 --batch 4";
  for (const auto& [name, extra] : {std::pair<std::string, std::string>{"u", ""},
                                    {"s", " --camera-maps " + dir / "maps.tif"}}) {
    ASSERT_EQ(smlm("localize " + dir / (name + ".tif") + " -o " + dir / (name + ".csv") + localize +
                       extra,
                   &out),
              0)
        << out;
    EXPECT_NE(out.find("DECODE 3D"), std::string::npos) << out;
    const LocalizationTable t = io::read_thunderstorm_csv(dir / (name + ".csv"));
    for (auto c :
         {col::z, col::uncertainty_z, col::uncertainty_xy, col::loglikelihood, col::intensity})
      EXPECT_TRUE(t.has(c)) << name << ": " << c;
    EXPECT_FALSE(t.has(col::probability)) << name;
    EXPECT_GT(t.size(), 0u) << name << ": " << out;
  }
  // --psf belongs to --refine mle; --psf-sigma is for 2D models.
  EXPECT_NE(smlm("localize " + dir / "u.tif" + " -o " + dir / "x.csv --model " +
                     dir / "m3d.h5 --refine mle --psf-sigma 120",
                 &out),
            0);
  expect_one_line_error(out, "--psf-sigma");
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
}

}  // namespace
}  // namespace smlm
