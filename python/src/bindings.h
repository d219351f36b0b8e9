// The pieces of the `smlm._smlm` extension: each source file binds one group of functions, and
// this header holds what they share — the dict form of a LocalizationTable, array conversions,
// and the guard that sets the CPU thread count for one call.
//
// Conventions of every binding: arguments are converted and checked with the GIL held, the C++
// work runs with it released (py::gil_scoped_release), and the results are turned into Python
// objects with it held again. smlm::Error (and any other C++ exception) reaches Python as
// smlm.Error, with the same one-line message the CLI prints.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/localization_table.h"

namespace smlm::python {

namespace py = pybind11;

// The dict form of a table: one 1-D numpy array per column, keyed by the column's name, plus
// "_nm" when its unit is nm ("x_nm", "uncertainty_xy_nm"); columns in photons or without a unit
// keep their plain name ("intensity", "loglikelihood"). Frames are counted from 1, as in the
// CSV files (int64 when every frame is a whole number, float64 otherwise); every other column is
// float64. Columns keep the table's order; the arrays own moved-out copies of the columns.
py::dict to_dict(LocalizationTable&& table);

// The reverse: any mapping of column keys to 1-D array-likes of one length (converted to
// float64). "NAME_nm" becomes column NAME in nm; a plain key becomes a column with its default
// unit (photon for intensity, offset, bkgstd; none for unknown columns, which are kept). A
// known length column without "_nm" ("x") is an error: its unit would be ambiguous. `what`
// names the argument in messages ("locs", "truth").
LocalizationTable to_table(const py::handle& mapping, const char* what);

// A table argument: a path (str; read with io::read_table, `pixel_size_nm` for Picasso files
// without a sidecar) or the dict form.
LocalizationTable table_arg(const py::handle& arg, const char* what, double pixel_size_nm = 0);

// A 1-D array that owns the vector's storage (no copy).
template <class T>
py::array_t<T> to_array(std::vector<T>&& values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), owner);
}

// A movie held by a numpy array, [frames, height, width] (a 2-D array is one frame) of any
// integer type or float32/float64, native byte order, any strides: its memory, described so
// that frames can be read without the GIL. The array must stay alive (and unchanged) meanwhile.
struct MovieView {
  enum class Type { u8, u16, u32, u64, i8, i16, i32, i64, f32, f64 };
  Type type = Type::u16;
  const char* data = nullptr;
  int64_t frames = 0;
  int height = 0, width = 0;
  py::ssize_t strides[3] = {0, 0, 0};  // bytes, per frame, row, column
};
// Throws smlm::Error "<what>: ..." for any other array, or one without pixels.
MovieView movie_view(const py::array& array, const char* what);
// Frame i (0-based) as floats (raw ADU), out resized to width × height when needed. Touches no
// Python object: safe with the GIL released.
void read_frame(const MovieView& movie, int64_t i, ImageF& out);

// Sets kernels::set_cpu_threads(threads) for the calling thread (OpenMP's per-thread setting;
// 0 = all cores, as the CLI's --threads) and restores the previous value when it goes.
class CpuThreads {
 public:
  explicit CpuThreads(int threads);
  ~CpuThreads();
  CpuThreads(const CpuThreads&) = delete;
  CpuThreads& operator=(const CpuThreads&) = delete;

 private:
  int previous_;
};

void bind_tables(py::module_& m);    // read_table, write_table
void bind_movies(py::module_& m);    // read_movie, write_movie
void bind_simulate(py::module_& m);  // simulate
void bind_localize(py::module_& m);  // localize
void bind_render(py::module_& m);    // render
void bind_evaluate(py::module_& m);  // evaluate, match

}  // namespace smlm::python
