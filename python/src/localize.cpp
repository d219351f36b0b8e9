// smlm.localize: `smlm localize` (cli/localize.cpp) on a TIFF file, streamed, or on a numpy
// movie, converted batch by batch into the frames the localizer takes (never copied whole);
// the same settings, checks, defaults and method factory (localization/nets/registry.h) as the
// CLI, the table returned as a dict.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "localization/localizer.h"
#include "localization/nets/registry.h"
#include "localization/stream.h"
#include "psf/calibration.h"
#include "python/src/bindings.h"

namespace smlm::python {

namespace {

// The frames of a numpy movie, in order, read on run_stream's reader thread (no GIL needed).
class ArraySource final : public localization::FrameSource {
 public:
  explicit ArraySource(const MovieView& movie) : movie_(movie) {}
  int next(int n, std::vector<ImageF>& frames) override {
    const int count = static_cast<int>(std::min<int64_t>(n, movie_.frames - index_));
    frames.resize(count);
    for (int k = 0; k < count; ++k) read_frame(movie_, index_++, frames[k]);
    return count;
  }
  int64_t num_frames() const override { return movie_.frames; }

 private:
  MovieView movie_;
  int64_t index_ = 0;
};

// A TIFF movie, opened when localization starts (so that a missing file fails as the CLI's).
struct FileSource {
  explicit FileSource(const std::string& path) : reader(path), source(reader) {}
  io::TiffMovieReader reader;
  localization::ReaderSource<io::TiffMovieReader> source;
};

// The CLI's --batch bounds (cli/localize.cpp): frames, and the bytes of the batches in flight
// (about four: two read ahead, the one fitted, the one handed on).
constexpr int kMaxBatch = 4096;
constexpr double kMaxBatchBytes = 16.0 * (1 << 30);

void check_batch_memory(int batch, int width, int height) {
  const double bytes = 4.0 * batch * width * height * 4;
  SMLM_CHECK(bytes <= kMaxBatchBytes,
             "batch: " << batch << " frames of " << width << " x " << height << " px need about "
                       << std::ceil(bytes / (1 << 30)) << " GB in flight, more than "
                       << kMaxBatchBytes / (1 << 30) << " GB: lower batch");
}

}  // namespace

void bind_localize(py::module_& m) {
  m.def(
      "localize",
      [](const py::object& movie, double pixel_size, double photons_per_adu, double baseline,
         double em_gain, double qe, double threshold, std::optional<int> roi_side,
         std::optional<double> psf_sigma, bool fixed_sigma, int max_iterations,
         const std::string& psf_path, const std::string& psf_model, const std::string& fitter,
         const std::string& device, std::optional<std::string> method,
         const std::string& model_path, const std::string& refine, int batch, int threads) {
        CameraModel camera;
        camera.pixel_size_nm = pixel_size;
        camera.photons_per_adu = photons_per_adu;
        camera.baseline_adu = baseline;
        camera.em_gain = em_gain;
        camera.qe = qe;
        localization::LocalizeSettings s;
        s.detection.threshold = threshold;
        s.fit.fixed_sigma = fixed_sigma;
        s.fit.max_iterations = max_iterations;
        const double psf_sigma_nm = psf_sigma.value_or(130);  // the CLI's --psf-sigma default
        const int roi = roi_side.value_or(2 * s.fit.roi_radius + 1);

        // The CLI's checks, in its order, with the Python argument names.
        SMLM_CHECK(roi >= 3 && roi % 2 == 1, "roi: " << roi << " must be an odd number >= 3");
        SMLM_CHECK(psf_sigma_nm > 0, "psf_sigma: " << psf_sigma_nm << " must be positive");
        SMLM_CHECK(batch >= 1 && batch <= kMaxBatch,
                   "batch: " << batch << " must be between 1 and " << kMaxBatch << " frames");
        camera.validate();
        s.fit.roi_radius = roi / 2;
        s.fit.initial_sigma_px = psf_sigma_nm / camera.pixel_size_nm;
        s.fit.fitter = localization::parse_fitter(fitter);
        s.fit.device = kernels::parse_device(device);
        const int max_threads = kernels::max_cpu_threads();
        SMLM_CHECK(threads >= 0 && threads <= max_threads,
                   "threads: " << threads << " is not between 0 (all cores) and " << max_threads
                               << " (" << kernels::kMaxThreadsPerCore << " x the "
                               << max_threads / kernels::kMaxThreadsPerCore
                               << " hardware threads)");
        SMLM_CHECK(psf_model.empty() || !psf_path.empty(), "psf_model needs psf=FILE");

        std::optional<MovieView> view;
        std::string path;
        py::array pixels;  // keeps the movie's memory alive while frames are read from it
        if (py::isinstance<py::str>(movie)) {
          path = movie.cast<std::string>();
        } else {
          pixels = py::array::ensure(movie);
          SMLM_CHECK(pixels, "movie: expected a file name or an array of pixels");
          view = movie_view(pixels, "movie");
        }

        LocalizationTable table;
        {
          py::gil_scoped_release release;
          CpuThreads cpu(threads);
          if (!psf_path.empty()) {
            auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(psf_path));
            s.psf = localization::parse_psf_model(psf_model.empty() ? cal->model : psf_model);
            SMLM_CHECK(s.is_3d(), "psf_model: '" << psf_model << "' is not astigmatic or spline");
            SMLM_CHECK(s.psf != localization::PsfModel::astigmatic || cal->has_astigmatic,
                       psf_path << " holds no astigmatic model (try psf_model='spline')");
            SMLM_CHECK(s.psf != localization::PsfModel::spline || !cal->spline.empty(),
                       psf_path << " holds no spline model (try psf_model='astigmatic')");
            s.calibration = cal;
          }
          // The ROI follows the PSF unless given: a defocused 3D PSF spills out of 7 px.
          if (!roi_side) s.fit.roi_radius = localization::default_roi_side(s) / 2;
          // One path for every method, as the CLI's: the classic pipeline or a net, by name or
          // by the model file's own kind when a model is given without a method.
          localization::nets::MethodOptions mo;
          mo.method = method ? *method : model_path.empty() ? "mle" : "";
          mo.model_path = model_path;
          mo.refine = refine;
          mo.roi_given = roi_side.has_value();
          if (psf_sigma) mo.psf_sigma_nm = *psf_sigma;
          mo.classic = s;
          std::unique_ptr<FileSource> file;
          std::unique_ptr<ArraySource> array;
          localization::FrameSource* source;
          if (view) {
            check_batch_memory(batch, view->width, view->height);
            array = std::make_unique<ArraySource>(*view);
            source = array.get();
          } else {
            file = std::make_unique<FileSource>(path);
            check_batch_memory(batch, file->reader.width(), file->reader.height());
            source = &file->source;
          }
          const std::unique_ptr<localization::FrameLocalizer> localizer =
              localization::nets::make_localizer(camera, mo);
          table = localizer->empty_table();  // its columns, for a movie without molecules
          localization::StreamSettings ss;
          ss.batch_frames = batch;
          localization::run_stream(*source, *localizer, ss,
                                   [&](LocalizationTable&& t) { table.append(t); });
        }
        return to_dict(std::move(table));
      },
      py::arg("movie"), py::arg("pixel_size"), py::arg("photons_per_adu"), py::arg("baseline"),
      py::arg("em_gain"), py::arg("qe"), py::arg("threshold"), py::arg("roi"), py::arg("psf_sigma"),
      py::arg("fixed_sigma"), py::arg("max_iterations"), py::arg("psf"), py::arg("psf_model"),
      py::arg("fitter"), py::arg("device"), py::arg("method"), py::arg("model"), py::arg("refine"),
      py::arg("batch"), py::arg("threads"));
}

}  // namespace smlm::python
