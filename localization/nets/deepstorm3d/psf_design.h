// DeepSTORM3D's PSF learning (Nehme et al. 2020): the pupil phase mask φ learned jointly with a
// localization net. Each step renders frames through the differentiable physical layer
// (psf::PupilModel via simulation::PupilFrameRenderer: the emitters' PSFs + background, then
// y = μ + √μ·ε), runs the net on them, and carries the loss's gradient back through the net, the
// noise and the optics to φ; the net and φ each take an Adam step. The optics are the simulator's
// default pupil (NA 1.49, λ 660 nm, n 1.518; simulation/pupil_spline.h) at the camera's pixel.
// On the host (CPU), in float.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/image.h"
#include "localization/nets/deepstorm3d/model.h"
#include "nn/optim/adam.h"
#include "psf/pupil_model.h"
#include "simulation/pupil_frames.h"

namespace smlm::localization::nets::deepstorm3d {

struct DesignSettings {
  NetConfig net;      // the localization net trained with the mask (discarded after)
  DataSettings data;  // camera, z range, photons, background, density, patch (psf_spec unused)
  std::string initial_mask = "tetrapod";  // φ's start: a default pupil mask name, or "none"
  int pupil_samples = 24;                 // pupil samples across the NA radius
  int window_px = 21;                     // each emitter's PSF window [camera px]
  int batch = 4;
  double lr = 5e-4;       // the net's Adam rate
  double mask_lr = 0.02;  // φ's Adam rate [rad]
  uint64_t seed = 1;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

class PsfDesigner {
 public:
  explicit PsfDesigner(const DesignSettings& settings);
  ~PsfDesigner();

  // One joint step; returns the batch's loss.
  double step();
  int64_t steps_done() const { return step_; }
  double lr() const { return adam_->lr(); }

  const DesignSettings& settings() const { return s_; }
  // φ [rad] on the model's n × n FFT grid (psf/pupil_model.h's layout), 0 outside the pupil.
  const std::vector<float>& phase() const { return phase_; }
  // φ cropped to the pupil's diameter: the square image psf::PhaseMask::kCustom takes (what
  // `--psf mask:FILE.tif` reads).
  ImageF mask_image() const;

 private:
  DesignSettings s_;
  std::unique_ptr<psf::PupilModel<float>> optics_;
  std::unique_ptr<simulation::PupilFrameRenderer<float>> frames_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<nn::Adam> adam_;
  std::vector<float> phase_, support_, m_, v_;  // φ and its Adam moments
  double input_mean_ = 0, input_std_ = 1;       // the net's input: (y − mean)/std
  int64_t step_ = 0;
};

// The PSF stack of a phase mask (kCustom image) over z_nm: side × side windows [fraction of the
// photons], as psf::PupilPsf renders them with the default optics at pixel_size_nm.
std::vector<ImageF> mask_psf_stack(const ImageF& mask, double pixel_size_nm,
                                   const std::vector<double>& z_nm, int window_px = 21);

// The Cramér–Rao bounds [nm] of x, y and z at each z for N photons over a background of b
// photons/px (Poisson), from the Fisher information of the PSF (pupil model of `mask` — a kCustom
// image, or empty for the named default mask `kind`) with derivatives by central differences.
struct Crlb {
  double x = 0, y = 0, z = 0;
};
std::vector<Crlb> pupil_crlb(const ImageF& mask, const std::string& kind, double pixel_size_nm,
                             const std::vector<double>& z_nm, double photons, double background,
                             int window_px = 21);

}  // namespace smlm::localization::nets::deepstorm3d
