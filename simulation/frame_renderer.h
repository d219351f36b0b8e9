// FrameRenderer: the SMLM_HD functor that makes one simulated pixel, run by kernels::parallel_for
// on the CPU and kernels::parallel_for_gpu on the GPU (same code, same random streams, same sums
// in the same order), so both devices give identical frames for the same seed. The PSF is the 2D
// integrated Gaussian or a 3D model: the astigmatic Gaussian (analytic) or a cubic spline (its
// coefficients; pupil-function PSFs come as splines of their rendered stacks).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "kernels/random.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"
#include "simulation/camera_noise.h"

namespace smlm::simulation {

// One emitter of one frame, in pixel coordinates (pixel i's centre at i) and photons emitted; z
// in camera pixels (the 3D models' θ[kZ]: z_nm / pixel size), ignored by the 2D Gaussian.
struct FrameEmitter {
  double x = 0, y = 0, photons = 0, z = 0;
};

// The PSF a FrameRenderer draws with.
enum class RenderPsf : int32_t {
  integrated_gaussian = 0,  // FrameRenderer::sigma_px
  astigmatic = 1,           // FrameRenderer::astigmatic at the emitter's z
  spline = 2,               // FrameRenderer::spline at the emitter's z
};

// Renders pixel i = y·width + x of frame `frame`:
//   μ = background + Σ_e N_e·PSF_e(x, y)   (emitters beyond `cutoff` px along x or y skipped),
// PSF_e the pixel-integrated PSF of the chosen model at the emitter's (x, y, z): Ex·Ey of the
// integrated Gaussian (σ, or σx(z), σy(z)), or the spline's f (psf/cubic_spline.h) with N = the
// photons it normalizes to; μ is floored at 0 (spline undershoot),
// then the camera chain of CameraNoise. `emitters` must be sorted by y (ascending): each pixel
// binary-searches the emitters within ±cutoff rows and loops over them, so a frame costs
// O(pixels · (log E + emitters per band of 2·cutoff rows)) — fine for sparse and medium
// densities; a tiled splat would be the way for very dense frames. Pointers are in the memory
// of the device that runs the functor.
struct FrameRenderer {
  const FrameEmitter* emitters = nullptr;
  int64_t num_emitters = 0;
  int width = 0, height = 0;
  RenderPsf psf = RenderPsf::integrated_gaussian;
  double sigma_px = 1;                 // integrated Gaussian sigma [px]
  psf::AstigmaticGaussian astigmatic;  // RenderPsf::astigmatic
  psf::CubicSplinePsf spline;          // RenderPsf::spline; coefficients on the running device
  double cutoff_px = 6;                // skip emitters farther than this along x or y [px]
  double background = 0;               // photons per pixel
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
      mu += e.photons * psf_value(e, px, py);
    }
    mu = mu > 0 ? mu : 0.0;
    kernels::Rng rng(seed, pixel_stream(frame, static_cast<int64_t>(width) * height, i));
    out[i] = camera.adu(mu, rng);
  }

  // The fraction of emitter e's photons that pixel (px, py) receives.
  SMLM_HD double psf_value(const FrameEmitter& e, int px, int py) const {
    using G = psf::IntegratedGaussian;
    if (psf == RenderPsf::astigmatic) {
      double sx, sy, dsx, dsy;
      astigmatic.sigmas(e.z, sx, sy, dsx, dsy);
      return G::integral_1d(px, e.x, sx) * G::integral_1d(py, e.y, sy);
    }
    if (psf == RenderPsf::spline) {
      const double s = spline.oversampling;
      return spline.value(spline.cx + s * (px - e.x), spline.cy + s * (py - e.y),
                          spline.cz + e.z * spline.slices_per_px(), nullptr, nullptr, nullptr);
    }
    return G::integral_1d(px, e.x, sigma_px) * G::integral_1d(py, e.y, sigma_px);
  }
};

}  // namespace smlm::simulation
