// A DECODE model: the net, the scales between its outputs and physical units, and the simulation
// it was trained on, in one nn/ checkpoint (HDF5), so that `localize --method decode` needs
// nothing but the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "kernels/device.h"
#include "localization/nets/decode/net.h"
#include "localization/nets/movie_estimate.h"
#include "nn/checkpoint.h"
#include "nn/optim/optimizer.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::decode {

// What the training data simulate (training_data.h). Photons are those emitted by a molecule in a
// frame it is on for the whole of; the PSF is a Gaussian (2D) or the 3D model of psf_spec.
struct DataSettings {
  CameraModel camera;
  // sCMOS: per-pixel offset, gain and read noise of the whole sensor (CameraModel's baseline,
  // photons per ADU and read noise replaced; no EM gain). Each sample lies at a random origin on
  // the sensor. Stored in the model by its file name only ("camera_maps"): the CLI reads it.
  std::shared_ptr<const CameraMaps> camera_maps;
  // "" for the 2D integrated Gaussian of psf_sigma_nm; else a 3D PSF as `smlm simulate --psf`
  // takes it ("spline:FILE", "astig:FILE" from `smlm calibrate`, "pupil:KIND").
  std::string psf_spec;
  double psf_sigma_nm = 110;
  double photons_min = 1000, photons_max = 5000;    // per emitter per full frame, uniform
  double background_min = 10, background_max = 30;  // photons/px, uniform per sample
  double density = 1;                               // emitters visible in a frame, per µm² (mean)
  double on_time = 2;                               // mean on-time of a blink [frames], exponential
  double z_min_nm = -500, z_max_nm = 500;           // 3D only
  int patch = 32;  // frame side [px] (a multiple of the net's multiple)

  bool is_3d() const { return !psf_spec.empty(); }
  // Throws smlm::Error naming the first impossible value.
  void validate() const;
  // The simulator's settings for these data (its PSF loaded from psf_spec; size, seed and
  // density left to the caller). Throws smlm::Error for a PSF file that cannot be read.
  simulation::SimulationSettings simulation() const;
};

// `train decode --like`: settings that simulate a movie like the one estimated (movie_estimate.h):
// photons uniform over [min(q10, ½·median), max(q90, 1.5·median)], background over its estimate
// ± (20 % + twice its spread), the PSF σ (2D; a 3D PSF is the base's), and the density of emitters
// seen per frame: the estimate counts the movie's light in emitters of the median brightness,
// and with a mean on-time τ an emitter seen in a frame is on for τ/(1 + τ) of it on average, so
// density = estimate · (1 + τ)/τ.
DataSettings data_settings_like(const MovieEstimate& e, const DataSettings& base);

// Net outputs ↔ physical units: input = (photons − input_offset) / input_scale per pixel;
// photons = μ_0 · photon_scale, z = μ_3 · z_scale_nm, background = bg · bg_scale (photons/px).
struct Scaling {
  double input_offset = 0, input_scale = 1;
  double photon_scale = 1, z_scale_nm = 1, bg_scale = 1;

  // The scales for a training set: photon and background scales 1.2× their maxima (a sigmoid
  // reaches them), z 1.2× the largest |z|, the input scaled by the mean peak pixel of an emitter
  // above the lowest background.
  static Scaling for_data(const DataSettings& d);
};

struct Model {
  NetConfig config;
  Scaling scale;
  DataSettings data;
  std::unique_ptr<DecodeNet> net;

  Model(const NetConfig& config, uint64_t seed);
  kernels::Device device() const { return net->device(); }
  void to(const kernels::Device& device) { net->to(device); }
};

// The model's settings as checkpoint attributes ("model" = "decode", the NetConfig, Scaling and
// DataSettings, the camera under ThunderSTORM's names).
nn::Attributes model_attributes(const Model& model);
// A model built from such attributes (weights freshly initialized; load them next). Throws
// smlm::Error when "model" is not "decode" or a setting is missing or out of range.
Model model_from_attributes(const nn::Attributes& attributes);

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer = nullptr,
                const nn::Attributes& extra = {});
Model load_model(const std::string& path, kernels::Device device = kernels::Device::cpu());

}  // namespace smlm::localization::nets::decode
