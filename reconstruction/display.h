// Contrast mapping for display: a rendered image (any non-negative scale) becomes integer grey
// levels for an 8- or 16-bit PNG, saturating the brightest few pixels.
#pragma once

#include <cstdint>

#include "core/image.h"

namespace smlm::reconstruction {

// Linear map to [0, 2^bits − 1]: 0 → 0 and the `percentile`-th percentile of the image's positive
// finite pixels → 2^bits − 1, rounded to nearest, clamped (negative and NaN pixels → 0, +inf →
// full scale). The percentile interpolates linearly between order statistics (NumPy's default).
// An image with no positive pixel maps to all zeros.
// bits in [1, 16] (8 for an 8-bit PNG, 16 for a 16-bit one); percentile in (0, 100].
// Throws smlm::Error otherwise.
Image<uint16_t> to_display(const ImageF& image, int bits, double percentile = 99.5);

}  // namespace smlm::reconstruction
