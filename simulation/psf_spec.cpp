#include "simulation/psf_spec.h"

#include <cmath>
#include <memory>

#include "core/error.h"
#include "psf/calibration.h"
#include "simulation/pupil_spline.h"

namespace smlm::simulation {

void set_psf_spec(const std::string& spec, SimulationSettings& s, const std::string& option,
                  const std::string& pixel_option) {
  const size_t colon = spec.find(':');
  SMLM_CHECK(colon != std::string::npos,
             option << ": '" << spec << "' is not astig:FILE, spline:FILE or pupil:KIND");
  const std::string kind = spec.substr(0, colon), arg = spec.substr(colon + 1);
  if (kind == "astig" || kind == "astigmatic") {
    const psf::PsfCalibration cal = psf::load_calibration(arg);
    SMLM_CHECK(cal.has_astigmatic, arg << " holds no astigmatic model");
    SMLM_CHECK(std::abs(cal.pixel_size_nm - s.camera.pixel_size_nm) <= 0.01 * cal.pixel_size_nm,
               arg << " was calibrated with " << cal.pixel_size_nm << " nm pixels; set "
                   << pixel_option << " to match");
    s.psf = RenderPsf::astigmatic;
    s.astigmatic = cal.astigmatic;
  } else if (kind == "spline") {
    auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(arg));
    SMLM_CHECK(!cal->spline.empty(), arg << " holds no spline model");
    s.psf = RenderPsf::spline;
    // Share the calibration's spline without copying it: the aliasing constructor keeps the
    // whole calibration alive.
    s.spline = std::shared_ptr<const psf::CubicSpline>(cal, &cal->spline);
  } else if (kind == "pupil") {
    const psf::PupilSettings p = default_pupil(arg, s.camera.pixel_size_nm);
    s.psf = RenderPsf::spline;
    s.spline =
        std::make_shared<psf::CubicSpline>(pupil_spline(p, s.z_min_nm - 100, s.z_max_nm + 100));
  } else {
    throw Error(option + ": '" + spec + "' is not astig:FILE, spline:FILE or pupil:KIND");
  }
}

}  // namespace smlm::simulation
