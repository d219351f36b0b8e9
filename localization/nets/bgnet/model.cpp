// BGNet model: settings ↔ checkpoint attributes, and the PSF of its training data.
#include "localization/nets/bgnet/model.h"

#include <cmath>

#include "core/error.h"
#include "localization/nets/model_attributes.h"
#include "simulation/psf_spec.h"

namespace smlm::localization::nets::bgnet {

void DataSettings::validate() const {
  camera.validate();
  auto range = [](double lo, double hi, double min, const char* what) {
    SMLM_CHECK(
        std::isfinite(lo) && std::isfinite(hi) && lo >= min && lo <= hi,
        what << " must be MIN:MAX with " << min << " <= MIN <= MAX, got " << lo << ":" << hi);
  };
  range(photons_min, photons_max, 1, "photons");
  range(background_min, background_max, 0, "background");
  range(scale_min_px, scale_max_px, 0.5, "structure scale [px]");
  SMLM_CHECK(scale_max_px <= 1e4, "structure scale must be <= 1e4 px, got " << scale_max_px);
  SMLM_CHECK(std::isfinite(structure_max) && structure_max >= 0 && structure_max <= 100,
             "structure amplitude must be in [0, 100] x the background, got " << structure_max);
  SMLM_CHECK(std::isfinite(psf_sigma_nm) && psf_sigma_nm > 0,
             "PSF sigma must be > 0 nm, got " << psf_sigma_nm);
  if (is_3d()) range(z_min_nm, z_max_nm, -1e5, "z range [nm]");
  SMLM_CHECK(emitter_probability >= 0 && emitter_probability <= 1 && neighbour_probability >= 0 &&
                 neighbour_probability <= 1,
             "emitter probabilities must be in [0, 1]");
  SMLM_CHECK(roi >= NetConfig::kMultiple && roi <= 256 && roi % NetConfig::kMultiple == 0,
             "BGNet ROI must be a multiple of " << NetConfig::kMultiple << " in ["
                                                << NetConfig::kMultiple << ", 256] px, got "
                                                << roi);
}

simulation::SimulationSettings DataSettings::simulation() const {
  simulation::SimulationSettings s;
  s.camera = camera;
  s.psf_sigma_nm = psf_sigma_nm;
  s.z_min_nm = is_3d() ? z_min_nm : 0;
  s.z_max_nm = is_3d() ? z_max_nm : 0;
  if (is_3d()) simulation::set_psf_spec(psf_spec, s, "--psf", "--pixel-size");
  return s;
}

Model::Model(const NetConfig& c, uint64_t seed) : config(c), net(build_net(c, seed)) {}

nn::Attributes model_attributes(const Model& m) {
  nn::Attributes a;
  a["model"] = std::string("bgnet");
  a["width"] = int64_t{m.config.width};
  const DataSettings& d = m.data;
  a["psf_spec"] = d.psf_spec;
  a["psf_sigma_nm"] = d.psf_sigma_nm;
  a["z_min_nm"] = d.z_min_nm;
  a["z_max_nm"] = d.z_max_nm;
  a["photons_min"] = d.photons_min;
  a["photons_max"] = d.photons_max;
  a["background_min"] = d.background_min;
  a["background_max"] = d.background_max;
  a["structure_max"] = d.structure_max;
  a["scale_min_px"] = d.scale_min_px;
  a["scale_max_px"] = d.scale_max_px;
  a["emitter_probability"] = d.emitter_probability;
  a["neighbour_probability"] = d.neighbour_probability;
  a["roi"] = int64_t{d.roi};
  put_camera(a, d.camera);
  return a;
}

Model model_from_attributes(const nn::Attributes& a) {
  const std::string kind = attribute_text(a, "model");
  SMLM_CHECK(kind == "bgnet", "the model is a '" << kind << "' model, not bgnet");
  NetConfig c;
  c.width = attribute_whole(a, "width", 1, NetConfig::kMaxWidth);
  Model m(c, 0);
  DataSettings& d = m.data;
  d.psf_spec = attribute_text(a, "psf_spec");
  d.psf_sigma_nm = attribute_number(a, "psf_sigma_nm");
  d.z_min_nm = attribute_number(a, "z_min_nm");
  d.z_max_nm = attribute_number(a, "z_max_nm");
  d.photons_min = attribute_number(a, "photons_min");
  d.photons_max = attribute_number(a, "photons_max");
  d.background_min = attribute_number(a, "background_min");
  d.background_max = attribute_number(a, "background_max");
  d.structure_max = attribute_number(a, "structure_max");
  d.scale_min_px = attribute_number(a, "scale_min_px");
  d.scale_max_px = attribute_number(a, "scale_max_px");
  d.emitter_probability = attribute_number(a, "emitter_probability");
  d.neighbour_probability = attribute_number(a, "neighbour_probability");
  d.roi = attribute_whole(a, "roi", NetConfig::kMultiple, 256);
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

}  // namespace smlm::localization::nets::bgnet
