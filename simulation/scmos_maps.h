// Random sCMOS camera maps with typical values, for simulations, tests and benchmarks: per-pixel
// offset, gain and read-noise variance (core/camera_maps.h units: ADU, ADU/e⁻, ADU²) drawn from
// Philox streams, one per sensor pixel, so a map depends on its seed only.
#pragma once

#include <cstdint>

#include "core/camera_maps.h"

namespace smlm::simulation {

// What random_scmos_maps draws. Defaults: a modern sCMOS (e.g. Hamamatsu ORCA-Flash4.0 class).
struct ScmosMapStatistics {
  double offset_adu = 100;      // mean offset [ADU]
  double offset_sd_adu = 5;     // its pixel-to-pixel standard deviation (normal) [ADU]
  double gain_adu_per_e = 0.5;  // median gain [ADU/e⁻] (2 e⁻/ADU)
  double gain_sd = 0.05;        // relative pixel-to-pixel spread of the gain (log-normal)
  double read_noise_e = 2.0;    // median read noise [e⁻ rms]
  double read_noise_sd = 0.3;   // log-normal spread of the read noise (σ of its log)
  // A tail of noisy pixels (random telegraph noise): this fraction of pixels has read noise
  // log-normal around hot_read_noise_e instead (same spread).
  double hot_fraction = 0.01;
  double hot_read_noise_e = 15.0;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// Maps of a width × height sensor. Pixel i draws from stream (seed, streams::kCameraMaps + i):
// offset ~ N(offset_adu, offset_sd_adu²); gain = gain_adu_per_e·exp(gain_sd·N); read noise
// σ = read_noise_e·exp(read_noise_sd·N) (hot_read_noise_e with probability hot_fraction) and
// variance = (σ·gain)² [ADU²]. source = "random (seed N)".
CameraMaps random_scmos_maps(int width, int height, uint64_t seed,
                             const ScmosMapStatistics& s = {});

}  // namespace smlm::simulation
