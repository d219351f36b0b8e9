// The standard benchmark workloads, simulated in memory from fixed seeds: ROIs for the LM fitters
// (2D integrated Gaussian, 3D astigmatic Gaussian and its cubic spline), sparse movies for
// detection and the whole pipeline, and the Deep-STORM net configurations. Shared by the Google
// Benchmark programs (bench/*_bench.cpp) and `smlm bench` (cli/bench.cpp), so that both measure
// the same data. Header-only and free of Google Benchmark: the CLI includes it, and bench/ is
// built only where Google Benchmark is installed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "localization/batch_fit.h"
#include "localization/nets/deepstorm/net.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"
#include "simulation/movie_simulator.h"

namespace smlm::bench {

// n size × size ROIs (size ≤ 16) of photoelectrons (host memory): integrated Gaussian, 2000
// photons, 20 bg/px, σ 1.3 px, the spot within ½ px of the ROI centre c; ROI i draws from Philox
// stream (seed, i). Each ROI gets the start values (c, c, 1500, 15, 1.3), 25 % off in N and bg;
// clear `starts` to let the fitter start from the data, as the Localizer does. Simulated on the
// CPU's threads; the same ROIs for any thread count.
inline localization::RoiBatch gaussian_rois(int size, int n, uint64_t seed = 7) {
  SMLM_CHECK(size >= 1 && size <= 16, "ROI side " << size << ": expected 1 to 16");
  localization::RoiBatch set;
  set.w = set.h = size;
  const int np = size * size;
  const double c = 0.5 * (size - 1);
  set.pixels.resize(static_cast<size_t>(n) * np);
  set.starts.resize(static_cast<size_t>(n) * 5);
  kernels::parallel_for(n, [&](int64_t i) {
    kernels::Rng rng(seed, i);
    const double theta[5] = {c + rng.uniform() - 0.5, c + rng.uniform() - 0.5, 2000, 20, 1.3};
    double mu[16 * 16];
    psf::IntegratedGaussian::evaluate_roi(theta, size, size, mu, nullptr);
    float* roi = set.pixels.data() + i * np;
    for (int k = 0; k < np; ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
    const double start[5] = {c, c, 1500, 15, 1.3};
    std::copy_n(start, 5, set.starts.data() + i * 5);
  });
  return set;
}

// The 3D workloads' astigmatism: σ0 = 1.1 px in x and y, depth d = 450 nm, foci at z = −250 nm (x)
// and +250 nm (y), calibrated over ±800 nm. Use with a 100 nm pixel.
inline psf::AstigmaticCalibration astigmatic_curves() {
  psf::AstigmaticCalibration c;
  c.x.sigma0 = c.y.sigma0 = 1.1;
  c.x.d = c.y.d = 450;
  c.x.c = -250;
  c.y.c = 250;
  c.z_min_nm = -800;
  c.z_max_nm = 800;
  return c;
}

// A cubic spline of the astigmatic model's own z-stack: 81 slices 20 nm apart (±800 nm), 33 × 33
// samples at 2× oversampling, unnormalized (so that N means the same as for the model); ~0.1 s
// of one core to build.
inline std::unique_ptr<psf::CubicSpline> astigmatic_spline(const psf::AstigmaticGaussian& m) {
  const int os = 2, half = 8 * os;
  std::vector<ImageF> stack;
  for (int k = -40; k <= 40; ++k) {
    double sx, sy, dsx, dsy;
    m.sigmas(k * 20.0 / m.pixel_size_nm, sx, sy, dsx, dsy);
    ImageF im(2 * half + 1, 2 * half + 1);
    for (int b = 0; b <= 2 * half; ++b)
      for (int a = 0; a <= 2 * half; ++a)
        im(a, b) =
            static_cast<float>(psf::IntegratedGaussian::integral_1d(double(a - half) / os, 0, sx) *
                               psf::IntegratedGaussian::integral_1d(double(b - half) / os, 0, sy));
    stack.push_back(std::move(im));
  }
  psf::SplineSettings s;
  s.oversampling = os;
  s.dz_nm = 20;
  s.cz = 40;
  s.normalization = psf::SplineSettings::Normalization::kNone;
  return std::make_unique<psf::CubicSpline>(stack, s);
}

// n size × size astigmatic ROIs (size ≤ 16; model m): 2000 photons, bg 15, the spot within ½ px of
// the ROI centre, z uniform over ±600 nm; ROI i draws from Philox stream (seed, i). No start
// values: 3D fits start from their z scan.
inline localization::RoiBatch astigmatic_rois(const psf::AstigmaticGaussian& m, int size, int n,
                                              uint64_t seed = 9) {
  SMLM_CHECK(size >= 1 && size <= 16, "ROI side " << size << ": expected 1 to 16");
  localization::RoiBatch set;
  set.w = set.h = size;
  const int np = size * size;
  const double c = 0.5 * (size - 1);
  set.pixels.resize(static_cast<size_t>(n) * np);
  kernels::parallel_for(n, [&](int64_t i) {
    kernels::Rng rng(seed, i);
    const double theta[5] = {c + rng.uniform() - 0.5, c + rng.uniform() - 0.5, 2000, 15,
                             (rng.uniform() * 1200 - 600) / m.pixel_size_nm};
    double mu[16 * 16];
    m.evaluate_roi(theta, size, size, mu, nullptr);
    float* roi = set.pixels.data() + i * np;
    for (int k = 0; k < np; ++k) roi[k] = static_cast<float>(rng.poisson(mu[k]));
  });
  return set;
}

// Emitters per µm² of the sparse pipeline movies: 0.5 up to 512² frames, 0.1 above (a 2048²
// frame then holds ~4000 molecules, as a 256² one ~260).
inline double movie_density(int size) { return size > 512 ? 0.1 : 0.5; }

// `frames` size × size frames in ADU of a sparse movie (MovieSimulator defaults: uniform emitters
// blinking, 2000 photons, 20 bg photons/px, σ 130 nm, 100 nm pixels), rendered on `device`.
inline std::vector<ImageF> simulate_movie(int size, int frames, double density,
                                          kernels::Device device = kernels::Device::cpu(),
                                          uint64_t seed = 3) {
  simulation::SimulationSettings s;
  s.width = s.height = size;
  s.frames = frames;
  s.density = density;
  s.seed = seed;
  simulation::MovieSimulator sim(s);
  if (device.is_cuda()) sim.set_device(device);
  std::vector<ImageF> movie(frames);
  LocalizationTable truth;
  for (auto& f : movie) sim.next(f, truth);
  return movie;
}

// Deep-STORM nets: the published one (upsampling 8, widths 32/64/128/512), the default of `smlm
// train deepstorm` (4, 16/32/64/256: minutes to train on two cores), and a small one for quick
// comparisons (4, 8/16/32/128).
enum class DeepStormNet { published, train_default, small };

inline localization::nets::deepstorm::NetConfig deepstorm_config(DeepStormNet net) {
  localization::nets::deepstorm::NetConfig c;
  if (net == DeepStormNet::train_default) c.upsampling = 4, c.widths = {16, 32, 64, 256};
  if (net == DeepStormNet::small) c.upsampling = 4, c.widths = {8, 16, 32, 128};
  return c;
}

}  // namespace smlm::bench
