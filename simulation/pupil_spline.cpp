// pupil_spline: the pupil stack, rendered in parallel by psf::PupilPsf, handed to psf::CubicSpline.
#include "simulation/pupil_spline.h"

#include <cmath>
#include <vector>

#include "core/error.h"

namespace smlm::simulation {

psf::PupilSettings default_pupil(const std::string& kind, double pixel_size_nm) {
  psf::PupilSettings s;
  s.na = 1.49;
  s.wavelength_nm = 660.0;
  s.n_immersion = s.n_sample = 1.518;
  s.pixel_size_nm = pixel_size_nm;
  if (kind == "astigmatism") {
    s.mask = psf::PhaseMask::kAstigmatism;
  } else if (kind == "double-helix") {
    s.mask = psf::PhaseMask::kDoubleHelix;
  } else if (kind == "tetrapod") {
    s.mask = psf::PhaseMask::kTetrapod;
  } else if (kind == "none") {
    s.mask = psf::PhaseMask::kNone;
  } else {
    throw Error("pupil PSF '" + kind + "' is not astigmatism, double-helix, tetrapod or none");
  }
  return s;
}

psf::CubicSpline pupil_spline(psf::PupilSettings settings, double z_min_nm, double z_max_nm,
                              double dz_nm, int oversampling, int window_px) {
  SMLM_CHECK(std::isfinite(z_min_nm) && std::isfinite(z_max_nm) && z_min_nm <= z_max_nm,
             "pupil spline: z range " << z_min_nm << ".." << z_max_nm << " nm is empty");
  SMLM_CHECK(dz_nm > 0 && oversampling >= 1 && window_px >= 3,
             "pupil spline: need dz > 0, oversampling >= 1 and a window of >= 3 px");
  settings.oversampling = oversampling;
  settings.window_px = window_px;
  const int k_lo = static_cast<int>(std::floor(z_min_nm / dz_nm));
  const int k_hi = std::max(static_cast<int>(std::ceil(z_max_nm / dz_nm)), k_lo + 1);
  std::vector<double> z;
  for (int k = k_lo; k <= k_hi; ++k) z.push_back(k * dz_nm);
  const psf::PupilPsf pupil(settings);
  const std::vector<ImageF> stack = pupil.render_stack(z);
  psf::SplineSettings ss;
  ss.oversampling = oversampling;
  ss.dz_nm = dz_nm;
  ss.pixel_size_nm = settings.pixel_size_nm;
  ss.cz = -k_lo;  // slice of z = 0
  ss.normalization = psf::SplineSettings::Normalization::kNone;
  return psf::CubicSpline(stack, ss);
}

}  // namespace smlm::simulation
