// Tests of batched detection: on the CPU, frame by frame the candidates of detect() (spots at the
// borders, exact plateaus) for any batch split and thread count, and the ROIs of extract_roi; on
// the GPU (skipped without one), the CPU's candidates, ROIs and Localizer table.
#include "localization/detect_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "core/error.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "localization/detect_kernels.h"
#include "localization/localizer.h"
#include "localization/roi.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {
namespace {

// ADU = baseline + e·g/p, so that the conversion is not the identity.
CameraModel test_camera() {
  CameraModel c;
  c.baseline_adu = 100;
  c.photons_per_adu = 2;
  c.em_gain = 1;
  return c;
}

// A w × h frame of Poisson photoelectrons (background bg, integrated Gaussian spots), in ADU.
ImageF spot_frame(int w, int h, double bg, const std::vector<std::array<double, 2>>& spots,
                  kernels::Rng& rng, const CameraModel& cam) {
  ImageF img(w, h);
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      double mu = bg;
      for (const auto& s : spots) {
        const double theta[5] = {s[0], s[1], 1200.0, 0.0, 1.3};
        mu += psf::IntegratedGaussian::value(theta, i, j);
      }
      img(i, j) = static_cast<float>(cam.baseline_adu +
                                     rng.poisson(mu) * cam.em_gain / cam.photons_per_adu);
    }
  return img;
}

// Random spots, some on the border and in the corners.
std::vector<std::array<double, 2>> random_spots(int w, int h, int n, kernels::Rng& rng) {
  std::vector<std::array<double, 2>> s = {{0.1, 0.2}, {w - 1.0, h * 0.5}, {w * 0.5, h - 0.8}};
  while (static_cast<int>(s.size()) < n)
    s.push_back({rng.uniform() * (w - 1), rng.uniform() * (h - 1)});
  return s;
}

// Small integers, whose wavelet arithmetic is exact in float: symmetric plateaus give exactly
// equal F2, so the tie rule decides (the first pixel in raster order wins).
ImageF plateau_frame(int w, int h, const CameraModel& cam) {
  ImageF e(w, h, 5.0f);
  auto set = [&](int x0, int y0, int nx, int ny, float v) {
    for (int y = y0; y < y0 + ny; ++y)
      for (int x = x0; x < x0 + nx; ++x) e(x, y) = v;
  };
  set(10, 10, 2, 1, 60);     // horizontal pair
  set(20, 8, 1, 2, 60);      // vertical pair
  set(30, 20, 2, 2, 60);     // 2 × 2
  set(0, 0, 3, 3, 40);       // corner
  set(w - 1, 14, 1, 2, 50);  // right border
  set(12, h - 1, 2, 1, 50);  // bottom border
  ImageF adu(w, h);
  for (size_t i = 0; i < e.size(); ++i)
    adu.data()[i] =
        static_cast<float>(cam.baseline_adu + e.data()[i] * cam.em_gain / cam.photons_per_adu);
  return adu;
}

std::vector<ImageF> test_frames(int w, int h, const CameraModel& cam, uint64_t seed) {
  kernels::Rng rng(seed, 0);
  std::vector<ImageF> frames;
  for (int f = 0; f < 4; ++f)
    frames.push_back(spot_frame(w, h, 10 + 5 * f, random_spots(w, h, 8, rng), rng, cam));
  frames.push_back(plateau_frame(w, h, cam));
  frames.push_back(ImageF(w, h, static_cast<float>(cam.baseline_adu)));  // flat: none
  return frames;
}

ImageF to_electrons(const ImageF& adu, const CameraModel& cam) {
  ImageF e(adu.width(), adu.height());
  for (size_t i = 0; i < adu.size(); ++i)
    e.data()[i] = static_cast<float>(cam.adu_to_electrons(adu.data()[i]));
  return e;
}

// Candidates of frame f of a batch, as detect() reports them.
std::vector<Candidate> of_frame(const std::vector<BatchCandidate>& c, int f) {
  std::vector<Candidate> out;
  for (const BatchCandidate& k : c)
    if (k.frame == f) out.push_back({k.x, k.y, k.value});
  return out;
}

void expect_same(const std::vector<Candidate>& a, const std::vector<Candidate>& b,
                 const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].x, b[i].x) << what << " #" << i;
    EXPECT_EQ(a[i].y, b[i].y) << what << " #" << i;
    EXPECT_EQ(a[i].value, b[i].value) << what << " #" << i;
  }
}

TEST(BatchDetector, CpuFindsWhatDetectFindsFrameByFrame) {
  const CameraModel cam = test_camera();
  const int w = 48, h = 40;
  const std::vector<ImageF> frames = test_frames(w, h, cam, 5);
  const int threads = kernels::cpu_threads();
  for (const DetectionSettings ds : {DetectionSettings{0.5}, DetectionSettings{1.0},
                                     DetectionSettings{2.0}, DetectionSettings{1.0, 3}}) {
    std::vector<std::vector<Candidate>> expected;
    for (const ImageF& f : frames) expected.push_back(detect(to_electrons(f, cam), ds));
    BatchDetector det(cam, ds, 3);
    for (int t : {1, 3}) {
      kernels::set_cpu_threads(t);
      det.run(frames);
      ASSERT_EQ(det.thresholds().size(), frames.size());
      for (size_t f = 0; f < frames.size(); ++f)
        expect_same(expected[f], of_frame(det.candidates(), static_cast<int>(f)), "whole batch");
      // Frame by frame, reusing the (larger) buffers: the same.
      for (size_t f = 0; f < frames.size(); ++f) {
        det.run(std::span<const ImageF>(frames).subspan(f, 1));
        expect_same(expected[f], of_frame(det.candidates(), 0), "one frame");
      }
    }
    kernels::set_cpu_threads(threads);
  }

  // The cases are there: border candidates, the plateaus' first pixels, none in the flat frame.
  BatchDetector det(cam, DetectionSettings{}, 3);
  det.run(frames);
  int border = 0;
  for (const BatchCandidate& c : det.candidates())
    border += c.x == 0 || c.y == 0 || c.x == w - 1 || c.y == h - 1;
  EXPECT_GE(border, 4);
  const std::vector<Candidate> plateau = of_frame(det.candidates(), 4);
  auto found = [&](int x, int y) {
    for (const Candidate& c : plateau)
      if (c.x == x && c.y == y) return true;
    return false;
  };
  EXPECT_TRUE(found(10, 10));
  EXPECT_FALSE(found(11, 10));
  EXPECT_TRUE(found(20, 8));
  EXPECT_FALSE(found(20, 9));
  EXPECT_TRUE(found(30, 20));
  EXPECT_FALSE(found(31, 21));
  EXPECT_TRUE(found(w - 1, 14));
  EXPECT_TRUE(found(12, h - 1));
  EXPECT_TRUE(of_frame(det.candidates(), 5).empty());
  // Candidates come by frame, each frame's in raster order.
  const auto& c = det.candidates();
  for (size_t i = 1; i < c.size(); ++i)
    EXPECT_TRUE(c[i].frame > c[i - 1].frame ||
                (c[i].frame == c[i - 1].frame &&
                 (c[i].y > c[i - 1].y || (c[i].y == c[i - 1].y && c[i].x > c[i - 1].x))));
}

TEST(BatchDetector, RoisAreWindowsOfTheConvertedFrames) {
  const CameraModel cam = test_camera();
  const std::vector<ImageF> frames = test_frames(40, 36, cam, 11);
  std::vector<ImageF> electrons;
  for (const ImageF& f : frames) electrons.push_back(to_electrons(f, cam));
  for (int radius : {3, 5}) {
    BatchDetector det(cam, DetectionSettings{}, radius);
    det.run(frames);
    ASSERT_TRUE(det.has_rois());
    const int size = det.roi_size(), npix = size * size;
    EXPECT_EQ(size, 2 * radius + 1);
    const std::vector<float> rois = det.roi_pixels_host();
    ASSERT_EQ(rois.size(), det.candidates().size() * npix);
    ASSERT_GT(det.candidates().size(), 20u);
    std::vector<float> roi(npix);
    for (size_t k = 0; k < det.candidates().size(); ++k) {
      const BatchCandidate& c = det.candidates()[k];
      const ImageF& e = electrons[c.frame];
      int x0 = -1, y0 = -1;
      ASSERT_TRUE(place_roi(c.x, c.y, radius, e.width(), e.height(), x0, y0));
      EXPECT_EQ(c.x0, x0);
      EXPECT_EQ(c.y0, y0);
      extract_roi(e.data(), e.width(), x0, y0, size, size, roi.data());
      for (int i = 0; i < npix; ++i) ASSERT_EQ(rois[k * npix + i], roi[i]) << k << " " << i;
    }
  }
}

TEST(BatchDetector, FramesSmallerThanTheRoiHaveCandidatesButNoRois) {
  const CameraModel cam = test_camera();
  kernels::Rng rng(3, 0);
  const std::vector<ImageF> tiny = {spot_frame(6, 5, 10, {{2.3, 2.1}}, rng, cam),
                                    spot_frame(6, 5, 10, {{4.6, 1.8}}, rng, cam)};
  BatchDetector det(cam, DetectionSettings{}, 3);
  det.run(tiny);
  EXPECT_FALSE(det.has_rois());
  ASSERT_FALSE(det.candidates().empty());
  for (int f = 0; f < 2; ++f)
    expect_same(detect(to_electrons(tiny[f], cam), {}), of_frame(det.candidates(), f), "tiny");
  for (const BatchCandidate& c : det.candidates()) EXPECT_TRUE(c.x0 == 0 && c.y0 == 0);
  EXPECT_TRUE(det.roi_pixels_host().empty());
  // An empty batch, and empty frames: nothing.
  det.run(std::vector<ImageF>{});
  EXPECT_TRUE(det.candidates().empty());
  det.run(std::vector<ImageF>{ImageF(), ImageF()});
  EXPECT_TRUE(det.candidates().empty());
  EXPECT_EQ(det.thresholds().size(), 2u);
}

TEST(BatchDetector, RejectsMixedSizesAndImpossibleSettings) {
  const CameraModel cam = test_camera();
  BatchDetector det(cam, DetectionSettings{}, 3);
  EXPECT_THROW(det.run(std::vector<ImageF>{ImageF(8, 8), ImageF(8, 9)}), Error);
  EXPECT_THROW(BatchDetector(cam, DetectionSettings{NAN}, 3), Error);
  EXPECT_THROW(BatchDetector(cam, DetectionSettings{}, -1), Error);
  CameraModel bad = cam;
  bad.em_gain = 0.5;
  EXPECT_THROW(BatchDetector(bad, DetectionSettings{}, 3), Error);
  if (kernels::cuda_device_count() == 0) {
    EXPECT_THROW(BatchDetector(cam, DetectionSettings{}, 3, kernels::Device::cuda(0)), Error);
  }
}

// The GPU's sequence (localization/cuda/detect_batch_gpu.cu) run on the CPU: the functors by flat
// index, in place where the GPU works in place, the sums in slices (thresholds then differ by
// ulps; no candidate of these frames lies that close): the batch detector's candidates and ROIs.
TEST(BatchDetector, FlatIndexFunctorsInTheGpuOrderGiveTheSameResult) {
  const CameraModel cam = test_camera();
  const int w = 48, h = 40, radius = 3, size = 7;
  const std::vector<ImageF> frames = test_frames(w, h, cam, 7);
  const int64_t nf = static_cast<int64_t>(frames.size()), npix = int64_t{w} * h;
  const int64_t total = nf * npix;
  std::vector<float> e(total), tmp(total), v1(total), v2(total);
  for (int64_t f = 0; f < nf; ++f)
    std::copy(frames[f].vec().begin(), frames[f].vec().end(), e.begin() + f * npix);
  auto run = [](int64_t n, const auto& kernel) {
    for (int64_t i = 0; i < n; ++i) kernel(i);
  };
  run(total, AduToElectronsKernel{PixelCamera{cam, {}}, e.data(), e.data(), w, h});
  run(total, AtrousPassKernel{e.data(), tmp.data(), w, h, 1, 1, 0});
  run(total, AtrousPassKernel{tmp.data(), v1.data(), w, h, 1, 0, 1});
  run(total, AtrousPassKernel{v1.data(), tmp.data(), w, h, 2, 1, 0});
  run(total, AtrousPassKernel{tmp.data(), v2.data(), w, h, 2, 0, 1});
  run(total, WaveletLevelsKernel{e.data(), v1.data(), v2.data(), tmp.data(), v2.data()});
  const int parts = 3;
  const int64_t chunk = (npix + parts - 1) / parts;
  std::vector<double> partial(2 * nf * parts);
  for (int64_t f = 0; f < nf; ++f)
    for (int p = 0; p < parts; ++p) {
      const int64_t begin = p * chunk, n = std::min(npix, begin + chunk) - begin;
      sum_and_squares(tmp.data() + f * npix + begin, n, partial[2 * (f * parts + p)],
                      partial[2 * (f * parts + p) + 1]);
    }
  std::vector<float> thr(nf);
  run(nf, FrameThresholdKernel{partial.data(), parts, npix, 1.0, thr.data()});
  const CandidateTestKernel test{v2.data(), thr.data(), w, h};
  std::vector<int64_t> index;
  for (int64_t i = 0; i < total; ++i)
    if (test(i)) index.push_back(i);
  const int64_t n = static_cast<int64_t>(index.size());
  std::vector<BatchCandidate> cand(n);
  std::vector<float> rois(n * size * size);
  run(n, CandidateRoiKernel{index.data(), e.data(), v2.data(), w, h, radius, cand.data(),
                            rois.data(), PixelCamera{cam, {}}, nullptr});

  BatchDetector det(cam, DetectionSettings{}, radius);
  det.run(frames);
  for (int64_t f = 0; f < nf; ++f) EXPECT_NEAR(thr[f], det.thresholds()[f], 1e-6 * thr[f]);
  ASSERT_EQ(cand.size(), det.candidates().size());
  const std::vector<float> expected = det.roi_pixels_host();
  for (int64_t k = 0; k < n; ++k) {
    const BatchCandidate& a = cand[k];
    const BatchCandidate& b = det.candidates()[k];
    EXPECT_TRUE(a.frame == b.frame && a.x == b.x && a.y == b.y && a.value == b.value &&
                a.x0 == b.x0 && a.y0 == b.y0)
        << k;
  }
  EXPECT_EQ(rois, expected);
}

// sCMOS maps of a sensor larger than the frames, and w × h frames of spots at `origin` on it (ADU =
// offset + gain·e⁻, e⁻ Poisson).
struct ScmosFrames {
  CameraMaps maps;
  CameraMapsView view;
  std::vector<ImageF> frames;
};
ScmosFrames scmos_frames(int w, int h, int nf, SensorOrigin origin, uint64_t seed) {
  ScmosFrames s;
  kernels::Rng rng(seed, 0);
  s.maps.width = w + origin.x + 5;
  s.maps.height = h + origin.y + 3;
  for (int i = 0; i < s.maps.width * s.maps.height; ++i) {
    s.maps.offset.push_back(static_cast<float>(100 + 20 * rng.normal()));
    s.maps.gain.push_back(static_cast<float>(0.5 * std::exp(0.3 * rng.normal())));
    s.maps.variance.push_back(static_cast<float>(rng.uniform() < 0.1 ? 100 : 1));
  }
  s.view = s.maps.frame_view(w, h, origin);
  const CameraModel unit{.photons_per_adu = 1, .baseline_adu = 0};
  for (int f = 0; f < nf; ++f) {
    ImageF e = spot_frame(w, h, 10 + 5 * f, random_spots(w, h, 8, rng), rng, unit);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int64_t i = s.view.index(x, y);
        e(x, y) = std::round(s.maps.offset[i] + s.maps.gain[i] * e(x, y));
      }
    s.frames.push_back(std::move(e));
  }
  return s;
}

// With maps, each pixel converts with its own offset and gain (what detect() then finds), and each
// ROI carries the read-noise variances of its pixels on the sensor.
TEST(BatchDetector, CameraMapsConvertEachPixelAndGiveEachRoiItsVariances) {
  const CameraModel cam = test_camera();  // its baseline and photons per ADU are not used
  const int w = 48, h = 40, radius = 3, size = 7, npix = size * size;
  const ScmosFrames s = scmos_frames(w, h, 5, {6, 4}, 13);
  const PixelCamera pc{cam, s.view};
  BatchDetector det(cam, DetectionSettings{}, radius);
  det.run(s.frames, s.view);
  const std::vector<float> rois = det.roi_pixels_host(), variance = det.roi_variance_host();
  ASSERT_EQ(variance.size(), rois.size());
  ASSERT_GT(det.candidates().size(), 20u);
  for (int f = 0; f < 5; ++f) {
    ImageF e(w, h);
    adu_to_electrons(pc, s.frames[f].data(), w, h, e.data());
    expect_same(detect(e, {}), of_frame(det.candidates(), f), "sCMOS");
    for (size_t k = 0; k < det.candidates().size(); ++k) {
      const BatchCandidate& c = det.candidates()[k];
      if (c.frame != f) continue;
      std::vector<float> roi(npix), var(npix);
      extract_roi(e.data(), w, c.x0, c.y0, size, size, roi.data());
      variance_e2(PixelCamera{cam, s.view.shifted(c.x0, c.y0)}, size, size, var.data());
      for (int i = 0; i < npix; ++i) {
        ASSERT_EQ(rois[k * npix + i], roi[i]) << k << " " << i;
        ASSERT_EQ(variance[k * npix + i], var[i]) << k << " " << i;
      }
    }
  }
  // Without maps, no variances; frames off the sensor are refused.
  det.run(s.frames);
  EXPECT_EQ(det.roi_variance(), nullptr);
  EXPECT_TRUE(det.roi_variance_host().empty());
  EXPECT_THROW(det.run(s.frames, s.view.shifted(6, 0)), Error);
}

TEST(BatchDetector, GpuWithCameraMapsAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const CameraModel cam = test_camera();
  const ScmosFrames s = scmos_frames(96, 80, 6, {6, 4}, 17);
  BatchDetector cpu(cam, DetectionSettings{}, 3);
  BatchDetector gpu(cam, DetectionSettings{}, 3, kernels::Device::cuda(0));
  cpu.run(s.frames, s.view);
  gpu.run(s.frames, s.view);
  ASSERT_GT(cpu.candidates().size(), 30u);
  ASSERT_EQ(cpu.candidates().size(), gpu.candidates().size());  // no candidate at the threshold
  for (size_t k = 0; k < cpu.candidates().size(); ++k) {
    EXPECT_EQ(cpu.candidates()[k].x, gpu.candidates()[k].x);
    EXPECT_EQ(cpu.candidates()[k].y, gpu.candidates()[k].y);
    EXPECT_FLOAT_EQ(cpu.candidates()[k].value, gpu.candidates()[k].value);
  }
  EXPECT_EQ(cpu.roi_pixels_host(), gpu.roi_pixels_host());
  EXPECT_EQ(cpu.roi_variance_host(), gpu.roi_variance_host());
  // The Localizer: LM on the GPU with the maps in detection and likelihood, the CPU's table.
  LocalizeSettings ls;
  ls.camera_maps = std::make_shared<const CameraMaps>(s.maps);
  ls.camera_maps_origin = SensorOrigin{6, 4};
  const LocalizationTable a = Localizer(cam, ls).localize(s.frames, 0);
  ls.fit.device = kernels::Device::cuda(0);
  const LocalizationTable b = Localizer(cam, ls).localize(s.frames, 0);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 20u);
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_NEAR(a[col::x][r], b[col::x][r], 1.0);  // nm
    EXPECT_NEAR(a[col::y][r], b[col::y][r], 1.0);
    EXPECT_NEAR(a[col::uncertainty_xy][r], b[col::uncertainty_xy][r],
                1e-3 * a[col::uncertainty_xy][r]);
  }
}

// The GPU computes the same F2 (no fused multiply-adds); its thresholds sum F1 in another order,
// so only candidates within rounding of the threshold may differ.
TEST(BatchDetector, GpuAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const CameraModel cam = test_camera();
  BatchDetector cpu(cam, DetectionSettings{}, 3);
  BatchDetector gpu(cam, DetectionSettings{}, 3, kernels::Device::cuda(0));
  int compared = 0, near_threshold = 0;
  // A large batch, then smaller frames in the grown buffers, then the first again.
  for (int size : {256, 48, 256}) {
    kernels::Rng rng(static_cast<uint64_t>(size), 1);
    std::vector<ImageF> frames;
    for (int f = 0; f < 6; ++f)
      frames.push_back(
          spot_frame(size, size, 20, random_spots(size, size, size / 4, rng), rng, cam));
    frames.push_back(plateau_frame(size, size, cam));
    cpu.run(frames);
    gpu.run(frames);
    ASSERT_EQ(gpu.thresholds().size(), frames.size());
    for (size_t f = 0; f < frames.size(); ++f)
      EXPECT_NEAR(gpu.thresholds()[f], cpu.thresholds()[f], 1e-5 * cpu.thresholds()[f]);
    const std::vector<float> cpu_rois = cpu.roi_pixels_host(), gpu_rois = gpu.roi_pixels_host();
    const auto& a = cpu.candidates();
    const auto& b = gpu.candidates();
    auto near_thr = [&](const BatchCandidate& c) {
      const float t = cpu.thresholds()[c.frame];
      return std::fabs(c.value - t) <= 1e-5 * std::fabs(t);
    };
    auto before = [](const BatchCandidate& p, const BatchCandidate& q) {
      return p.frame != q.frame ? p.frame < q.frame : (p.y != q.y ? p.y < q.y : p.x < q.x);
    };
    const int npix = 49;
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      if (j == b.size() || (i < a.size() && before(a[i], b[j]))) {
        EXPECT_TRUE(near_thr(a[i])) << "only on the CPU: frame " << a[i].frame << " " << a[i].x;
        ++near_threshold, ++i;
      } else if (i == a.size() || before(b[j], a[i])) {
        EXPECT_TRUE(near_thr(b[j])) << "only on the GPU: frame " << b[j].frame << " " << b[j].x;
        ++near_threshold, ++j;
      } else {
        EXPECT_FLOAT_EQ(a[i].value, b[j].value);
        EXPECT_EQ(a[i].x0, b[j].x0);
        EXPECT_EQ(a[i].y0, b[j].y0);
        for (int p = 0; p < npix; ++p)
          EXPECT_FLOAT_EQ(cpu_rois[i * npix + p], gpu_rois[j * npix + p]);
        ++compared, ++i, ++j;
      }
    }
  }
  std::printf("[ gpu       ] %d candidates identical, %d at the threshold\n", compared,
              near_threshold);
  EXPECT_GT(compared, 500);
}

// The Localizer with LM on the GPU (detection there too) gives the CPU's table; a batch with
// frames of two sizes runs as two detector batches.
TEST(BatchDetector, GpuLocalizerAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  CameraModel cam = test_camera();
  cam.pixel_size_nm = 100;
  kernels::Rng rng(23, 0);
  std::vector<ImageF> frames;
  for (int f = 0; f < 8; ++f) {
    const int size = f < 6 ? 96 : 64;
    std::vector<std::array<double, 2>> spots;
    while (spots.size() < 12) {
      const std::array<double, 2> s = {2 + rng.uniform() * (size - 4),
                                       2 + rng.uniform() * (size - 4)};
      bool apart = true;
      for (const auto& o : spots) apart = apart && std::hypot(s[0] - o[0], s[1] - o[1]) >= 9;
      if (apart) spots.push_back(s);
    }
    frames.push_back(spot_frame(size, size, 20, spots, rng, cam));
  }
  frames.insert(frames.begin() + 3, ImageF(5, 5, 100.0f));  // too small for a ROI
  LocalizeSettings s;
  const LocalizationTable a = Localizer(cam, s).localize(frames, 10);
  s.fit.device = kernels::Device::cuda(0);
  Localizer gpu(cam, s);
  const LocalizationTable b = gpu.localize(frames, 10);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 80u);
  int within = 0;
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_EQ(a[col::frame][r], b[col::frame][r]);
    const double dx = std::fabs(a[col::x][r] - b[col::x][r]) / cam.pixel_size_nm;
    const double dy = std::fabs(a[col::y][r] - b[col::y][r]) / cam.pixel_size_nm;
    EXPECT_LT(dx, 0.01);
    EXPECT_LT(dy, 0.01);
    within += dx < 1e-6 && dy < 1e-6;
  }
  // Fits agree to rounding (CUDA's and libm's last ulps), bar one whose convergence test tips.
  EXPECT_GE(within, static_cast<int>(a.size()) - 1);
  EXPECT_EQ(gpu.stats().frames, 9);
}

}  // namespace
}  // namespace smlm::localization
