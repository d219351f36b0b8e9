// A DeepSTORM3D model: the net, its input normalization, the volume's geometry (z range and
// slices, lateral upsampling, target scale) and the simulation it was trained on, in one nn/
// checkpoint (HDF5), so that `localize --method deepstorm3d` needs nothing but the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/camera.h"
#include "kernels/device.h"
#include "localization/nets/deepstorm/model.h"
#include "localization/nets/deepstorm3d/net.h"
#include "localization/nets/model_attributes.h"
#include "nn/checkpoint.h"
#include "nn/layers/graph.h"
#include "nn/optim/optimizer.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::deepstorm3d {

// Deep-STORM's per-frame normalization: (v − min)/(max − min), then (· − mean)/std of the
// training set (deepstorm/model.h).
using deepstorm::Normalization;
using deepstorm::normalize_frame;

// What the training frames simulate (training_data.h).
struct DataSettings {
  CameraModel camera;
  // The 3D PSF: "pupil:tetrapod", "pupil:double-helix", "pupil:astigmatism" (simulation's default
  // pupil optics), "mask:FILE.tif" (a phase mask [rad], 32-bit float TIFF, over the pupil of the
  // default optics: psf::PhaseMask::kCustom), or a calibration "spline:FILE" / "astig:FILE".
  std::string psf_spec = "pupil:tetrapod";
  double z_min_nm = -1000, z_max_nm = 1000;         // emitters uniform in z; the volume's range
  double photons_min = 2000, photons_max = 8000;    // per emitter per frame, uniform
  double background_min = 10, background_max = 30;  // photons/px, uniform per frame
  double density = 0.3;  // emitters per µm² (Poisson count per frame, uniform positions)
  int patch = 32;        // frame side [camera px]
  double scale = 100;    // value of one emitter's voxel in the target volume

  // Throws smlm::Error naming the first impossible value (an inverted z range included).
  void validate() const;
  // The simulator's settings for these data, its PSF loaded from psf_spec. Throws smlm::Error for
  // a PSF that cannot be made (a missing file, a mask TIFF that is not 32-bit float).
  simulation::SimulationSettings simulation() const;
};

struct Model {
  NetConfig config;
  Normalization norm;
  DataSettings data;
  std::unique_ptr<nn::Graph> net;

  Model(const NetConfig& config, uint64_t seed);
  kernels::Device device() const { return net->device(); }
  void to(const kernels::Device& device) { net->to(device); }
  // The thickness of one z slice [nm]: (z_max − z_min)/D.
  double slice_nm() const { return (data.z_max_nm - data.z_min_nm) / config.slices; }
};

// The model's settings as checkpoint attributes: "model" = "deepstorm3d", "width", "slices",
// "upsampling", "norm_mean", "norm_std", the DataSettings ("psf_spec", "z_min_nm", "z_max_nm",
// "photons_min/max", "background_min/max", "density", "patch", "scale") and the camera.
nn::Attributes model_attributes(const Model& model);
// A model built from such attributes (weights freshly initialized; load them next). Throws
// smlm::Error when "model" is not "deepstorm3d" or a setting is missing or out of range.
Model model_from_attributes(const nn::Attributes& attributes);

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer = nullptr,
                const nn::Attributes& extra = {});
Model load_model(const std::string& path, kernels::Device device = kernels::Device::cpu());

}  // namespace smlm::localization::nets::deepstorm3d
