// DECODE model: settings ↔ checkpoint attributes, scales.
#include "localization/nets/decode/model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "localization/nets/model_attributes.h"
#include "simulation/psf_spec.h"

namespace smlm::localization::nets::decode {

void DataSettings::validate() const {
  camera.validate();
  if (camera_maps) {
    camera_maps->check_camera(camera);
    SMLM_CHECK(camera_maps->width >= patch && camera_maps->height >= patch,
               camera_maps->name() << " (" << camera_maps->width << "x" << camera_maps->height
                                   << ") are smaller than the " << patch << " px training patch");
  }
  auto range = [](double lo, double hi, double min, const char* what) {
    SMLM_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo >= min && hi >= lo,
               what << " must be a range MIN:MAX with " << min << " <= MIN <= MAX, got " << lo
                    << ":" << hi);
  };
  range(photons_min, photons_max, 1, "photons");
  range(background_min, background_max, 0, "background");
  SMLM_CHECK(std::isfinite(psf_sigma_nm) && psf_sigma_nm > 0,
             "PSF sigma must be positive [nm], got " << psf_sigma_nm);
  SMLM_CHECK(std::isfinite(density) && density >= 0 && density <= 50,
             "density must be in [0, 50] per um^2, got " << density);
  SMLM_CHECK(std::isfinite(on_time) && on_time > 0 && on_time <= 1000,
             "on-time must be in (0, 1000] frames, got " << on_time);
  SMLM_CHECK(patch >= 8 && patch <= 256, "patch must be in [8, 256] px, got " << patch);
  if (is_3d()) {
    SMLM_CHECK(std::isfinite(z_min_nm) && std::isfinite(z_max_nm) && z_max_nm > z_min_nm,
               "z range must be MIN:MAX with MIN < MAX [nm], got " << z_min_nm << ":" << z_max_nm);
    SMLM_CHECK(std::max(std::fabs(z_min_nm), std::fabs(z_max_nm)) <= 10000,
               "z range must be within ±10 µm");
  }
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

DataSettings data_settings_like(const MovieEstimate& e, const DataSettings& base) {
  DataSettings d = base;
  SMLM_CHECK(e.photons > 0 && e.density >= 0 && e.background >= 0,
             "the movie estimate has no photons to train on");
  d.photons_min = std::max(1.0, std::min(e.photons_q10, 0.5 * e.photons));
  d.photons_max = std::max(e.photons_q90, 1.5 * e.photons);
  const double margin = 0.2 * e.background + 2 * e.background_spread;
  d.background_min = std::max(0.0, e.background - margin);
  d.background_max = e.background + margin;
  if (!d.is_3d()) d.psf_sigma_nm = e.psf_sigma_nm;
  d.density = std::min(50.0, e.density * (1 + d.on_time) / d.on_time);
  return d;
}

Scaling Scaling::for_data(const DataSettings& d) {
  Scaling s;
  const double sigma_px = d.psf_sigma_nm / d.camera.pixel_size_nm;
  // The brightest pixel of a centred Gaussian spot holds about 1/(2πσ²) of its photons (at most
  // all of them); 3D PSFs are wider, so this is an upper estimate there.
  const double peak = std::min(1.0, 1.0 / (2 * M_PI * sigma_px * sigma_px));
  s.input_offset = d.background_min;
  s.input_scale = std::max(1.0, 0.5 * (d.photons_min + d.photons_max) * peak);
  s.photon_scale = 1.2 * d.photons_max;
  s.bg_scale = std::max(1.0, 1.2 * d.background_max);
  s.z_scale_nm = d.is_3d() ? 1.2 * std::max(std::fabs(d.z_min_nm), std::fabs(d.z_max_nm)) : 1.0;
  return s;
}

Model::Model(const NetConfig& c, uint64_t seed)
    : config(c), net(std::make_unique<DecodeNet>(c, seed)) {}

nn::Attributes model_attributes(const Model& m) {
  nn::Attributes a;
  a["model"] = std::string("decode");
  a["frames"] = int64_t{m.config.frames};
  a["dims"] = int64_t{m.config.dims};
  a["width"] = int64_t{m.config.width};
  a["depth"] = int64_t{m.config.depth};
  a["activation"] = kernels::nn::activation_name(m.config.activation);
  a["input_offset"] = m.scale.input_offset;
  a["input_scale"] = m.scale.input_scale;
  a["photon_scale"] = m.scale.photon_scale;
  a["z_scale_nm"] = m.scale.z_scale_nm;
  a["bg_scale"] = m.scale.bg_scale;
  const DataSettings& d = m.data;
  put_camera(a, d.camera);
  a["psf"] = d.psf_spec;
  a["camera_maps"] = d.camera_maps ? d.camera_maps->source : std::string();
  a["psf_sigma_nm"] = d.psf_sigma_nm;
  a["photons_min"] = d.photons_min;
  a["photons_max"] = d.photons_max;
  a["background_min"] = d.background_min;
  a["background_max"] = d.background_max;
  a["density"] = d.density;
  a["on_time"] = d.on_time;
  a["z_min_nm"] = d.z_min_nm;
  a["z_max_nm"] = d.z_max_nm;
  a["patch"] = int64_t{d.patch};
  return a;
}

Model model_from_attributes(const nn::Attributes& a) {
  const std::string kind = attribute_text(a, "model");
  SMLM_CHECK(kind == "decode", "the model is a '" << kind << "' model, not decode");
  NetConfig c;
  c.frames = attribute_whole(a, "frames", 1, 3);
  c.dims = attribute_whole(a, "dims", 3, 4);
  c.width = attribute_whole(a, "width", 1, NetConfig::kMaxWidth);
  c.depth = attribute_whole(a, "depth", 1, 5);
  c.activation = kernels::nn::parse_activation(attribute_text(a, "activation"));
  c.validate();  // before the net is allocated
  Model m(c, 0);
  Scaling& s = m.scale;
  s.input_offset = attribute_number(a, "input_offset");
  s.input_scale = attribute_number(a, "input_scale");
  s.photon_scale = attribute_number(a, "photon_scale");
  s.z_scale_nm = attribute_number(a, "z_scale_nm");
  s.bg_scale = attribute_number(a, "bg_scale");
  for (double v : {s.input_scale, s.photon_scale, s.z_scale_nm, s.bg_scale})
    SMLM_CHECK(std::isfinite(v) && v > 0, "model scales must be positive, got " << v);
  SMLM_CHECK(std::isfinite(s.input_offset), "model input offset must be finite");
  DataSettings& d = m.data;
  d.camera = get_camera(a);
  d.psf_spec = attribute_text(a, "psf");
  attribute_text(a, "camera_maps");  // present (the file name; the caller loads the maps)
  d.psf_sigma_nm = attribute_number(a, "psf_sigma_nm");
  d.photons_min = attribute_number(a, "photons_min");
  d.photons_max = attribute_number(a, "photons_max");
  d.background_min = attribute_number(a, "background_min");
  d.background_max = attribute_number(a, "background_max");
  d.density = attribute_number(a, "density");
  d.on_time = attribute_number(a, "on_time");
  d.z_min_nm = attribute_number(a, "z_min_nm");
  d.z_max_nm = attribute_number(a, "z_max_nm");
  d.patch = attribute_whole(a, "patch", 8, 256);
  d.validate();
  SMLM_CHECK(d.is_3d() == (c.dims == 4), "model setting 'dims' disagrees with its PSF");
  return m;
}

void save_model(const std::string& path, Model& model, nn::Optimizer* optimizer,
                const nn::Attributes& extra) {
  save_net_model(path, model, optimizer, model_attributes(model), extra);
}

Model load_model(const std::string& path, kernels::Device device) {
  return load_net_model<Model>(path, device, model_from_attributes);
}

}  // namespace smlm::localization::nets::decode
