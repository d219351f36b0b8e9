// The per-pixel camera chain of the simulator, written once as SMLM_HD so that the CPU loop and
// the CUDA kernel produce identical pixels: photons → Poisson photoelectrons (QE) → EM register
// (Gamma, when em_gain > 1) → Gaussian read noise → ADU, rounded and clamped to 16 bits. An sCMOS
// camera takes its offset, gain and read-noise variance from per-pixel maps (core/camera_maps.h).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/hd.h"
#include "kernels/random.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

// A plain copy of the CameraModel's numbers that device code can take by value.
struct CameraNoise {
  double qe = 1;               // photons → photoelectrons
  double em_gain = 1;          // > 1: EM register; electrons ~ Gamma(shape = n, scale = gain)
  double read_noise_e = 0;     // rms electrons, after the EM register
  double photons_per_adu = 1;  // electrons per A/D count ("p")
  double baseline_adu = 100;   // offset [ADU]
  // sCMOS: when set, pixel (x, y)'s offset [ADU], gain [ADU/e⁻] and read-noise variance [ADU²]
  // replace baseline_adu, photons_per_adu and read_noise_e (the view's origin places the frame or
  // patch on the sensor; its pointers in the memory of the device that renders).
  CameraMapsView maps;

  static CameraNoise from(const CameraModel& c, const CameraMapsView& maps = {}) {
    return {c.qe, c.em_gain, c.read_noise_e, c.photons_per_adu, c.baseline_adu, maps};
  }

  // One pixel of a uniform camera: expected photons `mu` → ADU (an integer in [0, 65535], as
  // float). Draws, in this order, Poisson, Gamma (EM only, and only for n > 0), normal (only with
  // read noise) from `rng`.
  SMLM_HD float adu(double mu, kernels::Rng& rng) const {
    double e = rng.poisson(qe * mu);
    if (em_gain > 1 && e > 0) e = rng.gamma(e, em_gain);
    if (read_noise_e > 0) e += read_noise_e * rng.normal();
    return to_adu(baseline_adu + e / photons_per_adu);
  }

  // Pixel (x, y) of the frame: with maps, the same draws in the same order (normal only where the
  // pixel's variance is > 0), ADU = offset + gain·e + √variance·normal; without, adu(mu, rng).
  SMLM_HD float adu(double mu, kernels::Rng& rng, int x, int y) const {
    if (maps.empty()) return adu(mu, rng);
    double e = rng.poisson(qe * mu);
    if (em_gain > 1 && e > 0) e = rng.gamma(e, em_gain);
    const int64_t i = maps.index(x, y);
    const double v = maps.variance[i];
    double a = maps.offset[i] + maps.gain[i] * e;
    if (v > 0) a += std::sqrt(v) * rng.normal();
    return to_adu(a);
  }

  // Rounded and clamped to 16 bits.
  SMLM_HD static float to_adu(double value) {
    const double a = std::round(value);
    return static_cast<float>(a < 0 ? 0.0 : (a > 65535.0 ? 65535.0 : a));
  }
};

// Pixel `pixel` (= y·width + x) of frame `frame` draws from stream (seed, pixel_stream(...)), a
// range disjoint from the molecules' streams.
SMLM_HD_INLINE uint64_t pixel_stream(int64_t frame, int64_t pixels_per_frame, int64_t pixel) {
  return streams::kPixel +
         ((static_cast<uint64_t>(frame) * static_cast<uint64_t>(pixels_per_frame) +
           static_cast<uint64_t>(pixel)) &
          streams::kIndexMask);
}

}  // namespace smlm::simulation
