// Fourier ring correlation (Nieuwenhuizen et al. 2013): the image resolution of a localization
// table, from the correlation of two independent half-data-set images over rings of spatial
// frequency, read where it falls below 1/7.
#pragma once

#include <cstdint>
#include <vector>

#include "core/image.h"
#include "core/localization_table.h"

namespace smlm::reconstruction {

enum class FrcSplit {
  random,  // each localization to half 1 or 2 by a fair coin (seeded)
  frames,  // by alternate blocks of frame_block frames: [0, B) → 1, [B, 2B) → 2, … (0-based)
};

struct FrcSettings {
  double pixel_size_nm = 5;  // histogram pixel (nm, > 0); resolutions near 2 pixels are unreliable
  FrcSplit split = FrcSplit::random;
  uint64_t seed = 1;     // random split
  int frame_block = 50;  // frames split (>= 1)
  double threshold = 1.0 / 7;
  // Half-width, in rings, of the moving average applied to the curve; -1: N/200 (at least 1)
  // for an N×N transform; 0: none.
  int smoothing_rings = -1;
  // Tukey window over the image (fraction of each side tapered in total, in [0, 1]; 0: none).
  double tukey_alpha = 0.25;
  // compute_frc: padded N×N transforms of more pixels are an error naming the size, checked
  // before any allocation (about 40 bytes per pixel: the default 10⁸ is about 4 GB).
  int64_t max_pixels = 100'000'000;
};

struct FrcResult {
  // Ring r (0 … N/2 of an N×N transform) holds the frequencies with round(|k|) = r; its spatial
  // frequency is q = r / (N·pixel) in cycles per nm.
  std::vector<double> q_per_nm;
  std::vector<double> frc_raw;  // Re Σ F1·F2* / √(Σ|F1|² · Σ|F2|²) per ring (NaN if empty)
  std::vector<double> frc;      // the same, smoothed
  // 1 / q at the first ring (r >= 1) where the smoothed curve drops below the threshold, q
  // interpolated linearly between that ring and the one before (nm); NaN when it never does.
  double resolution_nm = 0;
  double threshold = 1.0 / 7;
};

// FRC of two images of the same size and pixel (nm). Each is multiplied by the Tukey window,
// zero-padded to a square N×N (N the larger side, rounded up to a fast FFT size), and Fourier
// transformed. Throws smlm::Error for images of different or empty size or invalid settings.
FrcResult fourier_ring_correlation(const ImageD& a, const ImageD& b, double pixel_size_nm,
                                   const FrcSettings& s);

// Splits the localizations (finite x, y; and frame for the frames split) into two halves, renders
// each as a histogram over their common bounding box at s.pixel_size_nm, and returns their FRC.
// Memory: about 40 bytes per pixel of the padded N×N square (e.g. 4000² at 5 nm for a 20 µm
// field: 640 MB). Throws smlm::Error for missing columns, invalid settings, a half without
// localizations, or a transform of more than s.max_pixels pixels.
FrcResult compute_frc(const LocalizationTable& table, const FrcSettings& s);

}  // namespace smlm::reconstruction
