// Movies between numpy and the engine: MovieView (frames read from an array of any real type
// without the GIL), and TIFF movies as arrays [frames, height, width] — read_movie (the whole
// movie, in the file's sample type) and write_movie.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/tiff_movie.h"
#include "python/src/bindings.h"

namespace smlm::python {

namespace {

template <class T>
void copy_frame(const MovieView& v, int64_t i, ImageF& out) {
  const char* frame = v.data + i * v.strides[0];
  for (int y = 0; y < v.height; ++y) {
    const char* row = frame + y * v.strides[1];
    float* dst = out.data() + static_cast<size_t>(y) * v.width;
    for (int x = 0; x < v.width; ++x)
      dst[x] = static_cast<float>(*reinterpret_cast<const T*>(row + x * v.strides[2]));
  }
}

// Reads every frame into out[frames, h, w] of T (the reader's floats hold the stored values,
// which T represents exactly for the types read_movie picks).
template <class T>
py::array read_frames(io::TiffMovieReader& reader) {
  const int w = reader.width(), h = reader.height();
  const int64_t n = reader.num_frames();
  py::array_t<T> out(
      {static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w)});
  T* dst = out.mutable_data();
  py::gil_scoped_release release;
  ImageF frame;
  const size_t pixels = static_cast<size_t>(w) * h;
  for (int64_t i = 0; i < n && reader.read(frame); ++i) {
    const float* src = frame.data();
    for (size_t p = 0; p < pixels; ++p) dst[i * pixels + p] = static_cast<T>(src[p]);
  }
  return out;
}

std::string dtype_name(const py::array& a) { return a.dtype().attr("name").cast<std::string>(); }

}  // namespace

MovieView movie_view(const py::array& a, const char* what) {
  SMLM_CHECK(a.ndim() == 2 || a.ndim() == 3,
             what << ": expected an array [frames, height, width] or one frame [height, width], "
                     "got "
                  << a.ndim() << " dimensions");
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  using T = MovieView::Type;
  struct Known {
    char kind;
    py::ssize_t size;
    T type;
  };
  static constexpr Known kKnown[] = {
      {'u', 1, T::u8},  {'u', 2, T::u16}, {'u', 4, T::u32}, {'u', 8, T::u64}, {'i', 1, T::i8},
      {'i', 2, T::i16}, {'i', 4, T::i32}, {'i', 8, T::i64}, {'f', 4, T::f32}, {'f', 8, T::f64}};
  const Known* known = nullptr;
  for (const Known& k : kKnown)
    if (k.kind == kind && k.size == size) known = &k;
  if (!known)
    throw Error(std::string(what) + ": pixels must be integers or float32/float64 (ADU), not " +
                dtype_name(a));
  MovieView v;
  v.type = known->type;
  const bool one_frame = a.ndim() == 2;
  const py::ssize_t d = one_frame ? 1 : 0;
  v.data = static_cast<const char*>(a.data());
  v.frames = one_frame ? 1 : a.shape(0);
  v.height = static_cast<int>(a.shape(1 - d));
  v.width = static_cast<int>(a.shape(2 - d));
  v.strides[0] = one_frame ? 0 : a.strides(0);
  v.strides[1] = a.strides(1 - d);
  v.strides[2] = a.strides(2 - d);
  SMLM_CHECK(
      a.shape(1 - d) == v.height && a.shape(2 - d) == v.width,
      what << ": frames of " << a.shape(2 - d) << "x" << a.shape(1 - d) << " pixels are too large");
  SMLM_CHECK(v.width >= 1 && v.height >= 1,
             what << ": frames of " << v.width << "x" << v.height << " pixels are empty");
  return v;
}

void read_frame(const MovieView& v, int64_t i, ImageF& out) {
  if (out.width() != v.width || out.height() != v.height) out = ImageF(v.width, v.height);
  using T = MovieView::Type;
  switch (v.type) {
    case T::u8:
      return copy_frame<uint8_t>(v, i, out);
    case T::u16:
      return copy_frame<uint16_t>(v, i, out);
    case T::u32:
      return copy_frame<uint32_t>(v, i, out);
    case T::u64:
      return copy_frame<uint64_t>(v, i, out);
    case T::i8:
      return copy_frame<int8_t>(v, i, out);
    case T::i16:
      return copy_frame<int16_t>(v, i, out);
    case T::i32:
      return copy_frame<int32_t>(v, i, out);
    case T::i64:
      return copy_frame<int64_t>(v, i, out);
    case T::f32:
      return copy_frame<float>(v, i, out);
    case T::f64:
      return copy_frame<double>(v, i, out);
  }
}

void bind_movies(py::module_& m) {
  m.def(
      "read_movie",
      [](const std::string& path) -> py::array {
        io::TiffMovieReader reader = [&] {
          py::gil_scoped_release release;
          return io::TiffMovieReader(path);
        }();
        const io::MovieInfo& info = reader.info();
        switch (info.type) {
          case io::PixelType::u8:
            return info.is_signed ? read_frames<int8_t>(reader) : read_frames<uint8_t>(reader);
          case io::PixelType::u16:
            return info.is_signed ? read_frames<int16_t>(reader) : read_frames<uint16_t>(reader);
          case io::PixelType::u32:  // as the engine reads them: floats (exact up to 2^24)
          case io::PixelType::f32:
            break;
        }
        return read_frames<float>(reader);
      },
      py::arg("path"));
  m.def(
      "write_movie",
      [](const std::string& path, const py::array& movie, bool bigtiff) {
        const MovieView v = movie_view(movie, "movie");
        io::PixelType type;
        switch (v.type) {
          case MovieView::Type::u8:
            type = io::PixelType::u8;
            break;
          case MovieView::Type::u16:
            type = io::PixelType::u16;
            break;
          case MovieView::Type::u32:
            type = io::PixelType::u32;
            break;
          case MovieView::Type::f32:
            type = io::PixelType::f32;
            break;
          default:
            throw Error(path + ": movies are written as uint8, uint16, uint32 or float32, not " +
                        dtype_name(movie));
        }
        py::gil_scoped_release release;
        io::TiffMovieWriter writer(path, v.width, v.height, type, bigtiff, v.frames);
        ImageF frame;
        for (int64_t i = 0; i < v.frames; ++i) {
          read_frame(v, i, frame);
          writer.write(frame);
        }
        writer.close();
      },
      py::arg("path"), py::arg("movie"), py::arg("bigtiff"));
}

}  // namespace smlm::python
