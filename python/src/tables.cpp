// Localization tables between C++ and Python (the dict form of bindings.h), and the table files:
// read_table and write_table, in every format io/table_file.h knows.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "io/table_file.h"
#include "kernels/parallel_for.h"
#include "python/src/bindings.h"

namespace smlm::python {

namespace {

constexpr std::string_view kNm = "_nm";

bool ends_with_nm(const std::string& key) {
  return key.size() > kNm.size() && key.compare(key.size() - kNm.size(), kNm.size(), kNm) == 0;
}

}  // namespace

py::dict to_dict(LocalizationTable&& table) {
  py::dict out;
  std::vector<std::pair<std::string, std::string>> names;  // (name, unit), in table order
  for (const auto& c : table.columns()) names.emplace_back(c.name, c.unit);
  for (const auto& [name, unit] : names) {
    std::vector<double> values = std::move(table[name]);  // the table is consumed
    if (name == col::frame) {
      bool whole = true;
      for (double& f : values) {
        f += 1;
        whole = whole && std::isfinite(f) && f == std::floor(f);
      }
      if (whole) {
        out[py::str(name)] = to_array(std::vector<int64_t>(values.begin(), values.end()));
      } else {
        out[py::str(name)] = to_array(std::move(values));
      }
      continue;
    }
    const std::string key = unit == "nm" ? name + std::string(kNm) : name;
    out[py::str(key)] = to_array(std::move(values));
  }
  return out;
}

LocalizationTable to_table(const py::handle& mapping, const char* what) {
  SMLM_CHECK(py::hasattr(mapping, "items"),
             what << ": expected a dict of columns (or a file name), got "
                  << std::string(py::str(py::type::of(mapping).attr("__name__"))));
  LocalizationTable table;
  bool sized = false;
  for (const py::handle item : mapping.attr("items")()) {
    const auto pair = item.cast<py::tuple>();
    const std::string key = py::str(pair[0]);
    const auto values =
        py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(pair[1]);
    SMLM_CHECK(values && values.ndim() == 1,
               what << ": column '" << key << "' is not a 1-D array of numbers");
    const size_t n = static_cast<size_t>(values.shape(0));
    if (!sized) {
      table.resize(n);
      sized = true;
    }
    SMLM_CHECK(n == table.size(), what << ": column '" << key << "' has " << n
                                       << " values, the first column " << table.size());
    std::string name = key, unit;
    if (ends_with_nm(key)) {
      name = key.substr(0, key.size() - kNm.size());
      unit = "nm";
    } else {
      unit = default_unit(name);
      SMLM_CHECK(unit != "nm", what << ": column '" << key << "' is a length: name it '" << key
                                    << "_nm' (values in nm)");
    }
    SMLM_CHECK(!table.has(name), what << ": column '" << name << "' is given twice");
    auto& column = table.add_column(name, 0.0, unit);
    const double* v = values.data();
    const double shift = name == col::frame ? 1.0 : 0.0;  // 1-based in dicts, 0-based in tables
    for (size_t i = 0; i < n; ++i) column[i] = v[i] - shift;
  }
  return table;
}

LocalizationTable table_arg(const py::handle& arg, const char* what, double pixel_size_nm) {
  if (py::isinstance<py::str>(arg)) {
    const std::string path = arg.cast<std::string>();
    py::gil_scoped_release release;
    return io::read_table(path, {pixel_size_nm, 0, 0, 0});
  }
  return to_table(arg, what);
}

CpuThreads::CpuThreads(int threads) : previous_(kernels::cpu_threads()) {
  kernels::set_cpu_threads(threads);
}

CpuThreads::~CpuThreads() { kernels::set_cpu_threads(previous_); }

void bind_tables(py::module_& m) {
  m.def(
      "read_table",
      [](const std::string& path, double pixel_size) {
        LocalizationTable table;
        {
          py::gil_scoped_release release;
          table = io::read_table(path, {pixel_size, 0, 0, 0});
        }
        return to_dict(std::move(table));
      },
      py::arg("path"), py::arg("pixel_size"));
  m.def(
      "write_table",
      [](const std::string& path, const py::handle& table, double pixel_size, int width, int height,
         int64_t frames) {
        SMLM_CHECK(pixel_size >= 0 && width >= 0 && height >= 0 && frames >= 0,
                   "pixel_size, width, height and frames must not be negative");
        io::table_format(path);  // an unknown format fails before the table is converted
        const LocalizationTable t = to_table(table, "table");
        py::gil_scoped_release release;
        io::write_table(path, t, {pixel_size, width, height, frames});
      },
      py::arg("path"), py::arg("table"), py::arg("pixel_size"), py::arg("width"), py::arg("height"),
      py::arg("frames"));
}

}  // namespace smlm::python
