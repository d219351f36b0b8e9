// A BGNet model: the net and the simulation it was trained on, in one nn/ checkpoint (HDF5), so
// that `localize --background-model` needs nothing but the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/camera.h"
#include "kernels/device.h"
#include "localization/nets/bgnet/net.h"
#include "nn/checkpoint.h"
#include "nn/optim/optimizer.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::bgnet {

// What the training ROIs simulate (training_data.h): a PSF near the centre (and sometimes a
// neighbour) on a background of base + fractal Perlin structure (simulation/
// background_structure.h) whose amplitude, feature size, octaves and persistence are drawn per
// ROI, through the camera.
struct DataSettings {
  CameraModel camera;
  // "" for the 2D integrated Gaussian of psf_sigma_nm; else a 3D PSF as `smlm simulate --psf`
  // takes it ("spline:FILE", "astig:FILE", "pupil:KIND") with emitters uniform in z.
  std::string psf_spec;
  double psf_sigma_nm = 130;
  double z_min_nm = -500, z_max_nm = 500;          // 3D only
  double photons_min = 500, photons_max = 5000;    // per emitter, uniform
  double background_min = 5, background_max = 50;  // base, photons/px, uniform per ROI
  // Structure amplitude up to this × the ROI's base background (uniform; 0 in 1 ROI of 10).
  double structure_max = 2;
  // Coarsest feature size [px], log-uniform over [scale_min_px, scale_max_px].
  double scale_min_px = 2, scale_max_px = 64;
  double emitter_probability = 0.9;    // a PSF near the centre (within ±1.5 px)
  double neighbour_probability = 0.3;  // another anywhere in the ROI
  int roi = 16;                        // ROI side [px], a multiple of NetConfig::kMultiple

  bool is_3d() const { return !psf_spec.empty(); }
  // Throws smlm::Error naming the first impossible value.
  void validate() const;
  // The simulator's settings for these data (its PSF loaded from psf_spec). Throws smlm::Error
  // for a PSF file that cannot be read.
  simulation::SimulationSettings simulation() const;
};

struct Model {
  NetConfig config;
  DataSettings data;
  std::unique_ptr<nn::Graph> net;

  Model(const NetConfig& config, uint64_t seed);
  kernels::Device device() const { return net->device(); }
  void to(const kernels::Device& device) { net->to(device); }
};

// The model's settings as checkpoint attributes ("model" = "bgnet").
nn::Attributes model_attributes(const Model& model);
// A model built from such attributes (weights freshly initialized; load them next). Throws
// smlm::Error when "model" is not "bgnet" or a setting is missing or out of range.
Model model_from_attributes(const nn::Attributes& attributes);

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer = nullptr,
                const nn::Attributes& extra = {});
Model load_model(const std::string& path, kernels::Device device = kernels::Device::cpu());

}  // namespace smlm::localization::nets::bgnet
