// FrameRenderer: the SMLM_HD functor that makes one simulated pixel, run by kernels::parallel_for
// on the CPU and kernels::parallel_for_gpu on the GPU (same code, same random streams, same sums
// in the same order), so both devices give identical frames for the same seed.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "kernels/random.h"
#include "psf/integrated_gaussian.h"
#include "simulation/camera_noise.h"

namespace smlm::simulation {

// One emitter of one frame, in pixel coordinates (pixel i's centre at i) and photons emitted.
struct FrameEmitter {
  double x = 0, y = 0, photons = 0;
};

// Renders pixel i = y·width + x of frame `frame`:
//   μ = background + Σ_e N_e·Ex·Ey   (integrated Gaussian, emitters beyond `cutoff` px skipped),
// then the camera chain of CameraNoise. `emitters` must be sorted by y (ascending): each pixel
// binary-searches the emitters within ±cutoff rows and loops over them, so a frame costs
// O(pixels · (log E + emitters per band of 2·cutoff rows)) — fine for sparse and medium
// densities; a tiled splat would be the way for very dense frames. Pointers are in the memory
// of the device that runs the functor.
struct FrameRenderer {
  const FrameEmitter* emitters = nullptr;
  int64_t num_emitters = 0;
  int width = 0, height = 0;
  double sigma_px = 1;    // PSF sigma [px]
  double cutoff_px = 6;   // skip emitters farther than this along x or y [px]
  double background = 0;  // photons per pixel
  CameraNoise camera;
  uint64_t seed = 0;
  int64_t frame = 0;
  float* out = nullptr;  // width·height ADU values

  SMLM_HD void operator()(int64_t i) const {
    const int px = static_cast<int>(i % width), py = static_cast<int>(i / width);
    double mu = background;
    int64_t lo = 0, hi = num_emitters;
    const double y_min = py - cutoff_px, y_max = py + cutoff_px;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (emitters[mid].y < y_min)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (int64_t k = lo; k < num_emitters && emitters[k].y <= y_max; ++k) {
      const FrameEmitter e = emitters[k];
      if (std::fabs(e.x - px) > cutoff_px) continue;
      mu += e.photons * psf::IntegratedGaussian::integral_1d(px, e.x, sigma_px) *
            psf::IntegratedGaussian::integral_1d(py, e.y, sigma_px);
    }
    kernels::Rng rng(seed, pixel_stream(frame, static_cast<int64_t>(width) * height, i));
    out[i] = camera.adu(mu, rng);
  }
};

}  // namespace smlm::simulation
