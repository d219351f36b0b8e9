// Vectorial PSF of a fixed dipole emitter at high NA (Richards–Wolf; Axelrod 2012, Backer &
// Moerner 2014), with FFTW, on psf/pupil.h's grid: the back-focal-plane field of a dipole μ is
// linear in μ, so the image |FT{E_x}|² + |FT{E_y}|² is quadratic in μ, a weighted sum of six
// "dipole basis" images computed once per z. For simulation and the base of orientation fits.
//
// Geometry and conventions:
//   - Dipole: polar angle θ from the optical axis, azimuth φ from the image's x (column) axis
//     towards y (row); μ = (sinθcosφ, sinθsinφ, cosθ). μ and −μ give the same image.
//   - The optical axis z points from the objective into the sample (pupil.h's "positive z adds
//     positive phase at high angles"): light reaches the objective travelling towards −z, and a
//     dipole tilted towards +x and +z (θ = 45°, φ = 0) sends most of it along +x as it goes, so
//     its image moves towards +x for z > 0 (emitter beyond the focal plane) and −x for z < 0.
//   - Pupil sample f = (f_x, f_y) [1/nm] (pupil.h's grid, |f| ≤ NA/λ), azimuth ϕ = atan2(f_y, f_x),
//     angles in the sample (s) and immersion (i): n_s·sinθ_s = n_i·sinθ_i = λ|f|;
//     cosθ_s = √(1 − sin²θ_s), taken as +i·√(sin²θ_s − 1) beyond the critical angle
//     (supercritical light when n_sample < NA: kz_s = n_s·cosθ_s/λ is then imaginary and the
//     wave decays away from the coverslip).
//   - Fresnel transmission sample → immersion (one interface; a coverslip of the immersion's index
//     changes nothing): t_p = 2n_s·cosθ_s/(n_s·cosθ_i + n_i·cosθ_s),
//     t_s = 2n_s·cosθ_s/(n_s·cosθ_s + n_i·cosθ_i).
//   - Field in the pupil (aplanatic objective; amplitude √cosθ_i/cosθ_s per unit area of the
//     uniform f grid, i.e. the familiar 1/√cosθ when n_s = n_i):
//       E_p = a_p·(cosθ_s·(μ_x cosϕ + μ_y sinϕ) + sinθ_s·μ_z),  a_p = √cosθ_i·t_p/cosθ_s
//       E_s = a_s·(−μ_x sinϕ + μ_y cosϕ),                         a_s = √cosθ_i·t_s/cosθ_s
//       E_x = E_p·cosϕ − E_s·sinϕ,  E_y = E_p·sinϕ + E_s·cosϕ    (p radial, s azimuthal)
//     times exp(iψ), ψ = φ_ab + 2π(z·kz_s − NFP·kz_i) − 2π(f_x·Δx + f_y·Δy)·pixel_size:
//     φ_ab the settings' Zernike aberrations and phase mask (pupil.h's, in (ρ, θ) with
//     ρ = |f|λ/NA), kz_i = n_i·cosθ_i/λ, (Δx, Δy) the emitter's shift from the window's centre
//     sample in camera pixels (exact sub-pixel shift: a phase ramp, as psf/pupil_model.h).
//   - z [nm] and NFP = focal_plane_nm follow psf/pupil_model.h: with NFP = 0 (the default) the
//     defocus is pupil.h's 2π·z·kz_s, z the emitter's offset from the focal plane in the sample
//     medium; with n_sample = n_immersion it is 2π(z − NFP)·kz_s. When the pupil holds
//     supercritical light (n_sample < NA) z is the emitter's distance from the coverslip and must
//     be ≥ 0 (the focal plane then sits NFP past the coverslip, as in the immersion medium).
// Output (as PupilPsf's): a square window of side 2h + 1 samples, h = ⌊window_px·oversampling/2⌋,
// 1/oversampling camera pixels apart, the unshifted emitter on the centre sample (h, h); a sample
// is the fraction of the photons that a camera pixel centred there receives (|E|² convolved exactly
// with the pixel's box in Fourier space). Normalization: every image of one dipole is divided by
// the total power that passes the pupil for that dipole at that z (Σ over the pupil of
// |E_x|² + |E_y|²), so the whole-plane samples at camera-pixel spacing sum to 1 for every
// orientation and z (the window holds less when the PSF spills out); the photon count N of a
// model N·PSF + bg is thus the number detected. collection_efficiency() gives what that division
// removes. Images are double (finite differences and basis sums stay exact).
#pragma once

#include <array>
#include <complex>
#include <memory>
#include <vector>

#include "core/image.h"
#include "psf/pupil.h"

namespace smlm::psf {

struct DipoleSettings {
  // NA, λ, n_immersion, n_sample, pixel size, oversampling, window, pupil samples, Zernike
  // aberrations and phase mask, as PupilPsf reads them (n_sample may be < NA here: see above).
  PupilSettings optics;
  double focal_plane_nm = 0;  // NFP [nm] (see the header comment)

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// The unit dipole (sinθcosφ, sinθsinφ, cosθ), angles in radians.
std::array<double, 3> dipole_vector(double theta, double phi);

// Order of the six basis images and of their weights.
enum DipoleBasisTerm { kBasisXX = 0, kBasisYY, kBasisZZ, kBasisXY, kBasisXZ, kBasisYZ };

// Weights of the basis images for orientation (θ, φ): (μx², μy², μz², μxμy, μxμz, μyμz).
std::array<double, 6> dipole_basis_weights(double theta, double phi);

// The six basis images of one z and shift: for c ∈ {x, y} let F_cj = FT{g_cj·e^{iψ}} (the field of
// the unit dipole along j), then
//   xx = Σ_c |F_cx|², yy = Σ_c |F_cy|², zz = Σ_c |F_cz|²,
//   xy = Σ_c 2Re(F_cx·F̄_cy), xz = Σ_c 2Re(F_cx·F̄_cz), yz = Σ_c 2Re(F_cy·F̄_cz),
// each pixel-integrated and cropped as the output above, all divided by one common constant: the
// freely rotating dipole's pupil power (the mean of the x, y and z dipoles'), so that
// energy[xx] + energy[yy] + energy[zz] = 3 and isotropic() = (xx + yy + zz)/3 sums to 1.
struct DipoleBasis {
  std::array<ImageD, 6> images;  // in DipoleBasisTerm order
  std::array<double, 6> energy;  // whole-plane sum of each image (camera-pixel spacing)

  // Σ w_k·images[k] / Σ w_k·energy[k]: the normalized PSF of weights w (throws smlm::Error when
  // Σ w_k·energy[k] ≤ 0 or the basis is empty).
  ImageD combine(const std::array<double, 6>& w) const;
  // The fixed dipole (θ, φ): combine(dipole_basis_weights(θ, φ)), which equals
  // DipolePsf::render(θ, φ, z, dx, dy) of the basis' z and shift.
  ImageD orientation(double theta, double phi) const;
  // The freely rotating dipole (the orientation average of the unnormalized images, ⟨μ_iμ_j⟩ =
  // δ_ij/3): (xx + yy + zz)/3.
  ImageD isotropic() const;
};

// Renders fixed-dipole PSF planes. Construction fixes the FFT size and the pupil (FFTW_ESTIMATE
// plans); every render function is const and may be called from several threads at once.
class DipolePsf {
 public:
  explicit DipolePsf(DipoleSettings s);
  ~DipolePsf();
  DipolePsf(const DipolePsf&) = delete;
  DipolePsf& operator=(const DipolePsf&) = delete;

  // The dipole (θ, φ) [rad] at z [nm], shifted by (dx, dy) camera pixels from the window's centre
  // sample (4 FFTs of fft_size()²).
  ImageD render(double theta, double phi, double z_nm, double dx_px = 0, double dy_px = 0) const;
  // The six basis images of z and shift (11 FFTs); any orientation is then a weighted sum.
  DipoleBasis basis(double z_nm, double dx_px = 0, double dy_px = 0) const;
  // basis(z) for each z, in order, computed in parallel.
  std::vector<DipoleBasis> basis_stack(const std::vector<double>& z_nm) const;
  // |E_x|² + |E_y|² before pixel integration on the full FFT grid (summing to 1), centred at
  // (fft_size/2, fft_size/2), samples pixel_size/oversampling apart, no shift.
  ImageD intensity(double theta, double phi, double z_nm) const;
  // The power of dipole (θ, φ) at z that enters the pupil, over the power the same dipole radiates
  // in an unbounded medium of index n_sample: (n_i/n_s)·Σ|E|²·Δf² / ((n_s/λ)²·8π/3). With
  // n_sample = n_immersion, the fraction of its light the objective collects; at an interface the
  // near field changes what the dipole emits, and supercritical light can lift it further.
  double collection_efficiency(double theta, double phi, double z_nm) const;

  const DipoleSettings& settings() const { return s_; }
  int fft_size() const { return n_; }
  int output_size() const { return 2 * half_ + 1; }
  double sample_nm() const { return s_.optics.pixel_size_nm / s_.optics.oversampling; }
  // Whether the pupil holds supercritical samples (n_sample < NA): z must then be ≥ 0.
  bool supercritical() const { return supercritical_; }

 private:
  using Complex = std::complex<double>;
  // e^{iψ} (with the evanescent decay) per pupil sample; checks z.
  void pupil_factor(double z_nm, double dx_px, double dy_px, std::vector<Complex>& out) const;
  // E_x, E_y of dipole (θ, φ) on the FFT grid (FFT order); returns the pupil power Σ|E|².
  double fields(double theta, double phi, double z_nm, double dx_px, double dy_px,
                std::vector<Complex>& ex, std::vector<Complex>& ey) const;
  // Convolves the plane (two real images as its real and imaginary parts) with the camera pixel's
  // box, scaled by oversampling²/n² (the inverse FFT's n² folded in).
  void pixel_box(Complex* plane) const;
  // The output window of the plane's real (imag = false) or imaginary part.
  ImageD crop(const Complex* plane, bool imag) const;

  DipoleSettings s_;
  int n_ = 0, half_ = 0;
  double df_ = 0;
  bool supercritical_ = false;
  std::vector<int> idx_;         // pupil samples (FFT-order linear index)
  std::vector<double> fx_, fy_;  // spatial frequency [1/nm]
  std::vector<double> phase_;    // aberrations + mask [rad]
  std::vector<Complex> kz_s_;    // n_s·cosθ_s/λ [1/nm], imaginary beyond the critical angle
  std::vector<double> kz_i_;     // n_i·cosθ_i/λ [1/nm]
  std::vector<Complex> g_[5];    // g_xx, g_xy (= g_yx), g_xz, g_yy, g_yz per pupil sample
  std::vector<double> sinc_;     // pixel-box transfer per frequency index (1D)
  struct Plans;
  std::unique_ptr<Plans> plans_;
};

// A fixed dipole in a ROI for dipole_crlb: the model is N·PSF + bg per camera pixel, Poisson.
struct DipoleEmitter {
  double x_px = 0, y_px = 0;  // shift from the window's centre pixel [camera px]
  double z_nm = 0;            // as DipolePsf's z
  double theta = 0, phi = 0;  // orientation [rad]
  double photons = 1000;      // N: detected photons over the whole plane
  double background = 0;      // bg: photons per camera pixel (≥ 0)
};

// Cramér–Rao lower bounds (standard deviations) of the seven parameters.
struct DipoleCrlb {
  double x_nm = 0, y_nm = 0, z_nm = 0;
  double theta = 0, phi = 0;  // [rad]
  double photons = 0, background = 0;
};

// CRLB of e over psf's output window (its ROI: psf's oversampling must be 1) from the Poisson
// Fisher information I_ab = Σ_k ∂_aμ_k·∂_bμ_k/μ_k of μ = N·PSF + bg; ∂/∂x, y, z, θ, φ by central
// differences of render() (steps 10⁻³ px, 1 nm, 10⁻³ rad; in z one-sided when the pupil is
// supercritical and z < 1 nm), ∂/∂N and ∂/∂bg exact. Multiply by √2 for an EMCCD's excess noise.
// Throws smlm::Error when the Fisher matrix is singular (e.g. θ = 0, where φ has no effect).
DipoleCrlb dipole_crlb(const DipolePsf& psf, const DipoleEmitter& e);

}  // namespace smlm::psf
