// The GPU renders the same frames as the CPU for the same seed: the same functor, random streams
// and sums; only CUDA's erf/exp/log/lgamma may differ from glibc's in a last bit, which can tip
// a rare random draw (skipped without a CUDA device).
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "kernels/device.h"
#include "simulation/movie_simulator.h"
#include "simulation/scmos_maps.h"

namespace smlm::simulation {
namespace {

enum class Camera { ccd, emccd, scmos };

class MovieSimulatorGpu : public ::testing::TestWithParam<Camera> {};

TEST_P(MovieSimulatorGpu, MatchesTheCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  SimulationSettings s;
  s.width = 96;
  s.height = 80;
  s.frames = 12;
  s.density = 3;
  s.structure = Structure::filaments;
  s.photon_distribution = PhotonDistribution::lognormal;
  if (GetParam() == Camera::emccd) {  // with read noise
    s.camera.em_gain = 200;
    s.camera.photons_per_adu = 20;
    s.camera.read_noise_e = 40;
    s.camera.qe = 0.9;
  } else if (GetParam() == Camera::scmos) {  // a crop of a larger sensor: maps uploaded, offset
    s.camera_maps = std::make_shared<const CameraMaps>(random_scmos_maps(128, 100, 3));
    s.camera_maps_origin = SensorOrigin{17, 9};
    s.camera.qe = 0.8;
  }
  MovieSimulator cpu(s), gpu(s);
  gpu.set_device(kernels::Device::cuda(0));
  EXPECT_TRUE(gpu.device().is_cuda());
  ImageF a, b;
  LocalizationTable ta, tb;
  int64_t mismatches = 0, pixels = 0;
  for (int f = 0; f < s.frames; ++f) {
    ASSERT_TRUE(cpu.next(a, ta));
    ASSERT_TRUE(gpu.next(b, tb));
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) mismatches += a.vec()[i] != b.vec()[i];
    pixels += static_cast<int64_t>(a.size());
  }
  std::printf("%lld of %lld pixels differ\n", static_cast<long long>(mismatches),
              static_cast<long long>(pixels));
  EXPECT_LE(mismatches, pixels / 10000);
  EXPECT_EQ(ta[col::x], tb[col::x]);
  EXPECT_EQ(ta[col::intensity], tb[col::intensity]);
}

INSTANTIATE_TEST_SUITE_P(Cameras, MovieSimulatorGpu,
                         ::testing::Values(Camera::ccd, Camera::emccd, Camera::scmos),
                         [](const auto& info) {
                           return info.param == Camera::ccd     ? "Ccd"
                                  : info.param == Camera::emccd ? "Emccd"
                                                                : "Scmos";
                         });

}  // namespace
}  // namespace smlm::simulation
