// DeepSTORM3D model: settings ↔ checkpoint attributes, and the PSF of its training data.
#include "localization/nets/deepstorm3d/model.h"

#include <cmath>

#include "core/error.h"
#include "simulation/psf_spec.h"

namespace smlm::localization::nets::deepstorm3d {

void DataSettings::validate() const {
  camera.validate();
  SMLM_CHECK(!psf_spec.empty(), "DeepSTORM3D needs a 3D PSF (--psf)");
  SMLM_CHECK(std::isfinite(z_min_nm) && std::isfinite(z_max_nm) && z_min_nm < z_max_nm,
             "z range " << z_min_nm << ":" << z_max_nm << " is empty or inverted (MIN < MAX)");
  SMLM_CHECK(z_max_nm - z_min_nm <= 20000, "z range wider than 20 um");
  SMLM_CHECK(
      std::isfinite(photons_min) && photons_min > 0 && photons_min <= photons_max &&
          std::isfinite(photons_max),
      "photons must be MIN:MAX with 0 < MIN <= MAX, got " << photons_min << ":" << photons_max);
  SMLM_CHECK(
      std::isfinite(background_max) && background_min >= 0 && background_min <= background_max,
      "background must be MIN:MAX with 0 <= MIN <= MAX, got " << background_min << ":"
                                                              << background_max);
  SMLM_CHECK(std::isfinite(density) && density >= 0 && density <= 50,
             "density must be in [0, 50] per um^2, got " << density);
  SMLM_CHECK(patch >= 8 && patch <= 512, "patch must be in [8, 512] px, got " << patch);
  SMLM_CHECK(std::isfinite(scale) && scale > 0, "target scale must be positive, got " << scale);
}

simulation::SimulationSettings DataSettings::simulation() const {
  simulation::SimulationSettings s;
  s.camera = camera;
  s.z_min_nm = z_min_nm;
  s.z_max_nm = z_max_nm;
  simulation::set_psf_spec(psf_spec, s, "--psf", "--pixel-size");
  return s;
}

Model::Model(const NetConfig& c, uint64_t seed) : config(c), net(build_net(c, seed)) {}

nn::Attributes model_attributes(const Model& m) {
  nn::Attributes a;
  a["model"] = std::string("deepstorm3d");
  a["width"] = int64_t{m.config.width};
  a["slices"] = int64_t{m.config.slices};
  a["upsampling"] = int64_t{m.config.upsampling};
  a["norm_mean"] = m.norm.mean;
  a["norm_std"] = m.norm.std;
  const DataSettings& d = m.data;
  a["psf_spec"] = d.psf_spec;
  a["z_min_nm"] = d.z_min_nm;
  a["z_max_nm"] = d.z_max_nm;
  a["photons_min"] = d.photons_min;
  a["photons_max"] = d.photons_max;
  a["background_min"] = d.background_min;
  a["background_max"] = d.background_max;
  a["density"] = d.density;
  a["patch"] = int64_t{d.patch};
  a["scale"] = d.scale;
  put_camera(a, d.camera);
  return a;
}

Model model_from_attributes(const nn::Attributes& a) {
  const std::string kind = attribute_text(a, "model");
  SMLM_CHECK(kind == "deepstorm3d", "the model is a '" << kind << "' model, not deepstorm3d");
  NetConfig c;
  c.width = attribute_whole(a, "width", 1, NetConfig::kMaxWidth);
  c.slices = attribute_whole(a, "slices", 1, NetConfig::kMaxSlices);
  c.upsampling = attribute_whole(a, "upsampling", 1, 4);
  Model m(c, 0);
  m.norm.mean = attribute_number(a, "norm_mean");
  m.norm.std = attribute_number(a, "norm_std");
  SMLM_CHECK(std::isfinite(m.norm.std) && m.norm.std > 0 && std::isfinite(m.norm.mean),
             "model normalization must be finite with a positive std");
  DataSettings& d = m.data;
  d.psf_spec = attribute_text(a, "psf_spec");
  d.z_min_nm = attribute_number(a, "z_min_nm");
  d.z_max_nm = attribute_number(a, "z_max_nm");
  d.photons_min = attribute_number(a, "photons_min");
  d.photons_max = attribute_number(a, "photons_max");
  d.background_min = attribute_number(a, "background_min");
  d.background_max = attribute_number(a, "background_max");
  d.density = attribute_number(a, "density");
  d.patch = attribute_whole(a, "patch", 8, 512);
  d.scale = attribute_number(a, "scale");
  d.camera = get_camera(a);
  d.validate();
  return m;
}

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer,
                const nn::Attributes& extra) {
  save_net_model(path, model, optimizer, model_attributes(model), extra);
}

Model load_model(const std::string& path, kernels::Device device) {
  return load_net_model<Model>(path, device, model_from_attributes);
}

}  // namespace smlm::localization::nets::deepstorm3d
