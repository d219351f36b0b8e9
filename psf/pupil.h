// Scalar pupil-function PSFs with FFTW: PSF(x, y; z) = |FT{P(k)·exp(i·kz(n)·z)·exp(iφ(k))}|² inside
// the NA circle, with φ = Zernike aberrations (Noll) + an engineered phase mask (astigmatism,
// double helix, tetrapod, or a user's mask). Renders pixel-integrated z-stacks that feed the spline
// model (psf/cubic_spline.h) and the simulator.
//
// Model and conventions:
//   - Pupil amplitude 1 inside |f| ≤ min(NA, n_sample)/λ (spatial frequency f, 1/nm), 0 outside: no
//     apodization, no polarization (scalar), no supercritical-angle light when n_sample < NA.
//   - Defocus phase 2π·z·√((n_sample/λ)² − |f|²): z [nm] is the emitter's axial offset from the
//     focal plane measured in the sample medium; positive z adds positive phase at high angles.
//     No depth-dependent (index-mismatch) aberration beyond that.
//   - Normalized pupil coordinates ρ = |f|/(NA/λ) ∈ [0, 1], θ = atan2(fy, fx) with x the image's
//     column axis; Zernike and mask phases are functions of (ρ, θ).
//   - Output: a square image of side 2h + 1 samples, h = ⌊window_px·oversampling/2⌋, samples
//     1/oversampling camera pixels apart, the emitter on the centre sample (h, h). A sample is the
//     fraction of the emitter's photons that a *camera* pixel centred there receives (the PSF
//     convolved exactly with the pixel box, in Fourier space). Over the whole plane the samples at
//     camera-pixel spacing sum to 1 at every z (a phase changes no energy); the window holds less
//     when the PSF spills out of it.
// Phase masks (added to the aberrations):
//   kAstigmatism  astigmatism_waves rms of Z6 (cos 2θ): foci split along x and y.
//   kDoubleHelix  phase = arg Σ_{p=0..4} LG_{p,2p+1}(ρ/w)·e^{i(2p+1)θ}: Gauss–Laguerre modes on
//                 the line m = 2p + 1 (Pavani & Piestun 2008's design seed, phase-only, without
//                 their iterative optimization); w = double_helix_waist. Two lobes that rotate
//                 about the emitter as z changes; w = 0.3 at NA 1.49, λ 660 nm: ≈ 160° over
//                 z = ±1 µm, monotonic (tests/psf/pupil_test.cpp).
//   kTetrapod     2π·t·(−0.755·Z6 + Z12 + 0.086·Z24), t = tetrapod_waves: the primary, secondary
//                 and tertiary astigmatism of a Zernike decomposition of a tetrapod mask
//                 (Shechtman et al. 2015), not their pixel-wise optimized mask. t = 0.24: two lobes
//                 along y (z < 0) or x (z > 0) whose separation grows over ±2 µm.
//   kCustom       custom_phase [rad], a square image covering the pupil's diameter (pixel (a, b)
//                 at normalized pupil coordinates (2(a + ½)/W − 1, 2(b + ½)/H − 1)), sampled
//                 bilinearly; io::read_tiff_image reads one from a float32 TIFF.
#pragma once

#include <complex>
#include <memory>
#include <vector>

#include "core/image.h"

namespace smlm::psf {

struct ZernikeTerm {
  int noll = 4;        // Noll index ≥ 1
  double waves = 0.0;  // rms wavefront in waves (phase = 2π·waves·Z_j)
};

enum class PhaseMask { kNone, kAstigmatism, kDoubleHelix, kTetrapod, kCustom };

struct PupilSettings {
  double na = 1.49;              // numerical aperture, ≤ n_immersion
  double wavelength_nm = 660.0;  // emission wavelength (in vacuum)
  double n_immersion = 1.518;    // immersion medium index
  double n_sample = 1.518;       // sample medium index (defocus kz uses it)
  double pixel_size_nm = 100.0;  // camera pixel, back-projected
  int oversampling = 1;          // output samples per camera pixel (≥ 1)
  int window_px = 21;            // output window side in camera pixels
  int pupil_samples = 48;        // at least this many pupil samples across the NA radius
  std::vector<ZernikeTerm> aberrations;
  PhaseMask mask = PhaseMask::kNone;
  double astigmatism_waves = 0.15;  // kAstigmatism
  double double_helix_waist = 0.3;  // kDoubleHelix: LG waist w as a fraction of the pupil radius
  double tetrapod_waves = 0.24;     // kTetrapod: secondary-astigmatism rms [waves]
  ImageF custom_phase;              // kCustom [rad]

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// Renders PSF planes. Construction fixes the FFT size and the pupil (plans with FFTW_ESTIMATE);
// render() and render_stack() are const and may be called from several threads at once.
class PupilPsf {
 public:
  explicit PupilPsf(PupilSettings s);
  ~PupilPsf();
  PupilPsf(const PupilPsf&) = delete;
  PupilPsf& operator=(const PupilPsf&) = delete;

  // One plane at z [nm] (see the header comment for the layout and normalization).
  ImageF render(double z_nm) const;
  // Planes at each z, in order, rendered in parallel.
  std::vector<ImageF> render_stack(const std::vector<double>& z_nm) const;
  // The unnormalized plane before pixel integration (|E|², summing to 1 over the FFT grid) on the
  // full FFT grid, centred at (fft_size/2, fft_size/2); samples pixel_size/oversampling apart.
  ImageF intensity(double z_nm) const;

  const PupilSettings& settings() const { return s_; }
  int fft_size() const { return n_; }
  int output_size() const { return 2 * half_ + 1; }
  double sample_nm() const { return s_.pixel_size_nm / s_.oversampling; }
  // Pupil phase φ (aberrations + mask) [rad] on the FFT grid, centred; 0 outside the pupil.
  ImageF pupil_phase() const;

 private:
  // |E|² on the FFT grid (FFT order, centre at index 0), normalized to sum 1.
  void field_intensity(double z_nm, std::vector<std::complex<double>>& buf) const;

  PupilSettings s_;
  int n_ = 0, half_ = 0;
  std::vector<int> idx_;            // pupil samples (FFT-order linear index)
  std::vector<double> phase_, kz_;  // φ [rad] and kz/(2π) [1/nm] per pupil sample
  std::vector<double> sinc_;        // pixel-box transfer per frequency index (1D)
  struct Plans;
  std::unique_ptr<Plans> plans_;
};

// The phase [rad] of the named mask at normalized pupil coordinates (ρ ≤ 1, θ) for settings s
// (kNone and kCustom give 0 here; the custom mask is sampled by PupilPsf).
double mask_phase(const PupilSettings& s, double rho, double theta);

}  // namespace smlm::psf
