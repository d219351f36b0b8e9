// Real 2D discrete Fourier transforms on FFTW3, shared by drift correlation and FRC. Internal to
// reconstruction/: the other folders use drift.h and frc.h, not this header.
#pragma once

#include <complex>
#include <vector>

#include "core/image.h"

namespace smlm::reconstruction {

// The non-redundant half of the DFT of a real nx × ny image: ny rows of nx/2 + 1 coefficients,
// kx fastest. Coefficient (kx, ky) is Σ_{x,y} f(x, y)·exp(−2πi(kx·x/nx + ky·y/ny)), unnormalized;
// rows ky > ny/2 hold the negative frequencies ky − ny.
struct HalfSpectrum {
  int nx = 0, ny = 0;
  std::vector<std::complex<double>> data;

  int half_width() const { return nx / 2 + 1; }
  std::complex<double>& operator()(int kx, int ky) { return data[size_t(ky) * half_width() + kx]; }
  const std::complex<double>& operator()(int kx, int ky) const {
    return data[size_t(ky) * half_width() + kx];
  }
};

// Forward transform of a real image (nx, ny >= 1).
HalfSpectrum forward_fft(const ImageD& image);
// Inverse transform, normalized by 1/(nx·ny), so that inverse_fft(forward_fft(f)) == f.
ImageD inverse_fft(const HalfSpectrum& spectrum);

// The smallest n' >= n whose only prime factors are 2, 3, 5 and 7 (fast FFTW sizes).
int fft_friendly_size(int n);

}  // namespace smlm::reconstruction
