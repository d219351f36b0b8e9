// Pupil-function PSFs for the simulator (and fitters): renders a psf::PupilPsf z-stack and turns it
// into a cubic spline (psf/cubic_spline.h), the form the frame renderer and the LM fitter evaluate.
#pragma once

#include <string>

#include "psf/cubic_spline.h"
#include "psf/pupil.h"

namespace smlm::simulation {

// Default optics of the pupil PSFs: NA 1.49, λ 660 nm, n 1.518 (immersion and sample), and the
// named mask ("astigmatism", "double-helix", "tetrapod"; "none" for the plain PSF) at its
// psf::PupilSettings default strength; pixel_size_nm the camera's. Throws smlm::Error for another
// name.
psf::PupilSettings default_pupil(const std::string& kind, double pixel_size_nm);

// A spline of the pupil PSF over [z_min_nm, z_max_nm] (slices dz_nm apart, the range extended to
// a whole number of slices with z = 0 on a slice), `oversampling` samples per camera pixel over
// window_px camera pixels (settings' window_px is replaced), normalization kNone: N = photons
// emitted (the window holds slightly less for wide PSFs). z is the pupil's: 0 = focal plane,
// positive adds positive defocus phase at high angles.
psf::CubicSpline pupil_spline(psf::PupilSettings settings, double z_min_nm, double z_max_nm,
                              double dz_nm = 20.0, int oversampling = 2, int window_px = 17);

}  // namespace smlm::simulation
