// The camera options shared by `simulate`, `localize` and later commands, named as ThunderSTORM
// names its camera settings.
#pragma once

#include "cli/args.h"
#include "core/camera.h"

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

}  // namespace smlm::cli
