// PupilModel: DeepSTORM3D's physical layer — a differentiable pupil-function image formation model
// whose phase mask is a free parameter, with its exact gradient, on the CPU (FFTW) and on a CUDA
// device (cuFFT) from one source of per-sample math. It renders what psf/pupil.h's PupilPsf
// renders (same grid, same samples, same normalization, same pixel integration) for any mask.
//
// Forward, per emitter e (x, y [px], z [nm], N photons, blur σ [px]):
//   P_k   = exp(iψ_k) on the pupil samples k (|f| ≤ min(NA, n_sample)/λ), 0 elsewhere,
//   ψ_k   = φ_k + 2π·(z·kz_s(f) − NFP·kz_i(f)) − 2π·(f_x·Δx + f_y·Δy)
//           kz_s = √((n_sample/λ)² − |f|²), kz_i = √((n_immersion/λ)² − |f|²) [1/nm],
//           f [cycles/px] on the FFT grid, (Δx, Δy) = (x, y) − (h, h) the shift from the window's
//           centre pixel h = ⌊side/2⌋ (exact sub-pixel shift; the grid is periodic, n px),
//   E     = B(P)                          B: the unnormalized inverse DFT (exp(+2πi·f·r))
//   I     = c·|E|²,  c = N/(n²·K)         K pupil samples: Σ_r |E|² = n²·K (Parseval) for any φ,
//                                         so the full plane holds N photons whatever the mask
//   out   = crop(𝒦_σ I)                   𝒦_σ: circular convolution with the camera pixel's box
//                                         and a Gaussian of σ px, in Fourier space: transfer
//                                         sinc(πf_x)·sinc(πf_y)·exp(−2π²σ²|f|²), real and even
// Refractive-index mismatch (DeepSTORM3D's model): z is the emitter's depth into the sample from
// the coverslip and NFP the nominal focal plane (how far the objective has moved its focus
// past the coverslip, as in the immersion medium). With NFP = 0 the defocus is psf/pupil's
// 2π·z·kz_s (z the offset from the focal plane); with n_sample = n_immersion it is
// 2π·(z − NFP)·kz_s, the plain model at z − NFP. No amplitude (Fresnel, apodization) terms.
//
// Backward (exact adjoint; G = dL/d(out), real):
//   g     = 𝒦_σ crop*(G)                  𝒦_σ is a convolution with a real even kernel: its own
//                                         adjoint; crop* scatters G back onto the grid
//   γ     = 2c·g·E                        dL = Σ_r Re(conj(γ_r)·dE_r) since d|E|² = 2Re(Ē dE)
//   Γ     = F(γ)                          F: the unnormalized forward DFT, adjoint of B:
//                                         Σ_r Re(conj γ_r·(B dP)_r) = Σ_k Re(conj Γ_k·dP_k)
//   dL/dψ_k = Re(conj(Γ_k)·i·P_k) = Im(Γ_k·conj(P_k))      (dP_k = i·P_k·dψ_k)
//   dL/dφ_k = Σ_e dL/dψ_k(e)
//   dL/dz   = Σ_k dL/dψ_k·2π·kz_s,k,   dL/dx = −Σ_k dL/dψ_k·2π·f_x,k,   likewise y
//   dL/dN   = Σ_r g_r·|E_r|²/(n²·K)   (= Σ G·out/N: out is linear in N)
// The pixel transfer acts on the samples of |E|² at the camera pixel pitch p, so it is the exact
// pixel integral when |E|²'s band (2·min(NA, n_sample)/λ) fits the grid's: min(NA, n_sample)·p/λ
// ≤ ¼ (p ≤ 110 nm at NA 1.49, λ 660 nm); coarser pixels alias a little, as PupilPsf's do at
// oversampling 1.
// Costs per emitter: 2 FFTs of n × n forward (two emitters share one FFT pair for the pixel
// transfer: their real images go in as the real and imaginary parts), 3 backward.
//
// Layout and memory: the phase φ and its gradient are n × n arrays (n = fft_size()), row-major,
// centred as PupilPsf::pupil_phase(): element (a, b) is the frequency (a − n/2, b − n/2)·df;
// values outside the pupil are ignored (their gradient is 0). Images are emitter after emitter,
// side × side each, row-major; pixel (a, b) is centred at (a, b) and integrates the camera pixel
// [a − ½, a + ½) × [b − ½, b + ½). Pointers are in the memory of the model's device (host memory
// for the CPU); emitters and their gradients are host vectors. The camera grid is the output
// grid: the settings' oversampling must be 1. A PupilModel is not thread-safe (it owns its FFT
// workspace); use one per thread.
#pragma once

#include <memory>
#include <vector>

#include "kernels/device.h"
#include "psf/pupil.h"

namespace smlm::psf {

struct PupilModelSettings {
  // Optics and grid as PupilPsf's (pupil_samples, window_px, pixel size, indices, NA, λ); their
  // aberrations and mask give initial_phase(). oversampling must be 1.
  PupilSettings optics;
  double focal_plane_nm = 0;  // NFP [nm]: see the header comment
  int max_batch = 32;         // emitters per FFT batch; the workspace holds ~1.5·max_batch planes

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

struct PupilEmitter {
  double x = 0, y = 0;  // [px] in the output window (pixel (a, b) centred at (a, b))
  double z_nm = 0;      // axial position [nm] (see the header comment)
  double photons = 1;   // N: photons over the whole plane
  double blur_px = 0;   // σ of a Gaussian blur [px] applied to this emitter's image; 0 = none
};

// dL/d(x [px], y [px], z [nm], photons) of one emitter.
struct PupilEmitterGrad {
  double x = 0, y = 0, z_nm = 0, photons = 0;
};

// Real = double (finite-difference accurate) or float (training); FFTs and images in Real, the
// phases of the pupil samples in double, sums over samples and emitters in double.
template <class Real>
class PupilModel {
 public:
  PupilModel(PupilModelSettings s, kernels::Device device = {});
  ~PupilModel();
  PupilModel(const PupilModel&) = delete;
  PupilModel& operator=(const PupilModel&) = delete;

  const PupilModelSettings& settings() const { return s_; }
  const kernels::Device& device() const { return device_; }
  int fft_size() const { return n_; }                // n: φ is n × n
  int pupil_samples() const { return samples_; }     // K: the mask's free values
  int output_size() const { return 2 * half_ + 1; }  // the default window side (PupilPsf's)

  // Host n × n arrays in φ's layout: 1 inside the pupil, 0 outside; and the phase [rad] of the
  // settings' aberrations and mask (PupilPsf's pupil_phase(), in Real), 0 outside.
  std::vector<Real> pupil_support() const;
  std::vector<Real> initial_phase() const;

  // images[e] = side × side window of emitter e's expected photons per pixel. side in [1, n]
  // (0: output_size()); side = n gives the whole periodic plane (Σ = N). phase: n × n.
  void forward(const Real* phase, const std::vector<PupilEmitter>& emitters, Real* images,
               int side = 0);

  // From d_images = dL/d(images) (same layout as forward's output): d_phase (n × n) = dL/dφ summed
  // over the emitters, overwritten (accumulate = false: 0 outside the pupil) or added to;
  // d_emitters (when not null) resized to one PupilEmitterGrad per emitter. Recomputes the fields:
  // no state is kept from forward().
  void backward(const Real* phase, const std::vector<PupilEmitter>& emitters, const Real* d_images,
                Real* d_phase, std::vector<PupilEmitterGrad>* d_emitters = nullptr, int side = 0,
                bool accumulate = false);

  struct Impl;

 private:
  PupilModelSettings s_;
  kernels::Device device_;
  int n_ = 0, half_ = 0, samples_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::psf
