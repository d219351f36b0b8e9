// The 3D PSF of a simulation from its text form, as `smlm simulate --psf` and smlm.simulate(psf=)
// take it: "astig:FILE" or "spline:FILE" (a calibration from `smlm calibrate`), "pupil:KIND"
// (astigmatism, double-helix, tetrapod; simulation::default_pupil), or "mask:FILE.tif" (a pupil
// phase mask [rad] as a 32-bit float TIFF, e.g. from `smlm design-psf`, over default_pupil's
// optics: psf::PhaseMask::kCustom). Pupil and mask PSFs are rendered and tabulated as splines.
#pragma once

#include <memory>
#include <string>

#include "psf/calibration.h"
#include "simulation/movie_simulator.h"

namespace smlm::simulation {

// Sets s.psf and its model. A pupil PSF is tabulated over s.z_min_nm − 100 … s.z_max_nm + 100, so
// set the z range first. `option` and `pixel_option` name the caller's options in messages
// ("--psf", "--pixel-size"). Throws smlm::Error for another form, a file without that model, or
// a calibration whose pixel size differs from s.camera's by more than 1 %.
void set_psf_spec(const std::string& spec, SimulationSettings& s, const std::string& option,
                  const std::string& pixel_option);

// The PSF of a spec as a calibration the fitters take (psf::PsfCalibration: what `--psf FILE`
// loads), with `model` naming the one to fit: "astig:FILE" the file's astigmatic model,
// "spline:FILE" its spline, "pupil:KIND" and "mask:FILE.tif" the spline set_psf_spec renders
// (pixel_size_nm the camera's, z over z_min_nm − 100 … z_max_nm + 100; z_origin "pupil"). Throws
// smlm::Error, naming `option`, for another form, an unreadable file or a file without that model.
std::shared_ptr<const psf::PsfCalibration> psf_spec_calibration(const std::string& spec,
                                                                double z_min_nm, double z_max_nm,
                                                                double pixel_size_nm,
                                                                const std::string& option);

}  // namespace smlm::simulation
