#include "localization/nets/registry.h"

#include <variant>

#include "core/error.h"
#include "localization/nets/decode/decode_localizer.h"
#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/deepstorm3d/deepstorm3d_localizer.h"
#include "nn/checkpoint.h"

namespace smlm::localization::nets {

std::vector<std::string> method_names() { return {"mle", "deepstorm", "decode", "deepstorm3d"}; }

std::string model_family(const std::string& model_path) {
  const nn::Attributes a = nn::read_checkpoint_settings(model_path);
  const auto it = a.find("model");
  const std::string* family = it == a.end() ? nullptr : std::get_if<std::string>(&it->second);
  SMLM_CHECK(family != nullptr, model_path << ": not an smlm model (no 'model' attribute)");
  return *family;
}

std::unique_ptr<FrameLocalizer> make_localizer(const CameraModel& camera, const MethodOptions& o) {
  std::string method = o.method;
  if (method.empty()) method = o.model_path.empty() ? "mle" : model_family(o.model_path);
  if (method == "mle") {
    SMLM_CHECK(o.model_path.empty() && o.refine == "none",
               "--model and --refine are for the networks (--method deepstorm or decode)");
    return std::make_unique<Localizer>(camera, o.classic);
  }
  if (method == "deepstorm") {
    SMLM_CHECK(!o.model_path.empty(), "--method deepstorm needs --model FILE");
    SMLM_CHECK(!o.classic.is_3d(), "--method deepstorm fits in 2D: --psf is not for it");
    SMLM_CHECK(!o.classic.camera_maps,
               "--camera-maps: the deepstorm method does not take sCMOS "
               "maps (it normalizes each frame by its own range)");
    const std::string family = model_family(o.model_path);
    SMLM_CHECK(family == "deepstorm",
               o.model_path << " is a '" << family << "' model, not a deepstorm one");
    namespace ds = deepstorm;
    ds::DeepStormSettings d;
    d.refine = ds::parse_refine(o.refine);
    d.fit = o.classic.fit;
    d.psf_sigma_nm = o.psf_sigma_nm;
    d.device = o.classic.fit.device;
    return std::make_unique<ds::DeepStormLocalizer>(camera, o.model_path, d);
  }
  if (method == "decode") {
    SMLM_CHECK(!o.model_path.empty(), "--method decode needs --model FILE");
    SMLM_CHECK(!o.classic.is_3d() || o.refine == "mle",
               "--method decode: the model holds its own PSF; --psf is for --refine mle only");
    const std::string family = model_family(o.model_path);
    SMLM_CHECK(family == "decode",
               o.model_path << " is a '" << family << "' model, not a decode one");
    namespace dc = decode;
    dc::DecodeSettings d;
    SMLM_CHECK(o.refine == "none" || o.refine == "mle",
               "--refine '" << o.refine << "' is not none or mle");
    d.refine_mle = o.refine == "mle";
    if (o.probability > 0) d.post.threshold = o.probability;
    d.fit = o.classic.fit;
    d.roi_given = o.roi_given;
    d.psf_sigma_nm = o.psf_sigma_nm;
    if (o.classic.is_3d()) {
      d.psf = o.classic.psf;
      d.calibration = o.classic.calibration;
    }
    d.device = o.classic.fit.device;
    d.camera_maps = o.classic.camera_maps;
    d.camera_maps_origin = o.classic.camera_maps_origin;
    dc::Model model = dc::load_model(o.model_path);
    const CameraModel cam = o.model_camera ? model.data.camera : camera;
    return std::make_unique<dc::DecodeLocalizer>(cam, std::move(model), d);
  }
  if (method == "deepstorm3d") {
    SMLM_CHECK(!o.model_path.empty(), "--method deepstorm3d needs --model FILE");
    SMLM_CHECK(o.refine == "none" || o.refine == "mle",
               "--refine '" << o.refine << "' is not none or mle");
    SMLM_CHECK(!o.classic.is_3d() || o.refine == "mle",
               "--method deepstorm3d: the model holds its own PSF; --psf is for --refine mle only");
    SMLM_CHECK(!o.classic.camera_maps,
               "--camera-maps: the deepstorm3d method does not take sCMOS maps (it normalizes "
               "each frame by its own range)");
    const std::string family = model_family(o.model_path);
    SMLM_CHECK(family == "deepstorm3d",
               o.model_path << " is a '" << family << "' model, not a deepstorm3d one");
    deepstorm3d::DeepStorm3dSettings d;
    if (o.probability > 0) d.post.threshold = o.probability;
    d.device = o.classic.fit.device;
    d.refine_mle = o.refine == "mle";
    d.refine.refine.fit = o.classic.fit;
    d.refine.refine.psf = o.classic.is_3d() ? o.classic.psf : PsfModel::integrated_gaussian;
    d.refine.refine.calibration = o.classic.calibration;
    d.refine.roi_given = o.roi_given;
    return std::make_unique<deepstorm3d::DeepStorm3dLocalizer>(camera, o.model_path, d);
  }
  std::string names;
  for (const std::string& n : method_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("--method: '" + method + "' is not one of " + names);
}

}  // namespace smlm::localization::nets
