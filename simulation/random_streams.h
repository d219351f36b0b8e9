// The Philox stream ids of the simulator: the top byte of a stream id says what it is for
// (positions, filaments, photophysics, pixels, depths, random sCMOS maps, the differentiable
// Poisson approximation of simulation/pupil_frames.h), the low 56 bits the molecule, filament,
// (frame, pixel) or sensor pixel index, so no two uses ever share a stream.
#pragma once

#include <cstdint>

namespace smlm::simulation {

namespace streams {
inline constexpr uint64_t kIndexBits = 56;
inline constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
inline constexpr uint64_t kPosition = uint64_t{1} << kIndexBits;      // + molecule
inline constexpr uint64_t kFilament = uint64_t{2} << kIndexBits;      // + filament
inline constexpr uint64_t kPhotophysics = uint64_t{3} << kIndexBits;  // + molecule
inline constexpr uint64_t kPixel = uint64_t{4} << kIndexBits;         // + frame·w·h + pixel
inline constexpr uint64_t kDepth = uint64_t{5} << kIndexBits;         // + molecule (z)
inline constexpr uint64_t kCameraMaps = uint64_t{6} << kIndexBits;    // + sensor pixel
inline constexpr uint64_t kApproxNoise = uint64_t{7} << kIndexBits;   // + frame·w·h + pixel
}  // namespace streams

}  // namespace smlm::simulation
