// smlm.simulate: what `smlm simulate` writes (cli/simulate.cpp), returned as arrays — the movie
// as uint16 [frames, height, width] (the values the TIFF holds) and the ground truth as a dict.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/error.h"
#include "kernels/device.h"
#include "python/src/bindings.h"
#include "simulation/movie_simulator.h"
#include "simulation/psf_spec.h"

namespace smlm::python {

namespace {

// What the TIFF writer stores for a u16 movie: rounded to nearest, clamped, NaN as 0.
uint16_t to_u16(float v) {
  if (std::isnan(v)) return 0;
  return static_cast<uint16_t>(std::clamp(std::round(v), 0.0f, 65535.0f));
}

}  // namespace

void bind_simulate(py::module_& m) {
  m.def(
      "simulate",
      [](int64_t frames, int width, int height, const std::string& structure, double density,
         double photons, const std::string& photon_dist, double background, double psf_sigma,
         const std::string& psf, std::pair<double, double> z_range, double k_on, double k_off,
         double k_bleach, double pixel_size, double photons_per_adu, double baseline,
         double em_gain, double qe, double read_noise, uint64_t seed, const std::string& device) {
        simulation::SimulationSettings s;
        s.frames = frames;
        SMLM_CHECK(width > 0 && height > 0, "size: ("
                                                << width << ", " << height
                                                << ") must be positive, e.g. 64 or (128, 64)");
        s.width = width;
        s.height = height;
        if (structure == "uniform") {
          s.structure = simulation::Structure::uniform;
        } else if (structure == "filaments") {
          s.structure = simulation::Structure::filaments;
        } else {
          throw Error("structure: '" + structure + "' is not uniform or filaments");
        }
        s.density = density;
        s.photons = photons;
        if (photon_dist == "constant") {
          s.photon_distribution = simulation::PhotonDistribution::constant;
        } else if (photon_dist == "exponential") {
          s.photon_distribution = simulation::PhotonDistribution::exponential;
        } else if (photon_dist == "lognormal") {
          s.photon_distribution = simulation::PhotonDistribution::lognormal;
        } else {
          throw Error("photon_dist: '" + photon_dist +
                      "' is not constant, exponential or lognormal");
        }
        s.background = background;
        s.psf_sigma_nm = psf_sigma;
        s.k_on = k_on;
        s.k_off = k_off;
        s.k_bleach = k_bleach;
        s.camera.pixel_size_nm = pixel_size;
        s.camera.photons_per_adu = photons_per_adu;
        s.camera.baseline_adu = baseline;
        s.camera.em_gain = em_gain;
        s.camera.qe = qe;
        s.camera.read_noise_e = read_noise;
        s.seed = seed;
        const kernels::Device dev = kernels::parse_device(device);

        std::unique_ptr<simulation::MovieSimulator> sim;
        {
          py::gil_scoped_release release;
          if (!psf.empty()) {
            const auto [lo, hi] = z_range;
            SMLM_CHECK(std::isfinite(lo) && std::isfinite(hi),
                       "z_range: (" << lo << ", " << hi << ") is not MIN, MAX (nm)");
            SMLM_CHECK(lo <= hi, "z_range: MIN " << lo << " > MAX " << hi);
            s.z_min_nm = lo;
            s.z_max_nm = hi;
            simulation::set_psf_spec(psf, s, "psf", "pixel_size");
          }
          s.validate();
          sim = std::make_unique<simulation::MovieSimulator>(s);
          sim->set_device(dev);
        }
        py::array_t<uint16_t> movie({static_cast<py::ssize_t>(s.frames),
                                     static_cast<py::ssize_t>(s.height),
                                     static_cast<py::ssize_t>(s.width)});
        uint16_t* out = movie.mutable_data();
        LocalizationTable truth;
        {
          py::gil_scoped_release release;
          const size_t pixels = static_cast<size_t>(s.width) * s.height;
          ImageF frame;
          for (int64_t i = 0; sim->next(frame, truth); ++i) {
            const float* src = frame.data();
            uint16_t* dst = out + static_cast<size_t>(i) * pixels;
            for (size_t p = 0; p < pixels; ++p) dst[p] = to_u16(src[p]);
          }
        }
        return py::make_tuple(std::move(movie), to_dict(std::move(truth)));
      },
      py::arg("frames"), py::arg("width"), py::arg("height"), py::arg("structure"),
      py::arg("density"), py::arg("photons"), py::arg("photon_dist"), py::arg("background"),
      py::arg("psf_sigma"), py::arg("psf"), py::arg("z_range"), py::arg("k_on"), py::arg("k_off"),
      py::arg("k_bleach"), py::arg("pixel_size"), py::arg("photons_per_adu"), py::arg("baseline"),
      py::arg("em_gain"), py::arg("qe"), py::arg("read_noise"), py::arg("seed"), py::arg("device"));
}

}  // namespace smlm::python
