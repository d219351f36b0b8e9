// FrameRenderer: the SMLM_HD functor that makes one simulated pixel, run by kernels::parallel_for
// on the CPU and kernels::parallel_for_gpu on the GPU (same code, same random streams, same sums
// in the same order), so both devices give the same frames for the same seed, up to the rare draw
// that a last-bit difference between CUDA's and glibc's erf/exp/log tips. The PSF is the 2D
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
//   μ = background (or background_map[i]) + Σ_e N_e·PSF_e(x, y)   (emitters beyond `cutoff` px
//   along x or y skipped),
// PSF_e the pixel-integrated PSF of the chosen model at the emitter's (x, y, z): Ex·Ey of the
// integrated Gaussian (σ, or σx(z), σy(z)), or the spline's f (psf/cubic_spline.h) with N = the
// photons it normalizes to; μ is floored at 0 (spline undershoot),
// then the camera chain of CameraNoise at pixel (x, y) (with sCMOS maps, camera.maps: in the
// running device's memory, its origin the frame's place on the sensor). `emitters` must be
// sorted by y (ascending): each pixel binary-searches the emitters within ±cutoff rows and loops
// over them, so a frame costs
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
  // Optional, for the integrated Gaussian and the astigmatic PSF: per emitter k (in `emitters`'
  // order), its pixel integrals Ex over table_side pixels from x = table_origin(e.x), then Ey
  // likewise, at tables + k·2·table_side (fill_table; MovieSimulator and the GPU renderer fill
  // them before a frame). One erf per pixel edge per emitter instead of four per pixel and
  // emitter. Null: each pixel computes its integrals itself (the same function, the same value
  // to rounding).
  double* tables = nullptr;
  int table_side = 0;     // table_side_for(cutoff_px)
  double background = 0;  // photons per pixel
  // Optional: width·height photons per pixel that replace `background` (a structured background,
  // simulation/background_structure.h), in the running device's memory.
  const float* background_map = nullptr;
  CameraNoise camera;
  uint64_t seed = 0;
  int64_t frame = 0;
  float* out = nullptr;  // width·height ADU values

  // A table wide enough for every pixel within `cutoff` of an emitter along an axis.
  static int table_side_for(double cutoff) {
    return 2 * static_cast<int>(std::ceil(cutoff + 0.5)) + 1;
  }
  // The first pixel of a table along an axis for an emitter at coordinate c.
  SMLM_HD int table_origin(double c) const {
    return static_cast<int>(std::floor(c + 0.5)) - (table_side - 1) / 2;
  }
  // Fills emitter k's table (tables must hold 2·table_side doubles per emitter).
  SMLM_HD void fill_table(int64_t k) const {
    const FrameEmitter e = emitters[k];
    double sx = sigma_px, sy = sigma_px;
    if (psf == RenderPsf::astigmatic) {
      double dsx, dsy;
      astigmatic.sigmas(e.z, sx, sy, dsx, dsy);
    }
    double* t = tables + k * 2 * table_side;
    psf::IntegratedGaussian::pixel_integrals(table_side, e.x - table_origin(e.x), sx, t);
    psf::IntegratedGaussian::pixel_integrals(table_side, e.y - table_origin(e.y), sy,
                                             t + table_side);
  }

  SMLM_HD void operator()(int64_t i) const {
    const int px = static_cast<int>(i % width), py = static_cast<int>(i / width);
    double mu = background_map != nullptr ? static_cast<double>(background_map[i]) : background;
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
      mu += e.photons * psf_value(e, k, px, py);
    }
    mu = mu > 0 ? mu : 0.0;
    kernels::Rng rng(seed, pixel_stream(frame, static_cast<int64_t>(width) * height, i));
    out[i] = camera.adu(mu, rng, px, py);
  }

  // The fraction of emitter e's photons (emitter k of `emitters`) that pixel (px, py) receives.
  SMLM_HD double psf_value(const FrameEmitter& e, int64_t k, int px, int py) const {
    using G = psf::IntegratedGaussian;
    if (tables != nullptr && psf != RenderPsf::spline) {
      const int ix = px - table_origin(e.x), iy = py - table_origin(e.y);
      if (ix < 0 || ix >= table_side || iy < 0 || iy >= table_side) return 0.0;
      const double* t = tables + k * 2 * table_side;
      return t[ix] * t[table_side + iy];
    }
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

// Runs FrameRenderer::fill_table per emitter (kernels::parallel_for or parallel_for_gpu).
struct FrameTables {
  FrameRenderer r;
  SMLM_HD void operator()(int64_t k) const { r.fill_table(k); }
};

}  // namespace smlm::simulation
