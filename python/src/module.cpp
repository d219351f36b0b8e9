// The `smlm._smlm` extension module: the exception class smlm.Error, the defaults the Python
// API shows in its signatures (read from the library's settings structs, plus the few the CLI
// keeps in its own code), and the bindings of the other files. smlm/__init__.py is the public
// face; this module's functions take every argument explicitly.
#include <exception>
#include <new>

#include "core/camera.h"
#include "core/error.h"
#include "kernels/device.h"
#include "localization/localizer.h"
#include "python/src/bindings.h"
#include "reconstruction/matching.h"
#include "reconstruction/render.h"
#include "simulation/movie_simulator.h"

namespace smlm::python {

namespace {

// smlm.Error, created once and kept for the life of the process (never freed: it may be raised
// until the interpreter is gone).
PyObject* g_error = nullptr;

py::dict defaults() {
  const CameraModel camera;
  const simulation::SimulationSettings sim;
  const localization::LocalizeSettings loc;
  const reconstruction::RenderSettings render;
  const reconstruction::MatchSettings match;
  py::dict c, s, l, r, e;
  c["pixel_size"] = camera.pixel_size_nm;
  c["photons_per_adu"] = camera.photons_per_adu;
  c["baseline"] = camera.baseline_adu;
  c["em_gain"] = camera.em_gain;
  c["qe"] = camera.qe;
  c["read_noise"] = camera.read_noise_e;
  s["frames"] = sim.frames;
  s["size"] = sim.width == sim.height ? py::object(py::int_(sim.width))
                                      : py::object(py::make_tuple(sim.width, sim.height));
  s["density"] = sim.density;
  s["photons"] = sim.photons;
  s["photon_dist"] = "constant";
  s["background"] = sim.background;
  s["psf_sigma"] = sim.psf_sigma_nm;
  s["z_range"] = py::make_tuple(-600.0, 600.0);  // cli/simulate.cpp's --z-range
  s["structure"] = "uniform";
  s["k_on"] = sim.k_on;
  s["k_off"] = sim.k_off;
  s["k_bleach"] = sim.k_bleach;
  s["seed"] = sim.seed;
  s["device"] = "cpu";
  l["threshold"] = loc.detection.threshold;
  l["fixed_sigma"] = loc.fit.fixed_sigma;
  l["max_iterations"] = loc.fit.max_iterations;
  l["fitter"] = localization::to_string(loc.fit.fitter);
  l["device"] = "cpu";
  l["refine"] = "none";
  l["batch"] = 64;   // cli/localize.cpp's --batch
  l["threads"] = 0;  // all cores
  r["pixel_size"] = render.pixel_size_nm;
  r["method"] = "gaussian";
  r["ash_shifts"] = render.ash_shifts;
  r["min_sigma"] = render.min_sigma_nm;
  r["sigma"] = render.fixed_sigma_nm;
  r["percentile"] = 99.5;  // cli/render.cpp's --percentile
  e["radius"] = match.radius_nm;
  e["axial_radius"] = match.axial_radius_nm;
  py::dict all;
  all["camera"] = c;
  all["simulate"] = s;
  all["localize"] = l;
  all["render"] = r;
  all["evaluate"] = e;
  return all;
}

}  // namespace
}  // namespace smlm::python

PYBIND11_MODULE(_smlm, m) {
  using namespace smlm::python;
  namespace kernels = smlm::kernels;
  m.doc() = "smlm's C++ engine; use the smlm package, not this module.";
  g_error = PyErr_NewExceptionWithDoc(
      "smlm.Error",
      "An error of the smlm engine: bad arguments, a missing or damaged file, impossible "
      "settings. Its message is the one line the smlm command prints.",
      PyExc_RuntimeError, nullptr);
  if (!g_error) throw py::error_already_set();
  m.add_object("Error", py::handle(g_error));
  // Every C++ exception but pybind11's own and out-of-memory becomes smlm.Error with its
  // message: the CLI prints any std::exception the same way.
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::error_already_set&) {
      throw;
    } catch (const py::builtin_exception&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      PyErr_SetString(g_error, e.what());
    }
  });

  m.attr("__version__") = SMLM_VERSION;
  m.def("defaults", &defaults);
  m.def("cuda_compiled", &kernels::cuda_compiled);
  m.def("cuda_device_count", &kernels::cuda_device_count);
  bind_tables(m);
  bind_movies(m);
  bind_simulate(m);
  bind_localize(m);
  bind_render(m);
  bind_evaluate(m);
}
