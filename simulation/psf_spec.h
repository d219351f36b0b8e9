// The 3D PSF of a simulation from its text form, as `smlm simulate --psf` and smlm.simulate(psf=)
// take it: "astig:FILE" or "spline:FILE" (a calibration from `smlm calibrate`), or "pupil:KIND"
// (astigmatism, double-helix, tetrapod; simulation::default_pupil).
#pragma once

#include <string>

#include "simulation/movie_simulator.h"

namespace smlm::simulation {

// Sets s.psf and its model. A pupil PSF is tabulated over s.z_min_nm − 100 … s.z_max_nm + 100, so
// set the z range first. `option` and `pixel_option` name the caller's options in messages
// ("--psf", "--pixel-size"). Throws smlm::Error for another form, a file without that model, or
// a calibration whose pixel size differs from s.camera's by more than 1 %.
void set_psf_spec(const std::string& spec, SimulationSettings& s, const std::string& option,
                  const std::string& pixel_option);

}  // namespace smlm::simulation
