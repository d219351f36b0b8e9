// DECODE (localization/nets/decode): the net's shapes and gradients, the samples' blinking and
// truth, spatial integration, checkpoints that reload and resume exactly, a small net trained on
// the CPU that then localizes simulated frames with calibrated uncertainties, and the streaming
// localizer's temporal context across batches and at the movie's ends.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "localization/nets/decode/decode_localizer.h"
#include "localization/nets/decode/postprocess.h"
#include "localization/nets/decode/trainer.h"
#include "localization/nets/decode/training_data.h"
#include "localization/stream.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"
#include "simulation/scmos_maps.h"
#include "tests/nn/gradient_check.h"

namespace smlm::localization::nets::decode {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "_" + std::to_string(::getpid()) + ".h5"))
      .string();
}

TEST(DecodeNet, ShapesFor2DAnd3DAndOneOrThreeFrames) {
  for (int frames : {1, 3})
    for (int dims : {3, 4}) {
      NetConfig c;
      c.frames = frames, c.dims = dims, c.width = 4, c.depth = 2;
      DecodeNet net(c, 1);
      const nn::Tensor x = test::random_tensor({2, frames, 16, 12}, 5);
      const nn::Tensor y = net.forward(x, false);
      EXPECT_EQ(y.shape(), (nn::Shape{2, 2 + 2 * dims, 16, 12}));
    }
  NetConfig c;
  c.width = 4;
  DecodeNet net(c, 1);
  EXPECT_THROW(net.forward(test::random_tensor({1, 3, 10, 16}, 1), false), Error);  // not ×4
  EXPECT_THROW(net.forward(test::random_tensor({1, 1, 16, 16}, 1), false), Error);  // 1 frame
  c.frames = 2;
  EXPECT_THROW(c.validate(), Error);
}

TEST(DecodeNet, GradientsMatchCentralDifferences) {
  NetConfig c;
  c.frames = 3, c.dims = 3, c.width = 2, c.depth = 1;
  DecodeNet net(c, 2);
  test::GradientCheckOptions o;
  o.max_entries = 12;
  o.tolerance = 2e-2;  // float32 through ~20 layers
  test::check_gradients(net, test::random_tensor({2, 3, 4, 4}, 7), o);
}

TEST(DecodeNet, InferenceIsDeterministicAndKnowsFrameOrder) {
  // The frames share one U-Net, but the union net sees their features in window order: swapping
  // frames t−1 and t+1 changes the output.
  NetConfig c;
  c.width = 4;
  DecodeNet net(c, 3);
  std::vector<float> v = test::random_tensor({1, 3, 8, 8}, 9).host();
  std::vector<float> swapped = v;
  std::copy(v.begin(), v.begin() + 64, swapped.begin() + 128);
  std::copy(v.begin() + 128, v.end(), swapped.begin());
  const auto a = net.forward(nn::Tensor::from_host({1, 3, 8, 8}, v), false).host();
  const auto b = net.forward(nn::Tensor::from_host({1, 3, 8, 8}, swapped), false).host();
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += std::fabs(a[i] - b[i]);
  EXPECT_GT(diff, 1e-3);  // the union net does tell t−1 from t+1
  const auto c1 = net.forward(nn::Tensor::from_host({1, 3, 8, 8}, v), false).host();
  EXPECT_EQ(a, c1);  // inference is deterministic
}

TEST(DecodeNet, GpuAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  NetConfig c;
  c.width = 8;
  DecodeNet cpu(c, 4), gpu(c, 4);
  gpu.to(kernels::Device::cuda(0));
  const nn::Tensor x = test::random_tensor({2, 3, 16, 16}, 6);
  const auto a = cpu.forward(x, false).host();
  const auto b = gpu.forward(x.to(kernels::Device::cuda(0)), false).host();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-3f + 1e-3f * std::fabs(a[i]));
}

DataSettings small_data() {
  DataSettings d;
  d.patch = 16;
  d.psf_sigma_nm = 120;
  d.photons_min = 1500, d.photons_max = 3000;
  d.background_min = 15, d.background_max = 25;
  d.density = 1.5;
  d.on_time = 2;
  return d;
}

TEST(DecodeData, SamplesBlinkAcrossFramesAtTheAskedDensity) {
  DataSettings d = small_data();
  d.patch = 32;
  d.density = 2;
  const SampleSimulator sim(d, 3);
  std::vector<float> adu;
  std::vector<SampleEmitter> truth;
  double bg = 0, count = 0, photons_max = 0;
  const int n = 300;
  for (int i = 0; i < n; ++i) {
    sim.simulate(11, i, adu, truth, bg);
    ASSERT_EQ(adu.size(), 3u * 32 * 32);
    EXPECT_GE(bg, d.background_min);
    EXPECT_LE(bg, d.background_max);
    count += truth.size();
    for (const auto& e : truth) photons_max = std::max(photons_max, e.photons);
  }
  const double area = std::pow(32 * 0.1, 2);
  EXPECT_NEAR(count / n / area, d.density, 0.1 * d.density);
  EXPECT_LE(photons_max, d.photons_max);
  // The same index gives the same sample; the mean of a frame holds its emitters' photons.
  std::vector<float> again;
  std::vector<SampleEmitter> t2;
  sim.simulate(11, 7, adu, truth, bg);
  sim.simulate(11, 7, again, t2, bg);
  EXPECT_EQ(adu, again);
  double sum = 0, photons = 0;
  for (int k = 1024; k < 2048; ++k) sum += adu[k] - d.camera.baseline_adu;
  for (const auto& e : truth) photons += e.photons;
  EXPECT_NEAR(sum, bg * 1024 + photons, 6 * std::sqrt(bg * 1024 + photons) + 0.1 * photons);
}

TEST(DecodeData, NeighbouringFramesShareEmitters) {
  // With a mean on-time of 2 frames most molecules of frame t also show in t−1 or t+1: the
  // frames correlate beyond their common background.
  DataSettings d = small_data();
  d.patch = 32;
  d.density = 1;
  d.background_min = d.background_max = 10;
  const SampleSimulator sim(d, 3);
  std::vector<float> adu;
  std::vector<SampleEmitter> truth;
  double bg, num = 0, den_a = 0, den_b = 0;
  for (int i = 0; i < 50; ++i) {
    sim.simulate(3, i, adu, truth, bg);
    for (int k = 0; k < 1024; ++k) {
      const double a = adu[1024 + k] - 100 - bg, b = adu[2048 + k] - 100 - bg;
      num += a * b, den_a += a * a, den_b += b * b;
    }
  }
  EXPECT_GT(num / std::sqrt(den_a * den_b), 0.3);
}

TEST(DecodeData, ScmosSamplesAreConvertedPixelByPixel) {
  // Random sCMOS maps with large offset and gain variations: each sample lies somewhere on the
  // sensor, and its frames, converted with the maps at that place, show a flat background (the
  // per-pixel offsets and gains leave no trace).
  DataSettings d = small_data();
  d.patch = 16;
  d.density = 0;  // background only
  d.background_min = d.background_max = 50;
  simulation::ScmosMapStatistics st;
  st.offset_sd_adu = 30;
  auto maps = std::make_shared<CameraMaps>(simulation::random_scmos_maps(40, 30, 5, st));
  d.camera_maps = maps;
  const SampleSimulator sim(d, 1);
  const Scaling sc;  // offset 0, scale 1: photons
  std::vector<float> adu, in(256), raw(256);
  std::vector<SampleEmitter> truth;
  double bg, sum = 0, sum2 = 0, raw_sum2 = 0;
  for (int i = 0; i < 40; ++i) {
    PixelCamera pc;
    sim.simulate(9, i, adu, truth, bg, &pc);
    ASSERT_FALSE(pc.maps.empty());
    normalize_frame(adu.data(), 16, 16, pc, sc, in.data());
    normalize_frame(adu.data(), 16, 16, PixelCamera{d.camera, {}}, sc, raw.data());
    for (int k = 0; k < 256; ++k) {
      sum += in[k], sum2 += in[k] * in[k];
      raw_sum2 += std::pow(raw[k] - 50 - 100, 2);
    }
  }
  const double n = 40 * 256, mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 50, 1.0);
  EXPECT_LT(sd, 1.5 * std::sqrt(50.0) + 2);  // shot and read noise only
  EXPECT_GT(std::sqrt(raw_sum2 / n), 3 * sd);  // ignoring the maps leaves their pattern
  DataSettings bad = d;
  bad.patch = 48;  // larger than the sensor
  EXPECT_THROW(SampleSimulator(bad, 1), Error);
}

TEST(DecodePostprocess, SpatialIntegration) {
  // Raw outputs of a 5×4 frame (2D head): p from logits, one isolated peak, and two neighbours
  // that each hold 0.7 (both detections: the second is above the split threshold).
  const int w = 5, h = 4;
  std::vector<float> out(8 * w * h, 0.f);
  auto logit = [](double p) { return static_cast<float>(std::log(p / (1 - p))); };
  for (int k = 0; k < w * h; ++k) out[k] = logit(0.01);
  out[1 * w + 1] = logit(0.6);
  out[0 * w + 1] = logit(0.2);  // spreads into the peak's sum
  out[2 * w + 3] = logit(0.7);
  out[2 * w + 4] = logit(0.7);
  out[1 * w + 1 + 2 * w * h] = std::atanh(0.25f);  // x offset of the first detection
  Scaling sc;
  sc.photon_scale = 1000;
  sc.bg_scale = 50;
  const auto found = find_emitters(out.data(), w, h, 3, sc, PostprocessSettings{});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_NEAR(found[0].x, 1.25, 1e-6);
  EXPECT_NEAR(found[0].y, 1, 1e-6);
  EXPECT_NEAR(found[0].probability, 0.6 + 0.2 + 3 * 0.01, 1e-5);
  EXPECT_NEAR(found[0].photons, 500, 1e-3);    // sigmoid(0) · scale
  EXPECT_NEAR(found[0].background, 25, 1e-3);  // sigmoid(0) · scale
  EXPECT_NEAR(found[1].x, 3, 1e-6);
  EXPECT_NEAR(found[2].x, 4, 1e-6);
  // Above a higher threshold only the integrated pairs remain.
  PostprocessSettings strict;
  strict.threshold = 0.85;
  EXPECT_EQ(find_emitters(out.data(), w, h, 3, sc, strict).size(), 2u);
}

TrainSettings small_settings() {
  TrainSettings s;
  s.net.width = 8;
  s.net.depth = 2;
  s.data = small_data();
  s.batch = 8;
  s.epoch_steps = 50;
  s.validation_size = 16;
  s.decay_every = 4;
  s.seed = 5;
  return s;
}

// Sparse blinking test movie from the training functors (another stream): consecutive windows of
// one long "movie" are not available from independent samples, so each test frame is the middle
// of its own sample and the localizer gets the sample's frames as context.
struct TestSet {
  std::vector<std::vector<ImageF>> windows;
  LocalizationTable truth;
};

TestSet test_set(const DataSettings& d, int n) {
  DataSettings s = d;
  s.patch = 32;
  s.density = 0.4;
  const SampleSimulator sim(s, 3);
  TestSet t;
  for (auto c : {col::frame, col::x, col::y}) t.truth.add_column(c);
  std::vector<float> adu;
  std::vector<SampleEmitter> truth;
  double bg;
  for (int f = 0; f < n; ++f) {
    sim.simulate(424242, f, adu, truth, bg);
    std::vector<ImageF> window;
    for (int k = 0; k < 3; ++k) {
      ImageF img(32, 32);
      std::copy_n(adu.data() + k * 1024, 1024, img.data());
      window.push_back(img);
    }
    t.windows.push_back(window);
    for (const auto& e : truth) {
      if (e.photons < 0.3 * s.photons_min) continue;  // mostly off during the frame
      const size_t r = t.truth.size();
      t.truth.resize(r + 1);
      t.truth[col::frame][r] = f;
      t.truth[col::x][r] = (e.x + 0.5) * 100;
      t.truth[col::y][r] = (e.y + 0.5) * 100;
    }
  }
  return t;
}

LocalizationTable localize_set(DecodeLocalizer& loc, const TestSet& t) {
  LocalizationTable all;
  for (size_t f = 0; f < t.windows.size(); ++f) {
    const FrameWindow w{t.windows[f], 1, 1, static_cast<int64_t>(f)};
    all.append(loc.localize(w));
  }
  return all;
}

TEST(DecodeTraining, SmallNetTrainsLocalizesAndResumes) {
  const TrainSettings settings = small_settings();
  Trainer trainer(settings);
  const double first = trainer.validation_loss().value;
  const auto start = std::chrono::steady_clock::now();
  const int steps = 2000;
  while (trainer.steps_done() < steps) {
    trainer.step();
    if (trainer.steps_done() % settings.epoch_steps == 0) trainer.end_epoch();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto v = trainer.validation_loss();
  std::printf("trained %d steps in %.1f s; validation %.4g -> %.4g (count %.3g, loc %.4g)\n", steps,
              seconds, first, v.value, v.count, v.localization);
  EXPECT_LT(v.value, first - 20);

  const std::string path = temp_path("decode_small");
  trainer.save(path);
  const TestSet t = test_set(settings.data, 60);
  DecodeLocalizer loc(settings.data.camera, path, DecodeSettings{});
  const LocalizationTable locs = localize_set(loc, t);
  reconstruction::MatchSettings ms;
  ms.radius_nm = 150;
  const auto e = reconstruction::evaluate(locs, t.truth, ms);
  std::printf("decode: %zu truth, %zu locs: recall %.3f precision %.3f RMSE %.1f nm\n",
              t.truth.size(), locs.size(), e.recall, e.precision, e.rmse_lateral_nm);
  EXPECT_GE(e.recall, 0.85);
  EXPECT_GE(e.precision, 0.9);
  EXPECT_LT(e.rmse_lateral_nm, 30);
  for (auto c : {col::uncertainty_x, col::uncertainty_y, col::uncertainty_xy,
                 col::uncertainty_intensity, col::probability, col::intensity, col::offset})
    ASSERT_TRUE(locs.has(c)) << c;
  // The predicted σ follows the actual error (within 50 % this early in training; bench/ holds
  // the calibration of longer-trained models).
  {
    double z2 = 0;
    int n = 0;
    for (const auto& m : reconstruction::match(locs, t.truth, ms)) {
      const double dx = locs[col::x][m.loc] - t.truth[col::x][m.truth];
      z2 += std::pow(dx / locs[col::uncertainty_x][m.loc], 2);
      ++n;
    }
    const double sd = std::sqrt(z2 / std::max(n, 1));
    std::printf("(x - x_true)/sigma_x: sd %.2f over %d\n", sd, n);
    EXPECT_GT(sd, 0.67);
    EXPECT_LT(sd, 1.5);
  }

  // Reload: the same outputs.
  {
    const Model loaded = load_model(path);
    const nn::Tensor x = test::random_tensor({1, 3, 16, 16}, 3);
    EXPECT_EQ(loaded.net->forward(x, false).host(), trainer.model().net->forward(x, false).host());
    EXPECT_EQ(loaded.scale.photon_scale, trainer.model().scale.photon_scale);
    EXPECT_EQ(loaded.data.density, settings.data.density);
  }
  // Resume: two more steps from the file equal two more steps of the live trainer.
  {
    Trainer resumed(path, kernels::Device::cpu());
    EXPECT_EQ(resumed.steps_done(), steps);
    EXPECT_EQ(resumed.lr(), trainer.lr());
    const double l1 = (resumed.step(), resumed.step());
    const double l2 = (trainer.step(), trainer.step());
    EXPECT_NEAR(l1, l2, 1e-6 * std::abs(l1));
  }
  // Refinement: the detections start LM fits; the MLE table's columns.
  {
    DecodeSettings rs;
    rs.refine_mle = true;
    DecodeLocalizer refined(settings.data.camera, path, rs);
    const LocalizationTable rl = localize_set(refined, t);
    const auto er = reconstruction::evaluate(rl, t.truth, ms);
    std::printf("decode + mle: %zu locs: recall %.3f RMSE %.1f nm\n", rl.size(), er.recall,
                er.rmse_lateral_nm);
    EXPECT_GE(er.recall, 0.7);
    EXPECT_TRUE(rl.has(col::loglikelihood));
    EXPECT_TRUE(rl.has(col::sigma));
  }
  std::filesystem::remove(path);
}

// The streaming pipeline hands DECODE frames t−1 and t+1 across batch boundaries and repeats the
// first and last frames at the ends: any batch size gives the rows of one whole-movie window.
TEST(DecodeLocalizer, TemporalContextAcrossBatches) {
  NetConfig c;
  c.width = 4;
  Model model(c, 8);
  model.data = small_data();
  model.scale = Scaling::for_data(model.data);
  // Random weights find no one: lower the bar so that rows appear.
  DecodeSettings ds;
  ds.post.threshold = 0.05, ds.post.raw_threshold = 0.0;
  const std::string path = temp_path("decode_stream");
  save_model(path, model);
  std::vector<ImageF> frames;
  {
    const SampleSimulator sim(small_data(), 3);
    std::vector<float> adu;
    std::vector<SampleEmitter> truth;
    double bg;
    for (int i = 0; i < 4; ++i) {
      sim.simulate(1, i, adu, truth, bg);
      for (int k = 0; k < 3; ++k) {
        ImageF img(16, 16);
        std::copy_n(adu.data() + k * 256, 256, img.data());
        frames.push_back(img);
      }
    }
  }
  auto run = [&](int batch) {
    DecodeLocalizer loc(model.data.camera, path, ds);
    GeneratedSource source(static_cast<int64_t>(frames.size()),
                           [&](int64_t i, ImageF& f) { f = frames[static_cast<size_t>(i)]; });
    StreamSettings ss;
    ss.batch_frames = batch;
    LocalizationTable all = loc.empty_table();
    run_stream(
        source, loc, ss, [&](LocalizationTable&& t) { all.append(t); }, [](int64_t) {});
    return all;
  };
  // The reference: each frame alone, its window built by hand with the ends repeated.
  DecodeLocalizer ref(model.data.camera, path, ds);
  LocalizationTable expected = ref.empty_table();
  const int n = static_cast<int>(frames.size());
  for (int f = 0; f < n; ++f) {
    const std::vector<ImageF> w = {frames[std::max(f - 1, 0)], frames[f],
                                   frames[std::min(f + 1, n - 1)]};
    expected.append(ref.localize(FrameWindow{w, 1, 1, f}));
  }
  ASSERT_GT(expected.size(), 0u);
  for (int batch : {1, 2, 5, 12}) {
    const LocalizationTable got = run(batch);
    ASSERT_EQ(got.size(), expected.size()) << "batch " << batch;
    for (auto name : {col::frame, col::x, col::y, col::probability})
      EXPECT_EQ(got[name], expected[name]) << name << ", batch " << batch;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace smlm::localization::nets::decode
