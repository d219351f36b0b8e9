// The camera options shared by `simulate`, `localize` and later commands, named as ThunderSTORM
// names its camera settings, and the sCMOS per-pixel maps that replace some of them.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/args.h"
#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/error.h"
#include "io/camera_maps_file.h"

namespace smlm::cli {

inline void add_camera_options(ArgParser& p, CameraModel& c, bool with_read_noise) {
  p.section("camera (ThunderSTORM's camera settings)");
  p.add("--pixel-size", &c.pixel_size_nm, "back-projected pixel size [nm]");
  p.add("--photons-per-adu", &c.photons_per_adu, "photoelectrons per A/D count");
  p.add("--baseline", &c.baseline_adu, "base level [ADU]");
  p.add("--em-gain", &c.em_gain, "EM gain (1 = no EM register)");
  p.add("--qe", &c.qe, "quantum efficiency (0..1]");
  if (with_read_noise) p.add("--read-noise", &c.read_noise_e, "read noise [e- rms]");
}

// --camera-maps FILE and --camera-maps-origin X,Y (sCMOS, core/camera_maps.h).
struct CameraMapsOptions {
  std::string path, origin;
};

inline const char* kCameraMapsHelp =
    "sCMOS per-pixel maps, replacing --baseline, --photons-per-adu and --read-noise: a TIFF of 3 "
    "float pages in this order: offset [ADU], gain [ADU/e-, = 1/photons-per-adu], read-noise "
    "variance [ADU^2]; or an HDF5 file with datasets offset, gain, variance (height x width)";

inline void add_camera_maps_options(ArgParser& p, CameraMapsOptions& o) {
  p.add("--camera-maps", &o.path, kCameraMapsHelp, "FILE");
  p.add("--camera-maps-origin", &o.origin,
        "sensor pixel of the frames' pixel (0,0), for movies cropped from the mapped sensor "
        "(default: the frames are the whole sensor)",
        "X,Y");
}

// "X,Y" (integers >= 0).
inline SensorOrigin parse_sensor_origin(const std::string& text) {
  const size_t comma = text.find(',');
  SensorOrigin o;
  size_t end_x = 0, end_y = 0;
  try {
    SMLM_CHECK(comma != std::string::npos, "");
    o.x = std::stoi(text.substr(0, comma), &end_x);
    o.y = std::stoi(text.substr(comma + 1), &end_y);
  } catch (const std::exception&) {
    throw Error("--camera-maps-origin: '" + text + "' is not X,Y (pixels)");
  }
  SMLM_CHECK(end_x == comma && end_y == text.size() - comma - 1 && o.x >= 0 && o.y >= 0,
             "--camera-maps-origin: '" << text << "' is not X,Y (pixels >= 0)");
  return o;
}

// The maps of --camera-maps (null when not given) and the origin of --camera-maps-origin. Refuses
// the camera options the maps replace when given explicitly, and an origin without maps.
inline std::shared_ptr<const CameraMaps> load_camera_maps_option(
    const ArgParser& p, const CameraMapsOptions& o, std::optional<SensorOrigin>& origin) {
  origin.reset();
  if (o.path.empty()) {
    SMLM_CHECK(o.origin.empty(), "--camera-maps-origin needs --camera-maps FILE");
    return nullptr;
  }
  for (const char* replaced : {"--baseline", "--photons-per-adu", "--read-noise", "--em-gain"})
    SMLM_CHECK(!p.has(replaced) || !p.given(replaced), "--camera-maps replaces "
                                                           << replaced
                                                           << " (sCMOS: per-pixel offset, gain "
                                                              "and read noise, no EM gain)");
  if (!o.origin.empty()) origin = parse_sensor_origin(o.origin);
  return std::make_shared<const CameraMaps>(io::read_camera_maps(o.path));
}

}  // namespace smlm::cli
