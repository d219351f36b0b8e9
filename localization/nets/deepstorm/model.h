// A Deep-STORM model: the net, the normalization its inputs need, and the simulation settings it
// was trained on, saved together in one nn/ checkpoint (HDF5) so that `localize --method
// deepstorm` needs nothing but the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/camera.h"
#include "kernels/device.h"
#include "localization/nets/deepstorm/net.h"
#include "localization/nets/model_attributes.h"
#include "nn/checkpoint.h"
#include "nn/layers/sequential.h"
#include "nn/optim/optimizer.h"

namespace smlm::localization::nets::deepstorm {

// The input normalization (published): each frame is first mapped to [0, 1] by its own minimum
// and maximum, then standardized by the training set's mean and std of those values.
struct Normalization {
  double mean = 0, std = 1;
};

// Normalizes n pixels of one frame (any affine camera unit: ADU or photoelectrons give the same
// result) into out (may alias in): (v − min)/(max − min), then (· − mean)/std. A flat frame
// becomes (0 − mean)/std everywhere.
void normalize_frame(const float* in, int64_t n, const Normalization& norm, float* out);

// What the training data simulate (settings of the simulation functors, see training_data.h).
struct DataSettings {
  CameraModel camera;          // pixel size, baseline, photons per ADU, EM gain, QE, read noise
  double psf_sigma_nm = 110;   // integrated Gaussian PSF
  double photons = 2250;       // mean photons per emitter per frame
  double photon_spread = 0.5;  // photons uniform in photons·[1 − spread, 1 + spread], in [0, 1)
  double background = 20;      // photons per pixel per frame
  double density = 2;          // emitters per µm² (Poisson count per patch, uniform positions)
  int patch = 26;              // patch side [camera pixels]
  double spike_scale = 100;    // value of one emitter's spike in the target map

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

struct Model {
  NetConfig config;
  Normalization norm;
  DataSettings data;
  std::unique_ptr<nn::Sequential> net;

  // A new model with freshly initialized weights (seeded).
  Model(const NetConfig& config, uint64_t seed);
  kernels::Device device() const { return net->device(); }
  void to(const kernels::Device& device) { net->to(device); }
};

// The model's settings as checkpoint attributes: "model" = "deepstorm", "upsampling",
// "width0".."width3", "norm_mean", "norm_std", and the DataSettings ("psf_sigma_nm", "photons",
// "photon_spread", "background", "density", "patch", "spike_scale", "pixel_size_nm",
// "photons_per_adu", "baseline_adu", "em_gain", "qe", "read_noise_e").
nn::Attributes model_attributes(const Model& model);
// A model built from such attributes (weights freshly initialized; load them next). Throws
// smlm::Error when "model" is not "deepstorm", a setting is missing, or one is out of range (the
// net's size is checked before it is allocated).
Model model_from_attributes(const nn::Attributes& attributes);

// Saves the model (and optimizer state, and extra attributes such as training counters).
void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer = nullptr,
                const nn::Attributes& extra = {});
// Loads a model saved by save_model onto `device`.
Model load_model(const std::string& path, kernels::Device device = kernels::Device::cpu());

using nets::attribute_number;
using nets::attribute_text;

}  // namespace smlm::localization::nets::deepstorm
