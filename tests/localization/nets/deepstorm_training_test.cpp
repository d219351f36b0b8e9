// Deep-STORM end to end on the CPU: a small net (upsampling 4, widths 8/16/32/128, 16×16 patches)
// trains on simulated data, then localizes sparse simulated frames; its checkpoint reloads to the
// same output and resumes training; the MLE refinement of its peaks improves the RMSE.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/deepstorm/trainer.h"
#include "localization/nets/deepstorm/training_data.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"

namespace smlm::localization::nets::deepstorm {
namespace {

TrainSettings small_settings() {
  TrainSettings s;
  s.net.upsampling = 4;
  s.net.widths = {8, 16, 32, 128};
  s.data.patch = 16;
  s.data.psf_sigma_nm = 120;
  s.data.photons = 2000;
  s.data.photon_spread = 0.3;
  s.data.background = 20;
  s.data.density = 1.5;
  s.batch = 8;
  s.epoch_steps = 50;
  s.validation_size = 16;
  s.seed = 3;
  return s;
}

// Sparse test frames from the same functors (another stream), with their truth in nm.
void test_frames(const DataSettings& d, int frames, std::vector<ImageF>& adu,
                 LocalizationTable& truth) {
  DataSettings s = d;
  s.patch = 32;
  s.density = 0.3;
  for (auto c : {col::frame, col::x, col::y}) truth.add_column(c);
  std::vector<float> pixels;
  std::vector<PatchEmitter> emitters;
  for (int f = 0; f < frames; ++f) {
    simulate_patch(s, 424242, f, pixels, emitters);
    ImageF img(32, 32);
    std::copy(pixels.begin(), pixels.end(), img.data());
    adu.push_back(img);
    for (const auto& e : emitters) {
      const size_t r = truth.size();
      truth.resize(r + 1);
      truth[col::frame][r] = f;
      truth[col::x][r] = (e.x + 0.5) * s.camera.pixel_size_nm;
      truth[col::y][r] = (e.y + 0.5) * s.camera.pixel_size_nm;
    }
  }
}

// The median distance of matched pairs [nm] (robust to the few close pairs that pull a fit).
double median_error(const LocalizationTable& locs, const LocalizationTable& truth,
                    const reconstruction::MatchSettings& ms) {
  std::vector<double> d;
  for (const auto& m : reconstruction::match(locs, truth, ms))
    d.push_back(std::hypot(locs[col::x][m.loc] - truth[col::x][m.truth],
                           locs[col::y][m.loc] - truth[col::y][m.truth]));
  if (d.empty()) return 1e9;
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return d[d.size() / 2];
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "_" + std::to_string(::getpid()) + ".h5"))
      .string();
}

TEST(DeepStormTraining, SmallNetTrainsAndLocalizes) {
  const TrainSettings settings = small_settings();
  Trainer trainer(settings);
  const double first_validation = trainer.validation_loss();
  const auto start = std::chrono::steady_clock::now();
  const int steps = 400;
  double last = 0;
  while (trainer.steps_done() < steps) {
    last = trainer.step();
    if (trainer.steps_done() % settings.epoch_steps == 0) trainer.end_epoch();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double validation = trainer.validation_loss();
  std::printf(
      "trained %d steps in %.1f s (%.2f steps/s); validation loss %.4g -> %.4g, last %.4g\n", steps,
      seconds, steps / seconds, first_validation, validation, last);
  EXPECT_LT(validation, 0.5 * first_validation);  // speed is bench/deepstorm_bench's, not a test's

  const std::string path = temp_path("deepstorm_small");
  trainer.save(path);

  std::vector<ImageF> frames;
  LocalizationTable truth;
  test_frames(settings.data, 40, frames, truth);
  DeepStormSettings ds;
  DeepStormLocalizer raw(settings.data.camera, path, ds);
  const LocalizationTable locs = raw.localize(frames, 0);
  reconstruction::MatchSettings ms;
  ms.radius_nm = 100;
  const auto e = reconstruction::evaluate(locs, truth, ms);
  std::printf(
      "raw net: %zu truth, %zu locs: recall %.3f precision %.3f jaccard %.3f "
      "RMSE %.1f nm bias (%.1f, %.1f) nm\n",
      truth.size(), locs.size(), e.recall, e.precision, e.jaccard, e.rmse_lateral_nm, e.bias_x_nm,
      e.bias_y_nm);
  EXPECT_GE(e.recall, 0.8);
  EXPECT_GE(e.precision, 0.8);
  EXPECT_LT(e.rmse_lateral_nm, 40.0);  // a pixel is 100 nm, a fine pixel 25 nm
  // A half-pixel slip in the bookkeeping would show as a ~50 nm bias.
  EXPECT_LT(std::abs(e.bias_x_nm), 10.0);
  EXPECT_LT(std::abs(e.bias_y_nm), 10.0);

  // Checkpoint: the reloaded model gives the trained one's map.
  {
    std::vector<float> pixels;
    std::vector<PatchEmitter> em;
    simulate_patch(settings.data, 99, 0, pixels, em);
    normalize_frame(pixels.data(), 256, trainer.model().norm, pixels.data());
    const nn::Tensor x = nn::Tensor::from_host({1, 1, 16, 16}, pixels);
    const auto a = trainer.model().net->forward(x, false).host();
    Model loaded = load_model(path);
    EXPECT_EQ(loaded.norm.mean, trainer.model().norm.mean);
    EXPECT_EQ(loaded.data.psf_sigma_nm, settings.data.psf_sigma_nm);
    EXPECT_EQ(loaded.config.upsampling, 4);
    const auto b = loaded.net->forward(x, false).host();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << i;
  }

  // Resume: two more steps from the file equal two more steps of the live trainer.
  {
    Trainer resumed(path, kernels::Device::cpu());
    EXPECT_EQ(resumed.steps_done(), steps);
    EXPECT_EQ(resumed.lr(), trainer.lr());
    const double l1 = trainer.step(), l2 = resumed.step();
    EXPECT_NEAR(l1, l2, 1e-6 * std::abs(l1));
  }

  // Refinement by MLE on the same frames.
  ds.refine = Refine::mle;
  DeepStormLocalizer refined(settings.data.camera, path, ds);
  const LocalizationTable rl = refined.localize(frames, 0);
  const auto er = reconstruction::evaluate(rl, truth, ms);
  std::printf("refined: %zu locs: recall %.3f jaccard %.3f RMSE %.1f nm (rejected %lld)\n",
              rl.size(), er.recall, er.jaccard, er.rmse_lateral_nm,
              static_cast<long long>(refined.stats().rejected));
  const double raw_median = median_error(locs, truth, ms), mle_median = median_error(rl, truth, ms);
  std::printf("median errors: raw %.1f nm, refined %.1f nm\n", raw_median, mle_median);
  EXPECT_LT(mle_median, 0.7 * raw_median);
  EXPECT_LT(er.rmse_lateral_nm, e.rmse_lateral_nm);
  EXPECT_GE(er.recall, 0.75);
  for (auto c : {col::sigma, col::offset, col::uncertainty_xy, col::loglikelihood})
    EXPECT_TRUE(rl.has(c)) << c;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace smlm::localization::nets::deepstorm
