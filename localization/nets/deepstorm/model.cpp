// Deep-STORM model: normalization and its settings ↔ checkpoint attributes.
#include "localization/nets/deepstorm/model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "localization/nets/model_attributes.h"

namespace smlm::localization::nets::deepstorm {

void normalize_frame(const float* in, int64_t n, const Normalization& norm, float* out) {
  if (n <= 0) return;
  const auto [lo, hi] = std::minmax_element(in, in + n);
  const double mn = *lo, range = *hi - *lo;
  const double scale = range > 0 ? 1.0 / range : 0.0;
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(((in[i] - mn) * scale - norm.mean) / norm.std);
}

void DataSettings::validate() const {
  camera.validate();
  SMLM_CHECK(std::isfinite(psf_sigma_nm) && psf_sigma_nm > 0,
             "PSF sigma must be positive [nm], got " << psf_sigma_nm);
  SMLM_CHECK(std::isfinite(photons) && photons > 0, "photons must be positive, got " << photons);
  SMLM_CHECK(photon_spread >= 0 && photon_spread < 1,
             "photon spread must be in [0, 1), got " << photon_spread);
  SMLM_CHECK(std::isfinite(background) && background >= 0,
             "background must be >= 0 photons/px, got " << background);
  SMLM_CHECK(std::isfinite(density) && density >= 0 && density <= 100,
             "density must be in [0, 100] per um^2, got " << density);
  SMLM_CHECK(patch >= 4 && patch <= 512, "patch must be in [4, 512] px, got " << patch);
  SMLM_CHECK(std::isfinite(spike_scale) && spike_scale > 0,
             "spike scale must be positive, got " << spike_scale);
}

Model::Model(const NetConfig& c, uint64_t seed) : config(c), net(build_net(c, seed)) {}

nn::Attributes model_attributes(const Model& m) {
  nn::Attributes a;
  a["model"] = std::string("deepstorm");
  a["upsampling"] = int64_t{m.config.upsampling};
  for (int i = 0; i < 4; ++i) a["width" + std::to_string(i)] = int64_t{m.config.widths[i]};
  a["norm_mean"] = m.norm.mean;
  a["norm_std"] = m.norm.std;
  const DataSettings& d = m.data;
  a["psf_sigma_nm"] = d.psf_sigma_nm;
  a["photons"] = d.photons;
  a["photon_spread"] = d.photon_spread;
  a["background"] = d.background;
  a["density"] = d.density;
  a["patch"] = int64_t{d.patch};
  a["spike_scale"] = d.spike_scale;
  put_camera(a, d.camera);
  return a;
}

Model model_from_attributes(const nn::Attributes& a) {
  const std::string kind = attribute_text(a, "model");
  SMLM_CHECK(kind == "deepstorm", "the model is a '" << kind << "' model, not deepstorm");
  // Range-checked as doubles, before the casts and before the net is allocated.
  auto whole = [&](const std::string& key, double lo, double hi) {
    return attribute_whole(a, key, lo, hi);
  };
  NetConfig c;
  c.upsampling = whole("upsampling", 1, 16);
  for (int i = 0; i < 4; ++i)
    c.widths[i] = whole("width" + std::to_string(i), 1, NetConfig::kMaxWidth);
  Model m(c, 0);
  m.norm.mean = attribute_number(a, "norm_mean");
  m.norm.std = attribute_number(a, "norm_std");
  DataSettings& d = m.data;
  d.psf_sigma_nm = attribute_number(a, "psf_sigma_nm");
  d.photons = attribute_number(a, "photons");
  d.photon_spread = attribute_number(a, "photon_spread");
  d.background = attribute_number(a, "background");
  d.density = attribute_number(a, "density");
  d.patch = whole("patch", 4, 512);
  d.spike_scale = attribute_number(a, "spike_scale");
  d.camera = get_camera(a);
  SMLM_CHECK(std::isfinite(m.norm.std) && m.norm.std > 0,
             "model normalization std must be positive, got " << m.norm.std);
  SMLM_CHECK(std::isfinite(m.norm.mean), "model normalization mean must be finite");
  d.validate();  // the settings it was trained on: finite and in range
  return m;
}

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer,
                const nn::Attributes& extra) {
  save_net_model(path, model, optimizer, model_attributes(model), extra);
}

Model load_model(const std::string& path, kernels::Device device) {
  return load_net_model<Model>(path, device, model_from_attributes);
}

}  // namespace smlm::localization::nets::deepstorm
