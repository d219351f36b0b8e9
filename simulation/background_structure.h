// Structured backgrounds: out-of-focus light and cellular autofluorescence that vary over the
// frame on many spatial scales, the backgrounds BGNet (Möckl et al. 2020) learns to remove.
//
// Fractal Perlin noise: gradient noise on a square lattice (a unit gradient of random direction at
// each lattice point, hashed from its coordinates and the seed; quintic fade 6t⁵ − 15t⁴ + 10t³),
// summed over `octaves` of doubling frequency with amplitudes persistence^o, divided by the sum of
// those amplitudes, and mapped to u ∈ [0, 1] (u = ½ + n/√2, clamped; 2D Perlin noise lies within
// ±√½). The coarsest octave's lattice spacing is `scale_px`: features of about that size, finer
// ones at scale/2, scale/4, … The map a movie gets is
//   b(x, y) = background + amplitude · u(x, y)   [photons/pixel/frame],
// evaluated at pixel centres (features much wider than a pixel), the same in every frame.
// perlin_noise is SMLM_HD: the simulator's maps and BGNet's training backgrounds are the same
// per-pixel function on either device.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "core/hd.h"
#include "core/image.h"

namespace smlm::simulation {

// SplitMix64's finalizer: a 64-bit mix that turns lattice coordinates into independent gradients.
SMLM_HD_INLINE uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// 2D Perlin gradient noise at (x, y) in lattice units, within [−√½, √½]; 0 on lattice points.
SMLM_HD_INLINE double perlin_noise(double x, double y, uint64_t seed) {
  const double fx = std::floor(x), fy = std::floor(y);
  const int64_t i0 = static_cast<int64_t>(fx), j0 = static_cast<int64_t>(fy);
  const double u = x - fx, v = y - fy;
  auto dot = [&](int64_t i, int64_t j, double dx, double dy) {
    const uint64_t h = mix64(seed ^ mix64(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull ^
                                          static_cast<uint64_t>(j) * 0xc2b2ae3d27d4eb4full));
    const double a = static_cast<double>(h >> 11) * (6.283185307179586 / 9007199254740992.0);
    return std::cos(a) * dx + std::sin(a) * dy;
  };
  auto fade = [](double t) { return t * t * t * (t * (t * 6 - 15) + 10); };
  const double n00 = dot(i0, j0, u, v), n10 = dot(i0 + 1, j0, u - 1, v);
  const double n01 = dot(i0, j0 + 1, u, v - 1), n11 = dot(i0 + 1, j0 + 1, u - 1, v - 1);
  const double su = fade(u), sv = fade(v);
  const double a = n00 + su * (n10 - n00), b = n01 + su * (n11 - n01);
  return a + sv * (b - a);
}

struct PerlinSettings {
  double amplitude = 0;      // photons/pixel/frame the structure adds at its brightest
  double scale_px = 20;      // lattice spacing of the coarsest octave [px]
  int octaves = 4;           // 1…12
  double persistence = 0.5;  // amplitude ratio of successive octaves, (0, 1]
  uint64_t seed = 0;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// u(x, y) ∈ [0, 1] of the header comment at pixel (x, y) (centres at integers).
SMLM_HD_INLINE double fractal_perlin(const PerlinSettings& s, double x, double y) {
  double sum = 0, norm = 0, amp = 1, freq = 1 / s.scale_px;
  for (int o = 0; o < s.octaves; ++o) {
    // Each octave its own lattice offset, so lattice points of octaves do not coincide.
    sum += amp * perlin_noise(x * freq + 0.37 * o, y * freq + 0.61 * o, s.seed + 0x51ed27ull * o);
    norm += amp;
    amp *= s.persistence;
    freq *= 2;
  }
  const double u = 0.5 + (sum / norm) * 0.7071067811865476;
  return u < 0 ? 0.0 : (u > 1 ? 1.0 : u);
}

// background + amplitude·u over a w × h frame whose pixel (0, 0) sits at (x0, y0) of the noise's
// plane (per pixel, kernels::parallel_for).
ImageF perlin_background(const PerlinSettings& s, double background, int w, int h, double x0 = 0,
                         double y0 = 0);

// The Perlin part of `smlm simulate --background-structure`: "perlin:AMP:SCALE_NM[:OCTAVES[:
// PERSISTENCE]]" — AMP photons/px at its brightest, coarsest features SCALE_NM wide (converted to
// px with pixel_size_nm), 4 octaves and persistence 0.5 unless given. Throws smlm::Error naming
// `option` and the problem.
PerlinSettings parse_perlin_spec(const std::string& spec, double pixel_size_nm, uint64_t seed,
                                 const std::string& option = "--background-structure");

}  // namespace smlm::simulation
