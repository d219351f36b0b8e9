// smlm.evaluate and smlm.match: `smlm evaluate` (cli/evaluate.cpp) — its JSON, which the Python
// side parses, so that the keys and values are the CLI's by construction — and the optimal
// assignment behind it, as row indices.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "python/src/bindings.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"

namespace smlm::python {

namespace {

reconstruction::MatchSettings match_settings(double radius, double axial_radius,
                                             bool lateral_only) {
  reconstruction::MatchSettings s;
  s.radius_nm = radius;
  s.axial_radius_nm = axial_radius;
  SMLM_CHECK(s.radius_nm > 0, "radius: " << s.radius_nm << " must be positive");
  SMLM_CHECK(s.axial_radius_nm > 0, "axial_radius: " << s.axial_radius_nm << " must be positive");
  s.use_z = !lateral_only;
  return s;
}

}  // namespace

void bind_evaluate(py::module_& m) {
  m.def(
      "evaluate_json",
      [](const py::object& locs, const py::object& truth, double radius, double axial_radius,
         bool lateral_only) {
        const auto s = match_settings(radius, axial_radius, lateral_only);
        const LocalizationTable l = table_arg(locs, "locs");
        const LocalizationTable t = table_arg(truth, "truth");
        py::gil_scoped_release release;
        return reconstruction::evaluate(l, t, s).to_json();
      },
      py::arg("locs"), py::arg("truth"), py::arg("radius"), py::arg("axial_radius"),
      py::arg("lateral_only"));
  m.def(
      "match",
      [](const py::object& locs, const py::object& truth, double radius, double axial_radius,
         bool lateral_only) {
        const auto s = match_settings(radius, axial_radius, lateral_only);
        const LocalizationTable l = table_arg(locs, "locs");
        const LocalizationTable t = table_arg(truth, "truth");
        std::vector<int64_t> li, ti;
        {
          py::gil_scoped_release release;
          const auto matches = reconstruction::match(l, t, s);
          li.reserve(matches.size());
          ti.reserve(matches.size());
          for (const auto& p : matches) {
            li.push_back(p.loc);
            ti.push_back(p.truth);
          }
        }
        return py::make_tuple(to_array(std::move(li)), to_array(std::move(ti)));
      },
      py::arg("locs"), py::arg("truth"), py::arg("radius"), py::arg("axial_radius"),
      py::arg("lateral_only"));
}

}  // namespace smlm::python
