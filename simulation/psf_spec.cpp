#include "simulation/psf_spec.h"

#include <cmath>
#include <memory>

#include "core/error.h"
#include "io/tiff_movie.h"
#include "psf/calibration.h"
#include "simulation/pupil_spline.h"

namespace smlm::simulation {

std::shared_ptr<const psf::PsfCalibration> psf_spec_calibration(const std::string& spec,
                                                                double z_min_nm, double z_max_nm,
                                                                double pixel_size_nm,
                                                                const std::string& option) {
  const size_t colon = spec.find(':');
  SMLM_CHECK(colon != std::string::npos, option << ": '" << spec
                                                << "' is not astig:FILE, spline:FILE, "
                                                   "pupil:KIND or mask:FILE.tif");
  const std::string kind = spec.substr(0, colon), arg = spec.substr(colon + 1);
  if (kind == "astig" || kind == "astigmatic") {
    auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(arg));
    SMLM_CHECK(cal->has_astigmatic, arg << " holds no astigmatic model");
    cal->model = "astigmatic";
    return cal;
  }
  if (kind == "spline") {
    auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(arg));
    SMLM_CHECK(!cal->spline.empty(), arg << " holds no spline model");
    cal->model = "spline";
    return cal;
  }
  if (kind == "pupil" || kind == "mask") {
    psf::PupilSettings pupil;
    if (kind == "pupil") {
      pupil = default_pupil(arg, pixel_size_nm);
    } else {  // a phase mask [rad] over the default optics, as `smlm design-psf` writes it
      {
        io::TiffMovieReader r(arg);
        SMLM_CHECK(
            r.info().type == io::PixelType::f32,
            option << " " << spec << ": the mask must be a 32-bit float TIFF of phases [rad]");
      }
      pupil = default_pupil("none", pixel_size_nm);
      pupil.mask = psf::PhaseMask::kCustom;
      pupil.custom_phase = io::read_tiff_image(arg);
      for (size_t i = 0; i < pupil.custom_phase.size(); ++i)
        SMLM_CHECK(std::isfinite(pupil.custom_phase.data()[i]),
                   option << " " << spec << ": the mask holds a value that is not a number");
    }
    auto cal = std::make_shared<psf::PsfCalibration>();
    cal->spline = pupil_spline(std::move(pupil), z_min_nm - 100, z_max_nm + 100);
    const psf::CubicSplinePsf m = cal->spline.model();
    cal->model = "spline";
    cal->pixel_size_nm = m.pixel_size_nm;
    cal->z_step_nm = m.dz_nm;
    cal->z_origin = "pupil";
    return cal;
  }
  throw Error(option + ": '" + spec +
              "' is not astig:FILE, spline:FILE, pupil:KIND or mask:FILE.tif");
}

void set_psf_spec(const std::string& spec, SimulationSettings& s, const std::string& option,
                  const std::string& pixel_option) {
  const std::shared_ptr<const psf::PsfCalibration> cal =
      psf_spec_calibration(spec, s.z_min_nm, s.z_max_nm, s.camera.pixel_size_nm, option);
  if (cal->model == "astigmatic") {
    SMLM_CHECK(std::abs(cal->pixel_size_nm - s.camera.pixel_size_nm) <= 0.01 * cal->pixel_size_nm,
               spec.substr(spec.find(':') + 1)
                   << " was calibrated with " << cal->pixel_size_nm << " nm pixels; set "
                   << pixel_option << " to match");
    s.psf = RenderPsf::astigmatic;
    s.astigmatic = cal->astigmatic;
  } else {
    s.psf = RenderPsf::spline;
    // Share the calibration's spline without copying it: the aliasing constructor keeps the
    // whole calibration alive.
    s.spline = std::shared_ptr<const psf::CubicSpline>(cal, &cal->spline);
  }
}

}  // namespace smlm::simulation
