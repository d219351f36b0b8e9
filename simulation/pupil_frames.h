// Training frames from DeepSTORM3D's physical layer (psf/pupil_model.h): each emitter's PSF window
// summed into its frame, plus background, then either the differentiable Poisson approximation
// y = μ + √μ·ε of mask learning (with its backward to the phase mask) or the simulator's camera
// chain (simulation/camera_noise.h: Poisson, EM gain, read noise, ADU).
//
// Geometry: frames are width × height pixels, pixel (x, y) centred at (x, y). An emitter at (x, y)
// renders in the model's output_size() square window whose centre pixel is the nearest pixel
// (⌊x + ½⌋, ⌊y + ½⌋); window pixels outside the frame, and light outside the window, are dropped
// (choose the settings' window_px to hold the PSF over the z range). Within a frame the windows
// add in the emitters' order by frame (a stable sort), so results do not depend on threads.
// Memory: frames, maps and the phase mask are in the model's device memory, frame after frame,
// row-major; emitters and their gradients are host vectors. Random numbers: Philox streams per
// (first_frame + frame, pixel) — the simulator's pixel streams for camera(), a range of their own
// (streams::kApproxNoise) for the approximation — so the same seed gives the same pixels on the
// CPU and the GPU. Not thread-safe (the model's workspace and the window buffer).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "psf/pupil_model.h"
#include "simulation/camera_noise.h"

namespace smlm::simulation {

struct PupilFrameEmitter {
  int frame = 0;        // frame of the batch, 0-based
  double x = 0, y = 0;  // [px] in the frame
  double z_nm = 0;      // as psf::PupilEmitter
  double photons = 1;
  double blur_px = 0;
};

template <class Real>
class PupilFrameRenderer {
 public:
  // Renders through `model` (not owned; it must outlive the renderer) on the model's device.
  PupilFrameRenderer(psf::PupilModel<Real>& model, int width, int height);
  ~PupilFrameRenderer();
  PupilFrameRenderer(const PupilFrameRenderer&) = delete;
  PupilFrameRenderer& operator=(const PupilFrameRenderer&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }

  // mu (frames × height × width, photons) = Σ the frame's emitters' windows + background_photons
  // + background_map (frames × height × width, or null).
  void expected(const Real* phase, const std::vector<PupilFrameEmitter>& emitters, int frames,
                double background_photons, const Real* background_map, Real* mu);
  // From d_mu = dL/dμ: dL/dφ into d_phase (overwritten, or added to when accumulate) and, when
  // d_emitters is not null, dL/d(x, y, z, photons) per emitter in the caller's order. (dL/d of the
  // background map is d_mu itself.)
  void expected_backward(const Real* phase, const std::vector<PupilFrameEmitter>& emitters,
                         int frames, const Real* d_mu, Real* d_phase,
                         std::vector<psf::PupilEmitterGrad>* d_emitters = nullptr,
                         bool accumulate = false);

  // The differentiable noise: y = μ + √max(μ, 0)·ε₁ + read_noise·ε₂ (read_noise in photons rms,
  // 0 draws no ε₂), ε standard normal. y may alias mu.
  void approximate_noise(int frames, const Real* mu, double read_noise, uint64_t seed, Real* y,
                         int64_t first_frame = 0) const;
  // Its backward with the same ε (same seed and frames): d_mu = d_y·(1 + ε₁/(2√μ)), d_y where
  // μ ≤ 0. d_mu may alias d_y.
  void approximate_noise_backward(int frames, const Real* mu, uint64_t seed, const Real* d_y,
                                  Real* d_mu, int64_t first_frame = 0) const;

  // μ [photons] → ADU through the simulator's camera chain, the draws of MovieSimulator's pixel
  // (first_frame + f, pixel) for the same seed. An sCMOS camera's maps view (camera.maps) must
  // point into the model's device memory and cover the frames.
  void camera(int frames, const Real* mu, const CameraNoise& camera, uint64_t seed, float* adu,
              int64_t first_frame = 0) const;

  struct Impl;

 private:
  psf::PupilModel<Real>& model_;
  int width_, height_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::simulation
