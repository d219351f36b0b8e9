// smlm.render: `smlm render` (cli/render.cpp) returning the image instead of writing it — float32
// [height, width] densities (what its TIFF output holds), or with color="z" the depth-coloured
// RGB image, uint8 [height, width, 3] (its PNG without the colour bar).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.h"
#include "python/src/bindings.h"
#include "reconstruction/render.h"

namespace smlm::python {

void bind_render(py::module_& m) {
  m.def(
      "render",
      [](const py::object& locs, double pixel_size, const std::string& method, int ash_shifts,
         double min_sigma, double sigma, double camera_pixel_size, double x0, double y0,
         double width, double height, const std::string& color,
         std::optional<std::pair<double, double>> z_range, const std::string& view,
         double percentile) -> py::array {
        reconstruction::RenderSettings s;
        s.pixel_size_nm = pixel_size;
        s.ash_shifts = ash_shifts;
        s.min_sigma_nm = min_sigma;
        s.fixed_sigma_nm = sigma;
        s.x0_nm = x0;
        s.y0_nm = y0;
        s.width_nm = width;
        s.height_nm = height;
        if (method == "histogram") {
          s.method = reconstruction::RenderMethod::histogram;
        } else if (method == "gaussian") {
          s.method = reconstruction::RenderMethod::gaussian;
        } else if (method == "ash") {
          s.method = reconstruction::RenderMethod::ash;
        } else {
          throw Error("method: '" + method + "' is not histogram, gaussian or ash");
        }
        SMLM_CHECK(percentile > 0 && percentile <= 100,
                   "percentile: " << percentile << " not in (0, 100]");
        SMLM_CHECK(color == "none" || color == "z", "color: '" << color << "' is not none or z");
        SMLM_CHECK(view == "xy" || view == "xz" || view == "yz",
                   "view: '" << view << "' is not xy, xz or yz");
        if (z_range) {
          const auto [lo, hi] = *z_range;
          SMLM_CHECK(std::isfinite(lo) && std::isfinite(hi) && hi > lo,
                     "z_range: (" << lo << ", " << hi << ") is not an increasing pair of numbers");
        }
        LocalizationTable table = table_arg(locs, "locs", camera_pixel_size);

        if (view != "xy" || color == "z")
          SMLM_CHECK(table.has(col::z),
                     "locs: view='" << view << "' and color='z' need a z column");
        if (color == "z") {
          reconstruction::RgbImage rgb;
          {
            py::gil_scoped_release release;
            if (view != "xy") reconstruction::side_view(table, view == "xz" ? col::x : col::y, s);
            double z_lo, z_hi;
            if (z_range) {
              std::tie(z_lo, z_hi) = *z_range;
            } else {
              reconstruction::percentile_range(table[col::z], z_lo, z_hi);
            }
            rgb = reconstruction::render_z_colored(table, s, z_lo, z_hi, percentile);
          }
          py::array_t<uint8_t> out({static_cast<py::ssize_t>(rgb.height),
                                    static_cast<py::ssize_t>(rgb.width), py::ssize_t{3}});
          std::copy(rgb.rgb.begin(), rgb.rgb.end(), out.mutable_data());
          return out;
        }
        ImageF image;
        {
          py::gil_scoped_release release;
          if (view != "xy") reconstruction::side_view(table, view == "xz" ? col::x : col::y, s);
          image = reconstruction::render(table, s);
        }
        const py::ssize_t h = image.height(), w = image.width();
        return to_array(std::move(image.vec())).reshape({h, w});
      },
      py::arg("locs"), py::arg("pixel_size"), py::arg("method"), py::arg("ash_shifts"),
      py::arg("min_sigma"), py::arg("sigma"), py::arg("camera_pixel_size"), py::arg("x0"),
      py::arg("y0"), py::arg("width"), py::arg("height"), py::arg("color"), py::arg("z_range"),
      py::arg("view"), py::arg("percentile"));
}

}  // namespace smlm::python
