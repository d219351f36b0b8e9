// BGNet (localization/nets/bgnet): training samples against their background, a short training
// that beats the best constant background under every ROI, brightness-blind predictions, windows
// at frame borders, checkpoints and resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "localization/nets/bgnet/bgnet_background.h"
#include "localization/nets/bgnet/trainer.h"
#include "localization/nets/bgnet/training_data.h"

namespace smlm::localization::nets::bgnet {
namespace {

namespace fs = std::filesystem;

struct TempPath {
  fs::path path;
  explicit TempPath(const std::string& name)
      : path(fs::temp_directory_path() /
             (name + "_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()))) {}
  ~TempPath() { fs::remove(path); }
};

DataSettings small_data() {
  DataSettings d;
  d.roi = 12;
  d.camera.baseline_adu = 100;
  return d;
}

TEST(BgNetData, SamplesAreReproducibleAndTheirMeanIsTheBackground) {
  DataSettings d = small_data();
  d.emitter_probability = 0;
  d.neighbour_probability = 0;
  const SampleSimulator sim(d);
  std::vector<float> e1, b1, e2, b2;
  sim.simulate(3, 17, e1, b1);
  sim.simulate(3, 17, e2, b2);
  EXPECT_EQ(e1, e2);
  EXPECT_EQ(b1, b2);
  // Without emitters the photoelectrons are Poisson around the background: their standardized
  // residuals over many samples have mean 0 and variance 1.
  double s = 0, s2 = 0, n = 0, spread = 0;
  for (int i = 0; i < 400; ++i) {
    sim.simulate(5, i, e1, b1);
    const auto [lo, hi] = std::minmax_element(b1.begin(), b1.end());
    spread += *hi - *lo;
    for (size_t k = 0; k < e1.size(); ++k) {
      const double z = (e1[k] - b1[k]) / std::sqrt(b1[k]);
      s += z;
      s2 += z * z;
      n += 1;
    }
  }
  EXPECT_NEAR(s / n, 0.0, 0.02);
  EXPECT_NEAR(s2 / n, 1.0, 0.05);
  EXPECT_GT(spread / 400, 5.0);  // the backgrounds do have structure
}

// The RMS error of the background under each ROI: BGNet's; the best any constant can do (each
// ROI's own mean true background, an oracle); and the constant the data suggest (the median of
// the ROI's pixels, robust to the PSF).
struct BackgroundErrors {
  double net = 0, constant = 0, median = 0;
};
BackgroundErrors background_errors(Model& model, const SampleSimulator& sim, int n) {
  BgNetBackground bg(std::move(model), kernels::Device::cpu());
  const int s = sim.data().roi;
  double net = 0, constant = 0, median = 0, count = 0;
  std::vector<float> e, b, out(static_cast<size_t>(s) * s);
  for (int i = 0; i < n; ++i) {
    sim.simulate(99, i, e, b);
    ImageF frame(s, s);
    std::copy(e.begin(), e.end(), frame.data());
    const RoiPlace place{0, 0, 0};
    bg.estimate(std::span<const ImageF>(&frame, 1), std::span<const RoiPlace>(&place, 1), s,
                out.data());
    double mean = 0;
    for (float v : b) mean += v;
    mean /= static_cast<double>(b.size());
    std::vector<float> sorted = e;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    const double med = sorted[sorted.size() / 2];
    for (size_t k = 0; k < b.size(); ++k) {
      net += (out[k] - b[k]) * (out[k] - b[k]);
      constant += (mean - b[k]) * (mean - b[k]);
      median += (med - b[k]) * (med - b[k]);
      count += 1;
    }
  }
  model = Model(bg.model().config, 0);  // bg owns the trained one now
  return {std::sqrt(net / count), std::sqrt(constant / count), std::sqrt(median / count)};
}

TEST(BgNetTraining, ShortTrainingBeatsTheBestConstantBackground) {
  TrainSettings t;
  t.data = small_data();
  t.net.width = 8;
  t.batch = 32;
  t.validation_size = 64;
  t.epoch_steps = 200;
  t.seed = 4;
  Trainer trainer(t);
  const double before = trainer.validation_loss();
  for (int i = 0; i < 800; ++i) trainer.step();
  const double after = trainer.end_epoch();
  std::printf("validation loss %.4g -> %.4g\n", before, after);
  EXPECT_LT(after, 0.2 * before);
  const SampleSimulator sim(t.data);
  Model& m = trainer.model();
  const BackgroundErrors err = background_errors(m, sim, 200);
  std::printf("background rms error: BGNet %.2f, ROI median %.2f, best constant %.2f e-/px\n",
              err.net, err.median, err.constant);
  EXPECT_LT(err.net, 0.85 * err.median);
}

TEST(BgNetBackgroundTest, BlindToBrightnessAndSafeAtBorders) {
  Model m(NetConfig{4}, 7);
  m.data = small_data();
  BgNetBackground bg(std::move(m), kernels::Device::cpu());
  EXPECT_EQ(bg.window(7), 12);
  EXPECT_EQ(bg.window(13), 16);  // wider ROIs: the net is fully convolutional
  // A 30 × 20 frame with a gradient and a spot; ROIs inside, at the borders and corners.
  ImageF frame(30, 20);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 30; ++x)
      frame(x, y) = static_cast<float>(10 + x + 0.5 * y + (x == 15 && y == 10 ? 200 : 0));
  ImageF bright = frame;
  for (size_t k = 0; k < bright.size(); ++k) bright.data()[k] *= 3;
  const std::vector<RoiPlace> places = {{0, 12, 7}, {0, 0, 0}, {0, 23, 13}, {0, 0, 13}};
  std::vector<float> a(places.size() * 49), b(a.size());
  bg.estimate(std::span<const ImageF>(&frame, 1), places, 7, a.data());
  bg.estimate(std::span<const ImageF>(&bright, 1), places, 7, b.data());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_TRUE(std::isfinite(a[k]));
    ASSERT_GE(a[k], 0.f);
    EXPECT_NEAR(b[k], 3 * a[k], 1e-4 * (1 + std::fabs(b[k])));
  }
  // A frame smaller than the window: edge pixels repeat, nothing reads outside.
  ImageF tiny(9, 9, 20.f);
  std::vector<float> t(49);
  const RoiPlace p{0, 1, 1};
  bg.estimate(std::span<const ImageF>(&tiny, 1), std::span<const RoiPlace>(&p, 1), 7, t.data());
  for (float v : t) ASSERT_TRUE(std::isfinite(v));
}

TEST(BgNetModel, SaveLoadAndResume) {
  TrainSettings t;
  t.data = small_data();
  t.net.width = 4;
  t.batch = 8;
  t.validation_size = 16;
  t.seed = 9;
  TempPath path("bgnet_model.h5");
  Trainer a(t);
  for (int i = 0; i < 5; ++i) a.step();
  a.save(path.path.string());
  // The loaded model predicts what the trained one does.
  Model loaded = load_model(path.path.string());
  EXPECT_EQ(loaded.config.width, 4);
  EXPECT_EQ(loaded.data.roi, 12);
  const Batch batch = make_batch(a.simulator(), 77, 0, 4);
  const std::vector<float> p1 = a.model().net->forward(batch.input, false).host();
  const std::vector<float> p2 = loaded.net->forward(batch.input, false).host();
  ASSERT_EQ(p1.size(), p2.size());
  for (size_t k = 0; k < p1.size(); ++k) EXPECT_EQ(p1[k], p2[k]);
  // Resuming continues exactly where training stopped.
  Trainer b(path.path.string(), kernels::Device::cpu());
  EXPECT_EQ(b.steps_done(), 5);
  EXPECT_EQ(a.step(), b.step());
  // A model of another family, or impossible settings, are one-line errors.
  nn::Attributes attr = model_attributes(loaded);
  attr["model"] = std::string("decode");
  EXPECT_THROW(model_from_attributes(attr), Error);
  attr = model_attributes(loaded);
  attr["roi"] = int64_t{10};
  EXPECT_THROW(model_from_attributes(attr), Error);
}

}  // namespace
}  // namespace smlm::localization::nets::bgnet
