// `smlm localize`: streams a TIFF movie in batches of frames through detection and Poisson MLE
// fitting (2D Gaussian, or 3D with a PSF calibration), and writes the localizations as a
// ThunderSTORM CSV.
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/table_file.h"
#include "io/thunderstorm_csv.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "localization/lm_models.h"
#include "localization/localizer.h"
#include "localization/nets/bgnet/bgnet_background.h"
#include "localization/nets/registry.h"
#include "localization/stream.h"
#include "psf/calibration.h"

namespace smlm::cli {

namespace {

// --batch bounds: frames, and the bytes of the batches the pipeline holds at once (about four:
// two read ahead, the one fitted, the one written), checked before any frame is read.
constexpr int kMaxBatch = 4096;
constexpr double kMaxBatchBytes = 16.0 * (1 << 30);

void check_batch_memory(int batch, const io::TiffMovieReader& reader) {
  const double bytes = 4.0 * batch * reader.width() * reader.height() * 4;
  SMLM_CHECK(bytes <= kMaxBatchBytes,
             "--batch: " << batch << " frames of " << reader.width() << " x " << reader.height()
                         << " px need about " << std::ceil(bytes / (1 << 30))
                         << " GB in flight, more than " << kMaxBatchBytes / (1 << 30)
                         << " GB: lower --batch");
}

}  // namespace

int run_localize(int argc, char** argv) {
  CameraModel camera;
  localization::LocalizeSettings s;
  std::string movie, out, fitter = "lm", device = "cpu", psf_path, psf_model;
  std::string method = "mle", model_path, refine = "none";
  std::string background_model, background_map, background_use = "likelihood";
  double psf_sigma_nm = 130, probability = 0, duplicate_nm = 0;
  int roi = 2 * s.fit.roi_radius + 1, batch = 64, threads = 0;
  CameraMapsOptions maps;
  bool multi_emitter = false, single_emitter = false;
  ArgParser p("smlm localize MOVIE.tif -o LOCS.csv [options]",
              "Finds molecules in every frame (B-spline wavelet filter, local maxima above a "
              "threshold relative to the noise) and fits each with a pixel-integrated Gaussian by "
              "Poisson maximum likelihood (batched Levenberg-Marquardt on CPU threads or a CUDA "
              "GPU, or Ceres). Writes x, y, sigma, photons, background and "
              "the Cramer-Rao uncertainty of each localization as ThunderSTORM CSV (nm, photons; "
              "frames from 1). With --psf (a calibration from `smlm calibrate`) it fits in 3D "
              "with the astigmatic Gaussian or the cubic spline and writes z and uncertainty_z "
              "too. With --camera-maps (sCMOS) each pixel has its own offset, gain and read noise, "
              "in the conversion and in the likelihood (Huang et al. 2013).");
  p.positional("MOVIE.tif", &movie, "input movie: multi-page TIFF, BigTIFF or OME-TIFF");
  p.add("-o", &out, "output localizations (.csv streamed; .hdf5, .ply, .smlm)", "FILE");
  add_camera_options(p, camera, /*with_read_noise=*/false);
  add_camera_maps_options(p, maps);
  p.section("detection and fitting");
  p.add("--threshold", &s.detection.threshold,
        "detection threshold, in units of std(first wavelet level)");
  p.add("--nms-radius", &s.detection.nms_radius,
        "a candidate is the brightest filtered pixel within this many pixels; 0: automatic, 1 in "
        "2D (8-connected maxima), about the PSF's half-width at its widest z in 3D");
  p.add("--duplicate-distance", &duplicate_nm,
        "fits of one frame closer than this [nm] are one molecule, reported once (two "
        "candidates in one spot); default: 3D the PSF's sigma, 2D 0 (keep all)");
  p.add("--roi", &roi,
        "fitting ROI side in pixels (odd); default: the smallest holding 95% of the PSF's "
        "photons at its widest z (7 for a 2D sigma of 1.3 px)");
  p.add("--psf-sigma", &psf_sigma_nm, "initial PSF sigma [nm]");
  p.add_flag("--fixed-sigma", &s.fit.fixed_sigma, "keep sigma fixed at --psf-sigma");
  p.add("--max-iterations", &s.fit.max_iterations, "fitter iterations at most");
  p.add("--psf", &psf_path,
        "3D: PSF calibration (HDF5 from `smlm calibrate`); for a 3D net's --refine mle, instead "
        "of the PSF it was trained on",
        "FILE");
  p.add("--psf-model", &psf_model,
        "3D model: astigmatic or spline (default: the calibration's primary model)", "NAME");
  p.add("--fitter", &fitter,
        "lm (batched Levenberg-Marquardt, ROI up to 15 px, CPU or GPU) or ceres (CPU only, ROI "
        "up to 63 px)",
        "NAME");
  p.add("--device", &device, "where the lm fits run: cpu, cuda or cuda:N", "DEVICE");
  p.add_flag("--multi-emitter", &multi_emitter,
             "fit 1..N overlapping emitters per ROI (ThunderSTORM's MFA: lm or ceres in 2D, lm "
             "in 3D; the number chosen by a likelihood-ratio test); the default");
  p.add_flag("--single-emitter", &single_emitter,
             "fit one emitter per candidate only (ThunderSTORM's default; faster on crowded "
             "movies, less accurate there)");
  p.add("--max-emitters", &s.max_emitters,
        "multi-emitter: emitters per ROI at most: 1..5 in 2D, 1..4 in 3D (x, y, N, z each: the "
        "fitter holds 17 parameters); 0: the most");
  p.add("--multi-p-value", &s.multi_p_value,
        "multi-emitter: p-value of the likelihood-ratio test that accepts one more emitter");
  p.add("--min-p-value", &s.min_p_value,
        "drop fits whose goodness-of-fit p_value (column) is below this (e.g. 1e-6: overlaps "
        "fitted as one spot)");
  p.add("--background-model", &background_model,
        "a BGNet model (`smlm train bgnet`): the background under each ROI predicted pixel by "
        "pixel and handed to the fit (--background-use); for backgrounds with structure",
        "FILE");
  p.add("--background-map", &background_map,
        "a known background [photons/px] of the frames' size (a TIFF, e.g. simulate's "
        "TRUTH.background.tif), used as --background-model's prediction is",
        "FILE");
  p.add("--background-use", &background_use,
        "likelihood (the map a known per-pixel offset of the Poisson model, a constant still "
        "fitted on top; the default) or subtract (the map subtracted, then the flat model)",
        "HOW");
  p.section("deep learning");
  p.add("--method", &method,
        "mle (detection + fitting), deepstorm or decode (nets from `smlm train`); with "
        "--model, the model file's own kind unless given",
        "NAME");
  p.add("--model", &model_path, "a net's trained model (HDF5 from `smlm train`)", "FILE");
  p.add("--refine", &refine,
        "nets: none, or mle (the net's positions, and z in 3D, start LM fits of its PSF, with "
        "--camera-maps per pixel; the MLE table's columns)",
        "NAME");
  p.add("--probability", &probability,
        "decode: the integrated detection probability a molecule needs (default 0.5)");
  p.section("run");
  p.add("--batch", &batch, "frames read and fitted together");
  p.add("--threads", &threads, "CPU threads (0 = all cores)");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o LOCS.csv (see --help)");
  SMLM_CHECK(roi >= 3 && roi % 2 == 1, "--roi: " << roi << " must be an odd number >= 3");
  SMLM_CHECK(psf_sigma_nm > 0, "--psf-sigma: " << psf_sigma_nm << " must be positive");
  SMLM_CHECK(batch >= 1 && batch <= kMaxBatch,
             "--batch: " << batch << " must be between 1 and " << kMaxBatch << " frames");
  camera.validate();
  s.fit.roi_radius = roi / 2;
  s.fit.initial_sigma_px = psf_sigma_nm / camera.pixel_size_nm;
  s.fit.fitter = localization::parse_fitter(fitter);
  s.fit.device = kernels::parse_device(device);
  apply_threads_option(threads);
  check_distinct_files({{"MOVIE.tif", movie},
                        {"--psf", psf_path},
                        {"--model", model_path},
                        {"--camera-maps", maps.path},
                        {"--background-model", background_model},
                        {"--background-map", background_map}},
                       {{"-o", out}});
  s.camera_maps = load_camera_maps_option(p, maps, s.camera_maps_origin);
  SMLM_CHECK(psf_model.empty() || !psf_path.empty(), "--psf-model needs --psf FILE");
  SMLM_CHECK(!(multi_emitter && single_emitter),
             "--multi-emitter and --single-emitter exclude each other");
  s.multi_emitter = !single_emitter;
  SMLM_CHECK(s.multi_emitter || !(p.given("--max-emitters") || p.given("--multi-p-value")),
             "--max-emitters and --multi-p-value are multi-emitter options: not with "
             "--single-emitter");
  SMLM_CHECK(s.max_emitters >= 0 && s.max_emitters <= localization::kLmMaxEmitters,
             "--max-emitters: " << s.max_emitters << " must be between 1 and "
                                << localization::kLmMaxEmitters << " (4 in 3D)");
  SMLM_CHECK(s.multi_p_value > 0 && s.multi_p_value < 1,
             "--multi-p-value: " << s.multi_p_value << " must be in (0, 1)");
  SMLM_CHECK(s.min_p_value >= 0 && s.min_p_value < 1,
             "--min-p-value: " << s.min_p_value << " must be in [0, 1)");
  if (!psf_path.empty()) {
    auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(psf_path));
    s.psf = localization::parse_psf_model(psf_model.empty() ? cal->model : psf_model);
    SMLM_CHECK(s.is_3d(), "--psf-model: '" << psf_model << "' is not astigmatic or spline");
    SMLM_CHECK(s.psf != localization::PsfModel::astigmatic || cal->has_astigmatic,
               psf_path << " holds no astigmatic model (try --psf-model spline)");
    SMLM_CHECK(s.psf != localization::PsfModel::spline || !cal->spline.empty(),
               psf_path << " holds no spline model (try --psf-model astigmatic)");
    s.calibration = cal;
  }
  SMLM_CHECK(!s.is_3d() || s.max_emitters <= localization::lm_max_emitters(4),
             "--max-emitters: " << s.max_emitters << " must be between 1 and "
                                << localization::lm_max_emitters(4)
                                << " with a 3D model (x, y, N, z per emitter: the fitter holds "
                                << localization::kLmMaxParams << " parameters)");
  // The ROI follows the PSF unless given: a defocused 3D PSF spills out of 7 px.
  if (!p.given("--roi")) {
    roi = localization::default_roi_side(s);
    s.fit.roi_radius = roi / 2;
  }
  // Multi-emitter fitting is the default where it can run: ROIs up to the LM's 15 px (Ceres with a
  // larger --roi fits single emitters unless --multi-emitter asks, which is then an error).
  if (!multi_emitter && !single_emitter)
    s.multi_emitter = 2 * s.fit.roi_radius + 1 <= localization::LmIntegratedGaussian::kMaxSide;
  if (p.given("--duplicate-distance"))
    s.duplicate_distance_px = duplicate_nm / camera.pixel_size_nm;
  SMLM_CHECK(background_model.empty() || background_map.empty(),
             "--background-model and --background-map exclude each other");
  SMLM_CHECK(background_use == "likelihood" || background_use == "subtract",
             "--background-use: '" << background_use << "' is not likelihood or subtract");
  if (!background_model.empty() || !background_map.empty()) {
    SMLM_CHECK(model_path.empty() && method == "mle",
               (background_model.empty() ? "--background-map" : "--background-model")
                   << " applies to the fits of --method mle");
    if (!background_model.empty())
      s.roi_background = std::make_shared<localization::nets::bgnet::BgNetBackground>(
          background_model, s.fit.device);
    else
      s.roi_background = std::make_shared<localization::MapBackground>(
          io::read_tiff_image(background_map), camera.qe);
    s.background_use = background_use == "subtract" ? localization::BackgroundUse::subtract
                                                    : localization::BackgroundUse::likelihood;
  } else {
    SMLM_CHECK(!p.given("--background-use"),
               "--background-use needs --background-model or --background-map");
  }

  // One path for every method (localization::FrameLocalizer): reading, localizing and writing
  // overlap (localization::run_stream): a reader thread keeps two batches ahead, the sink writes
  // each batch's rows as they come. A CSV is streamed to disk, so memory stays bounded by a few
  // batches of frames and rows; the other table formats are written whole at the end.
  localization::nets::MethodOptions mo;
  mo.method = p.given("--method") || model_path.empty() ? method : "";
  mo.model_path = model_path;
  mo.refine = refine;
  mo.roi_given = p.given("--roi");
  if (p.given("--psf-sigma")) mo.psf_sigma_nm = psf_sigma_nm;
  SMLM_CHECK(!p.given("--probability") || (probability > 0 && probability <= 2),
             "--probability: " << probability << " must be in (0, 2]");
  mo.probability = probability;
  // A net trained for a camera converts with that camera unless the user names another.
  mo.model_camera = true;
  for (const char* o : {"--pixel-size", "--photons-per-adu", "--baseline", "--em-gain", "--qe"})
    if (p.given(o)) mo.model_camera = false;
  mo.classic = s;
  AtomicFileGroup outputs;  // a Picasso table and its sidecar: both or neither
  io::TiffMovieReader reader(movie);
  check_batch_memory(batch, reader);
  localization::ReaderSource<io::TiffMovieReader> source(reader);
  const std::unique_ptr<localization::FrameLocalizer> localizer =
      localization::nets::make_localizer(camera, mo);
  const bool stream_csv = io::table_format(out) == io::TableFormat::thunderstorm_csv;
  std::optional<io::ThunderstormCsvWriter> csv;
  LocalizationTable table = localizer->empty_table();
  Progress progress("localize", "frames", reader.num_frames());
  localization::StreamSettings ss;
  ss.batch_frames = batch;
  const localization::StreamStats st = localization::run_stream(
      source, *localizer, ss,
      [&](LocalizationTable&& t) {
        if (!stream_csv) return table.append(t);
        if (!csv) csv.emplace(out, t);
        csv->write(t);
      },
      [&](int64_t done) { progress.update(done); });
  const double seconds = progress.finish();
  if (stream_csv) {
    if (!csv) csv.emplace(out, table);  // no frames: the header alone
    csv->close();
  } else {
    io::write_table(out, table,
                    {camera.pixel_size_nm, reader.width(), reader.height(), reader.num_frames()});
  }
  outputs.commit();
  std::fprintf(stderr, "localized %s in %.2f s, %.0f frames/s\n", localizer->summary().c_str(),
               seconds, seconds > 0 ? st.frames / seconds : 0.0);
  return 0;
}

}  // namespace smlm::cli
