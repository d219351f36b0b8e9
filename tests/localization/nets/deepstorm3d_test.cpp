// DeepSTORM3D (localization/nets/deepstorm3d): the loss's gradient against finite differences,
// the blur's symmetry, 3D peaks at sub-voxel accuracy, the model's checkpoint round trip, and a
// small net trained on the CPU on tetrapod frames that then localizes held-out frames in 3D.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "kernels/device.h"
#include "localization/nets/deepstorm3d/deepstorm3d_localizer.h"
#include "localization/nets/deepstorm3d/loss.h"
#include "localization/nets/deepstorm3d/postprocess.h"
#include "localization/nets/deepstorm3d/psf_design.h"
#include "localization/nets/deepstorm3d/trainer.h"
#include "localization/nets/deepstorm3d/training_data.h"

namespace smlm::localization::nets::deepstorm3d {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("ds3d_" + std::to_string(getpid()) + "_" + name))
      .string();
}

TEST(DeepStorm3dLoss, GradientMatchesFiniteDifferences) {
  const nn::Shape shape{2, 3, 6, 5};
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(0.f, 4.f);
  std::vector<float> p(shape.numel()), t(shape.numel(), 0.f);
  for (float& v : p) v = u(gen);
  t[17] = t[40] = t[150] = 10.f;
  const double scale = 10;
  const nn::Tensor target = nn::Tensor::from_host(shape, t);
  const VolumeLoss l = volume_loss(nn::Tensor::from_host(shape, p), target, scale, true);
  const std::vector<float> g = l.grad.host();
  EXPECT_GT(l.mse, 0);
  EXPECT_GT(l.dice, 0);
  for (int64_t i : {0, 17, 33, 40, 99, 150, 179}) {
    const float h = 1e-2f;
    std::vector<float> a = p, b = p;
    a[i] += h, b[i] -= h;
    const double fd = (volume_loss(nn::Tensor::from_host(shape, a), target, scale, false).value -
                       volume_loss(nn::Tensor::from_host(shape, b), target, scale, false).value) /
                      (2 * h);
    EXPECT_NEAR(g[i], fd, 2e-3 * std::abs(fd) + 2e-5) << "element " << i;
  }
}

TEST(DeepStorm3dLoss, BlurIsSelfAdjointWithUnitPeak) {
  const int n = 2, d = 5, h = 9, w = 8;
  std::mt19937 gen(3);
  std::normal_distribution<float> nd;
  std::vector<float> x(n * d * h * w), y(x.size());
  for (float& v : x) v = nd(gen);
  for (float& v : y) v = nd(gen);
  std::vector<float> gx = x, gy = y;
  blur_volumes(n, d, h, w, gx.data());
  blur_volumes(n, d, h, w, gy.data());
  double a = 0, b = 0;
  for (size_t i = 0; i < x.size(); ++i) a += double{gx[i]} * y[i], b += double{x[i]} * gy[i];
  EXPECT_NEAR(a, b, 1e-4 * std::abs(a));
  std::vector<float> spike(d * h * w, 0.f);
  spike[(2 * h + 4) * w + 4] = 1.f;
  blur_volumes(1, d, h, w, spike.data());
  EXPECT_FLOAT_EQ(spike[(2 * h + 4) * w + 4], 1.f);
  EXPECT_NEAR(spike[(2 * h + 4) * w + 5], std::exp(-0.5), 1e-6);
}

TEST(DeepStorm3dPostprocess, FindsPlantedMaximaAtSubVoxelAccuracy) {
  VolumeGeometry g;
  g.slices = 12, g.upsampling = 2, g.width = 16, g.height = 12;
  g.z_min_nm = -600, g.z_max_nm = 600;
  const int fw = 32, fh = 24;
  std::vector<float> v(int64_t{g.slices} * fw * fh, 0.f);
  struct Blob {
    double kx, ky, kz;
  };
  const std::vector<Blob> blobs = {{5.3, 4.7, 3.2}, {20.6, 15.4, 8.7}, {27.1, 6.2, 5.5}};
  const double scale = 50;
  for (const Blob& b : blobs)
    for (int z = 0; z < g.slices; ++z)
      for (int y = 0; y < fh; ++y)
        for (int x = 0; x < fw; ++x) {
          const double r2 =
              (x - b.kx) * (x - b.kx) + (y - b.ky) * (y - b.ky) + (z - b.kz) * (z - b.kz);
          v[(int64_t{z} * fh + y) * fw + x] += static_cast<float>(scale * std::exp(-r2 / 1.0));
        }
  PostprocessSettings s;
  s.window_radius = 2;
  const std::vector<VolumePeak> peaks = find_volume_peaks(v.data(), g, scale, s);
  ASSERT_EQ(peaks.size(), blobs.size());
  for (const Blob& b : blobs) {
    const double x = g.x_px(b.kx), y = g.x_px(b.ky), z = g.z_nm(b.kz);
    bool found = false;
    for (const VolumePeak& p : peaks)
      if (std::abs(p.x - x) < 0.05 && std::abs(p.y - y) < 0.05 && std::abs(p.z_nm - z) < 10) {
        found = true;
        EXPECT_GT(p.value, 1.0);
      }
    EXPECT_TRUE(found) << "blob at " << b.kx << ", " << b.ky << ", " << b.kz;
  }
  // A threshold above every window's sum keeps none.
  s.threshold = 1e3;
  EXPECT_TRUE(find_volume_peaks(v.data(), g, scale, s).empty());
}

TEST(DeepStorm3dTarget, SpikesAtTheEmittersVoxels) {
  VolumeGeometry g;
  g.slices = 4, g.upsampling = 2, g.width = 4, g.height = 4, g.z_min_nm = 0, g.z_max_nm = 400;
  std::vector<float> v(4 * 8 * 8);
  spike_volume({{0.1, 1.3, 150, 1}, {9, 0, 0, 1}, {1, 1, 400, 1}}, g, 7, v.data());
  float total = 0;
  for (float x : v) total += x;
  EXPECT_EQ(total, 7.f);                   // the two outside the volume are dropped
  EXPECT_EQ(v[(1 * 8 + 3) * 8 + 1], 7.f);  // x 0.1 → fine 1, y 1.3 → fine 3, z 150 → slice 1
}

TrainSettings small_settings() {
  TrainSettings s;
  s.net.width = 16;
  s.net.slices = 10;
  s.net.upsampling = 2;
  s.data.psf_spec = "pupil:tetrapod";
  s.data.z_min_nm = -1000, s.data.z_max_nm = 1000;
  s.data.patch = 32;
  s.data.photons_min = 3000, s.data.photons_max = 8000;
  s.data.background_min = 10, s.data.background_max = 20;
  s.data.density = 0.4;  // ~4 emitters per 3.2 × 3.2 µm frame
  s.batch = 4;
  s.lr = 1e-3;
  s.epoch_steps = 50;
  s.validation_size = 8;
  s.seed = 5;
  return s;
}

TEST(DeepStorm3dModel, SaveLoadRoundTripIsBitExact) {
  TrainSettings s = small_settings();
  s.net.width = 4, s.net.slices = 3, s.data.patch = 16;
  Trainer t(s);
  t.step();
  const std::string path = temp_path("roundtrip.h5");
  t.save(path);
  const Model loaded = load_model(path);
  EXPECT_EQ(loaded.config.slices, 3);
  EXPECT_EQ(loaded.data.psf_spec, "pupil:tetrapod");
  const Batch b = make_batch(t.simulator(), s.net, t.model().norm, 99, 0, 2);
  const std::vector<float> a = t.model().net->forward(b.input, false).host();
  const std::vector<float> c = loaded.net->forward(b.input, false).host();
  ASSERT_EQ(a.size(), c.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], c[i]) << i;
  Trainer resumed(path, kernels::Device::cpu());
  EXPECT_EQ(resumed.steps_done(), 1);
  std::filesystem::remove(path);
}

TEST(DeepStorm3dModel, RejectsImpossibleSettings) {
  DataSettings d;
  d.z_min_nm = 500, d.z_max_nm = -500;
  EXPECT_THROW(d.validate(), Error);
  d = DataSettings{};
  d.psf_spec.clear();
  EXPECT_THROW(d.validate(), Error);
  NetConfig c;
  c.upsampling = 3;
  EXPECT_THROW(c.validate(), Error);
}

// Trains a small net on 32 × 32 tetrapod frames over z ±1 µm, then localizes held-out frames.
TEST(DeepStorm3dTraining, LearnsToLocalizeTetrapodFramesIn3d) {
  const auto start = std::chrono::steady_clock::now();
  TrainSettings s = small_settings();
  Trainer t(s);
  const double before = t.validation_loss();
  const char* env = std::getenv("DS3D_STEPS");
  const int steps = env ? std::atoi(env) : 300;
  for (int i = 0; i < steps; ++i) {
    t.step();
    if ((i + 1) % s.epoch_steps == 0)
      std::printf("step %d: validation %.4g\n", i + 1, t.end_epoch());
  }
  const double after = t.validation_loss();
  EXPECT_LT(after, 0.75 * before) << "validation loss " << before << " → " << after;

  // Held-out frames (another stream), localized through the localizer.
  std::vector<std::vector<VolumeEmitter>> truth;
  const int frames = 24;
  std::vector<ImageF> adu(frames);
  for (int f = 0; f < frames; ++f) {
    std::vector<float> px;
    truth.emplace_back();
    t.simulator().simulate(777, f, px, truth.back());
    adu[f] = ImageF(s.data.patch, s.data.patch);
    std::copy(px.begin(), px.end(), adu[f].data());
  }
  DeepStorm3dLocalizer loc(s.data.camera, std::move(t.model()), {});
  const LocalizationTable table = loc.localize(adu, 0);
  // Greedy matching within 200 nm laterally and 300 nm axially.
  const double px = s.data.camera.pixel_size_nm;
  int64_t matched = 0, total = 0;
  double se_xy = 0, se_z = 0;
  std::vector<bool> used(table.size(), false);
  for (int f = 0; f < frames; ++f)
    for (const VolumeEmitter& e : truth[f]) {
      ++total;
      const double x = (e.x + 0.5) * px, y = (e.y + 0.5) * px;
      int best = -1;
      double best_d = 1e30;
      for (size_t r = 0; r < table.size(); ++r) {
        if (used[r] || table[col::frame][r] != f) continue;
        const double dxy = std::hypot(table[col::x][r] - x, table[col::y][r] - y);
        const double dz = std::abs(table[col::z][r] - e.z_nm);
        if (dxy < 200 && dz < 300 && dxy + dz / 2 < best_d)
          best = static_cast<int>(r), best_d = dxy + dz / 2;
      }
      if (best < 0) continue;
      used[best] = true;
      ++matched;
      se_xy += std::pow(table[col::x][best] - x, 2) + std::pow(table[col::y][best] - y, 2);
      se_z += std::pow(table[col::z][best] - e.z_nm, 2);
    }
  const double recall = double(matched) / total, precision = double(matched) / table.size();
  const double rmse_xy = std::sqrt(se_xy / std::max<int64_t>(1, matched));
  const double rmse_z = std::sqrt(se_z / std::max<int64_t>(1, matched));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "DeepSTORM3D %d steps: loss %.4g -> %.4g; %lld true, %zu found, recall %.2f, "
      "precision %.2f, RMSE xy %.1f nm, z %.1f nm (%.1f s)\n",
      steps, before, after, static_cast<long long>(total), table.size(), recall, precision, rmse_xy,
      rmse_z, seconds);
  // Measured (seed 5, 300 steps): loss 4.66 → 2.85, recall 0.76, precision 0.91, RMSE xy 29 nm,
  // z 136 nm (200 nm slices). An untrained net finds nothing; a broken one scatters peaks.
  EXPECT_GT(recall, 0.5);
  EXPECT_GT(precision, 0.6);
  EXPECT_LT(rmse_xy, 60);
  EXPECT_LT(rmse_z, 200);
}

// PSF design: the exported mask of the starting tetrapod has the tetrapod's CRLB (the crop to the
// pupil's diameter is the geometry kCustom reads), and joint steps move the mask.
TEST(DeepStorm3dDesign, ExportedStartMaskIsTheTetrapodAndStepsMoveIt) {
  DesignSettings s;
  s.net.width = 4, s.net.slices = 4, s.net.upsampling = 1;
  s.data.patch = 16, s.data.density = 1.0;
  s.data.z_min_nm = -800, s.data.z_max_nm = 800;
  s.batch = 2;
  PsfDesigner d(s);
  const ImageF start = d.mask_image();
  const std::vector<double> z = {-600, -200, 0, 300, 700};
  const auto a = pupil_crlb(start, "", 100, z, 3000, 10);
  const auto b = pupil_crlb(ImageF(), "tetrapod", 100, z, 3000, 10);
  for (size_t i = 0; i < z.size(); ++i) {
    EXPECT_NEAR(a[i].x, b[i].x, 0.05 * b[i].x) << z[i];
    EXPECT_NEAR(a[i].z, b[i].z, 0.08 * b[i].z) << z[i];
    EXPECT_GT(b[i].z, 1);
    EXPECT_LT(b[i].z, 50);
  }
  const std::vector<float> before = d.phase();
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(std::isfinite(d.step()));
  double moved = 0;
  for (size_t k = 0; k < before.size(); ++k)
    moved = std::max(moved, double(std::abs(d.phase()[k] - before[k])));
  EXPECT_GT(moved, 0.01);
  EXPECT_LT(moved, 0.1);  // two Adam steps of 0.02 rad
  const auto stack = mask_psf_stack(d.mask_image(), 100, z);
  ASSERT_EQ(stack.size(), z.size());
  double sum = 0;
  for (int64_t i = 0; i < stack[2].width() * stack[2].height(); ++i) sum += stack[2].data()[i];
  EXPECT_GT(sum, 0.5);
  EXPECT_LE(sum, 1.0 + 1e-4);
}

TEST(DeepStorm3dDevice, CudaForwardAgreesWithTheCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  TrainSettings s = small_settings();
  s.net.width = 8, s.net.slices = 4, s.data.patch = 16;
  Trainer t(s);
  const Batch b = make_batch(t.simulator(), s.net, t.model().norm, 9, 0, 2);
  const std::vector<float> cpu = t.model().net->forward(b.input, false).host();
  t.model().to(kernels::Device::cuda(0));
  const std::vector<float> gpu =
      t.model().net->forward(b.input.to(kernels::Device::cuda(0)), false).host();
  ASSERT_EQ(cpu.size(), gpu.size());
  double err = 0, norm = 0;
  for (size_t i = 0; i < cpu.size(); ++i)
    err += std::pow(cpu[i] - gpu[i], 2), norm += std::pow(cpu[i], 2);
  EXPECT_LT(std::sqrt(err / std::max(norm, 1e-30)), 1e-4);
}

}  // namespace
}  // namespace smlm::localization::nets::deepstorm3d
