// random_scmos_maps: one Philox stream per sensor pixel.
#include "simulation/scmos_maps.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/random.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

void ScmosMapStatistics::validate() const {
  SMLM_CHECK(std::isfinite(offset_adu) && std::isfinite(offset_sd_adu) && offset_sd_adu >= 0,
             "random sCMOS maps: offset " << offset_adu << " ± " << offset_sd_adu
                                          << " ADU is not a number ± a spread >= 0");
  SMLM_CHECK(
      std::isfinite(gain_adu_per_e) && gain_adu_per_e > 0 && std::isfinite(gain_sd) && gain_sd >= 0,
      "random sCMOS maps: gain " << gain_adu_per_e << " ADU/e- (spread " << gain_sd
                                 << ") must be > 0 with a spread >= 0");
  SMLM_CHECK(std::isfinite(read_noise_e) && read_noise_e >= 0 && std::isfinite(read_noise_sd) &&
                 read_noise_sd >= 0 && std::isfinite(hot_read_noise_e) && hot_read_noise_e >= 0,
             "random sCMOS maps: read noise " << read_noise_e << " e- (hot " << hot_read_noise_e
                                              << ", spread " << read_noise_sd << ") must be >= 0");
  SMLM_CHECK(hot_fraction >= 0 && hot_fraction <= 1,
             "random sCMOS maps: hot-pixel fraction must be in [0, 1], got " << hot_fraction);
}

CameraMaps random_scmos_maps(int width, int height, uint64_t seed, const ScmosMapStatistics& s) {
  s.validate();
  CameraMaps m;
  m.width = width;
  m.height = height;
  m.source = "random (seed " + std::to_string(seed) + ")";
  SMLM_CHECK(width > 0 && height > 0 && int64_t{width} * height <= (int64_t{1} << 28),
             m.name() << ": size " << width << " x " << height << " px is impossible");
  const size_t n = static_cast<size_t>(width) * height;
  m.offset.resize(n);
  m.gain.resize(n);
  m.variance.resize(n);
  for (size_t i = 0; i < n; ++i) {
    kernels::Rng rng(seed, streams::kCameraMaps + (i & streams::kIndexMask));
    m.offset[i] = static_cast<float>(s.offset_adu + s.offset_sd_adu * rng.normal());
    const double g = s.gain_adu_per_e * std::exp(s.gain_sd * rng.normal());
    const bool hot = rng.uniform() < s.hot_fraction;
    const double sigma_e =
        (hot ? s.hot_read_noise_e : s.read_noise_e) * std::exp(s.read_noise_sd * rng.normal());
    m.gain[i] = static_cast<float>(g);
    m.variance[i] = static_cast<float>(sigma_e * g * sigma_e * g);
  }
  m.validate();
  return m;
}

}  // namespace smlm::simulation
