// The sampled pupil of psf/pupil.h's model, shared by PupilPsf and the differentiable PupilModel
// (psf/pupil_model.h) so that the two render on the same grid with the same samples: the FFT
// grid's size, the pupil samples inside the NA circle (grid position, axial wave numbers, the
// phase of the settings' aberrations and mask) and the camera pixel's box transfer. Internal to
// psf/; defined in pupil.cpp beside PupilPsf.
#pragma once

#include <vector>

#include "core/hd.h"
#include "psf/pupil.h"

namespace smlm::psf {

struct PupilGrid {
  int n = 0;        // FFT grid side (even, 2^a·3^b·5^c); samples pixel_size/oversampling apart
  int half = 0;     // output window half-side in samples: ⌊window_px·oversampling/2⌋
  double df = 0;    // frequency step 1/(n·sample) [1/nm]
  double f_na = 0;  // NA/λ [1/nm]: ρ = |f|/f_na
  // One entry per pupil sample (|f| ≤ min(NA, n_sample)/λ), in raster order of the FFT grid.
  std::vector<int> index;            // FFT-order linear index v·n + u (centre frequency at 0)
  std::vector<double> phase;         // aberrations + mask [rad]
  std::vector<double> kz;            // √((n_sample/λ)² − |f|²) [1/nm]; defocus 2π·z·kz
  std::vector<double> kz_immersion;  // √((n_immersion/λ)² − |f|²) [1/nm]
  // Box transfer of one camera pixel per 1D frequency index: sinc(π·f·pixel_size).
  std::vector<double> sinc;
};

// Signed frequency index of FFT index u on an n-point grid: u for u < n/2, u − n above.
SMLM_HD_INLINE int signed_frequency(int u, int n) { return u < n / 2 ? u : u - n; }

// The grid PupilPsf(s) renders on. Validates s (throws smlm::Error).
PupilGrid make_pupil_grid(const PupilSettings& s);

}  // namespace smlm::psf
