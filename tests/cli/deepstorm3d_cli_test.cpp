// `smlm train deepstorm3d` and `smlm localize --method deepstorm3d` as a user runs them: a tiny net
// trained for a few steps (the plumbing; tests/localization/nets/deepstorm3d_test.cpp checks the
// learning), a 3D CSV with z, and bad input refused with one line, a non-zero exit and no output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

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

std::set<std::string> files(const TempDir& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.insert(e.path().filename());
  return names;
}

void expect_refused(const TempDir& dir, const std::string& args, const std::string& what) {
  const auto before = files(dir);
  std::string out;
  EXPECT_NE(smlm(args, &out), 0) << args;
  EXPECT_NE(out.find(what), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(files(dir), before) << "after: smlm " << args;
}

TEST(CliDeepStorm3d, TrainAndLocalizeIn3d) {
  TempDir dir;
  std::string out;
  const std::string train = "train deepstorm3d -o " + dir / "m.h5" +
                            " --psf pupil:tetrapod --z-range -800:800 --width 4 --slices 4 "
                            "--upsampling 2 --patch 16 --batch 2 --epoch-steps 2 --steps ";
  ASSERT_EQ(smlm(train + "2", &out), 0) << out;
  EXPECT_NE(out.find("validation"), std::string::npos) << out;
  ASSERT_EQ(smlm(train + "3 --resume " + dir / "m.h5", &out), 0) << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  ASSERT_EQ(smlm("simulate -o " + dir / "mv.tif" + " --truth " + dir / "t.csv" +
                     " --frames 4 --size 20x16 --density 1 --psf pupil:tetrapod "
                     "--z-range -800,800 --seed 2",
                 &out),
            0)
      << out;
  // By the model's own family, and by name; a zero threshold keeps every maximum.
  ASSERT_EQ(
      smlm("localize " + dir / "mv.tif" + " -o " + dir / "a.csv --model " + dir / "m.h5", &out), 0)
      << out;
  EXPECT_NE(out.find("DeepSTORM3D"), std::string::npos) << out;
  ASSERT_EQ(smlm("localize " + dir / "mv.tif" + " -o " +
                     dir / "b.csv --method deepstorm3d "
                           "--probability 0.001 --model " +
                     dir / "m.h5",
                 &out),
            0)
      << out;
  const LocalizationTable t = io::read_thunderstorm_csv(dir / "b.csv");
  for (auto c : {col::frame, col::x, col::y, col::z, col::intensity}) EXPECT_TRUE(t.has(c)) << c;
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_GE(t[col::z][i], -800);
    EXPECT_LE(t[col::z][i], 800);
  }
  // Bad input: one line, non-zero exit, no output file.
  expect_refused(dir, "train deepstorm3d -o " + dir / "x.h5 --z-range -500:500", "--psf");
  expect_refused(dir, "train deepstorm3d -o " + dir / "x.h5 --psf pupil:tetrapod", "--z-range");
  expect_refused(dir,
                 "train deepstorm3d -o " + dir / "x.h5 --psf pupil:tetrapod --z-range 500:-500",
                 "--z-range");
  expect_refused(dir, "train deepstorm3d -o " + dir / "x.h5 --psf pupil:nothing --z-range -5:5",
                 "nothing");
  {
    io::TiffMovieWriter w(dir / "mask16.tif", 32, 32, io::PixelType::u16);
    w.write(ImageF(32, 32));
    w.close();
  }
  expect_refused(dir,
                 "train deepstorm3d -o " + dir / "x.h5 --psf mask:" + dir / "mask16.tif" +
                     " --z-range -500:500",
                 "32-bit float");
  // --refine mle fits the model's own PSF (a tetrapod over 1.6 um: on the LM fitter's widest ROI).
  ASSERT_EQ(smlm("localize " + dir / "mv.tif" + " -o " + dir / "c.csv --method deepstorm3d " +
                     "--refine mle --probability 0.001 --model " + dir / "m.h5",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("refined by MLE"), std::string::npos) << out;
  EXPECT_TRUE(io::read_thunderstorm_csv(dir / "c.csv").has(col::uncertainty_z));
  expect_refused(dir,
                 "localize " + dir / "mv.tif" + " -o " + dir / "x.csv --method deepstorm3d " +
                     "--refine fit --model " + dir / "m.h5",
                 "--refine");
  expect_refused(dir, "localize " + dir / "mv.tif" + " -o " + dir / "x.csv --method deepstorm3d",
                 "--model");
}

// A phase mask from a float TIFF trains like the built-in ones.
TEST(CliDeepStorm3d, TrainsOnAMaskTiff) {
  TempDir dir;
  ImageF mask(32, 32);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) mask(x, y) = 0.02f * static_cast<float>((x - 16) * (y - 16));
  io::write_tiff_image(dir / "mask.tif", mask);
  std::string out;
  ASSERT_EQ(smlm("train deepstorm3d -o " + dir / "m.h5 --psf mask:" + dir / "mask.tif" +
                     " --z-range -500:500 --width 4 --slices 2 --upsampling 1 --patch 16 "
                     "--batch 2 --epoch-steps 1 --steps 1",
                 &out),
            0)
      << out;
  EXPECT_TRUE(fs::exists(dir / "m.h5"));
  // The same mask simulates a movie, and the net's peaks start MLE fits of its PSF (--refine mle:
  // the model's own mask, rendered as the simulator renders it).
  ASSERT_EQ(smlm("simulate -o " + dir / "mv.tif" + " --truth " + dir / "t.csv" +
                     " --frames 3 --size 24 --density 0.5 --photons 5000 --psf mask:" +
                     dir / "mask.tif" + " --z-range -400,400 --seed 3",
                 &out),
            0)
      << out;
  ASSERT_EQ(smlm("localize " + dir / "mv.tif" + " -o " + dir / "r.csv --model " + dir / "m.h5" +
                     " --refine mle --probability 0.001",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("refined by MLE"), std::string::npos) << out;
  const LocalizationTable r = io::read_thunderstorm_csv(dir / "r.csv");
  for (auto c : {col::z, col::uncertainty_z, col::uncertainty_xy, col::intensity})
    EXPECT_TRUE(r.has(c)) << c;
  // A mask that is not a float TIFF, for simulate too.
  {
    io::TiffMovieWriter w(dir / "mask16.tif", 32, 32, io::PixelType::u16);
    w.write(ImageF(32, 32));
    w.close();
  }
  EXPECT_NE(smlm("simulate -o " + dir / "x.tif" + " --truth " + dir / "x.csv" +
                     " --psf mask:" + dir / "mask16.tif",
                 &out),
            0);
  EXPECT_NE(out.find("32-bit float"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "x.tif"));
}

// design-psf writes the mask, its PSF stack and the CRLB plot; the mask then trains a net.
TEST(CliDeepStorm3d, DesignPsfWritesAMaskThatTrains) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(smlm("design-psf -o " + dir / "mask.tif" +
                     " --z-range -600:600 --steps 2 --patch 16 --width 4 --slices 4 "
                     "--upsampling 1 --batch 2",
                 &out),
            0)
      << out;
  EXPECT_NE(out.find("mean 3D CRLB"), std::string::npos) << out;
  for (const char* f : {"mask.tif", "mask_psf.tif", "mask_crlb.png"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  io::TiffMovieReader stack(dir / "mask_psf.tif");
  EXPECT_EQ(stack.num_frames(), 25);  // -600 … 600 nm every 50 nm
  EXPECT_EQ(io::TiffMovieReader(dir / "mask.tif").info().type, io::PixelType::f32);
  ASSERT_EQ(smlm("train deepstorm3d -o " + dir / "m.h5 --psf mask:" + dir / "mask.tif" +
                     " --z-range -600:600 --width 4 --slices 2 --upsampling 1 --patch 16 "
                     "--batch 2 --epoch-steps 1 --steps 1",
                 &out),
            0)
      << out;
  expect_refused(dir, "design-psf -o " + dir / "x.tif --steps 2", "--z-range");
  expect_refused(dir, "design-psf -o " + dir / "x.tif --z-range 0:0", "--z-range");
  expect_refused(dir, "design-psf -o " + dir / "x.tif --z-range -5:5 --init spiral", "spiral");
}

}  // namespace
}  // namespace smlm
