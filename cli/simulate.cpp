// `smlm simulate`: a blinking-emitter movie as a 16-bit TIFF and its ground truth as a
// ThunderSTORM CSV, streamed frame by frame; 2D (integrated Gaussian) or 3D (astigmatic or spline
// PSF from a calibration file, or a pupil-function PSF) with emitters uniform in z, on a flat or
// structured background.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/table_file.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "simulation/background_structure.h"
#include "simulation/movie_simulator.h"
#include "simulation/psf_spec.h"
#include "simulation/scmos_maps.h"

namespace smlm::cli {
namespace {

// Where the structured background's map goes: TRUTH without its extension + ".background.tif"
// ("" without a structure).
std::string background_map_path(const std::string& truth, const std::string& structure) {
  if (structure.empty() || truth.empty()) return {};
  const size_t slash = truth.find_last_of('/'), dot = truth.find_last_of('.');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? truth.substr(0, dot) : truth) + ".background.tif";
}

}  // namespace

int run_simulate(int argc, char** argv) {
  simulation::SimulationSettings s;
  std::string out, truth_path, size = "64", structure = "uniform", dist = "constant";
  std::string device = "cpu", psf_spec, z_range = "-600,600", maps_out, bg_structure;
  CameraMapsOptions maps;
  ArgParser p("smlm simulate -o MOVIE.tif --truth TRUTH.csv [options]",
              "Simulates blinking fluorophores imaged through a pixel-integrated Gaussian PSF with "
              "Poisson shot noise and camera noise (EMCCD gain, read noise, or sCMOS per-pixel "
              "maps). Writes the movie as "
              "16-bit multi-page TIFF and the ground truth (frame, x, y, intensity per frame) as "
              "ThunderSTORM CSV.");
  p.add("-o", &out, "output movie (TIFF)", "FILE");
  p.add("--truth", &truth_path, "output ground truth (.csv, .hdf5, .ply or .smlm)", "FILE");
  p.section("sample and acquisition");
  p.add("--frames", &s.frames, "number of frames");
  p.add("--size", &size, "frame size in pixels, W or WxH", "WxH");
  p.add("--structure", &structure, "emitter layout: uniform or filaments", "NAME");
  p.add("--density", &s.density, "emitting molecules per frame per um^2");
  p.add("--photons", &s.photons, "mean photons per frame of an emitter that is on all frame");
  p.add("--photon-dist", &dist, "brightness distribution: constant, exponential, lognormal",
        "NAME");
  p.add("--background", &s.background, "background [photons/pixel/frame]");
  p.add("--background-structure", &bg_structure,
        "a background that varies over the frame (the same in every frame), added to "
        "--background: perlin:AMP:SCALE_NM[:OCTAVES[:PERSISTENCE]] (fractal Perlin noise up to "
        "AMP photons/pixel, coarsest features SCALE_NM wide, default 4 octaves, persistence 0.5; "
        "drawn from --seed) or file:PATH (a TIFF of the frame's size, photons/pixel). The whole "
        "background map is written next to the truth as TRUTH.background.tif",
        "SPEC");
  p.add("--psf-sigma", &s.psf_sigma_nm, "PSF standard deviation [nm] (2D)");
  p.add("--psf", &psf_spec,
        "3D PSF: astig:FILE or spline:FILE (a calibration from `smlm calibrate`), or pupil:KIND "
        "(astigmatism, double-helix, tetrapod; NA 1.49, 660 nm, n 1.518)",
        "SPEC");
  p.add("--z-range", &z_range, "3D: emitters uniform in z over MIN,MAX [nm]", "MIN,MAX");
  p.section("blinking kinetics (rates per frame)");
  p.add("--k-on", &s.k_on, "off -> on rate");
  p.add("--k-off", &s.k_off, "on -> off rate");
  p.add("--k-bleach", &s.k_bleach, "on -> bleached rate");
  add_camera_options(p, s.camera, /*with_read_noise=*/true);
  add_camera_maps_options(p, maps);
  p.add("--camera-maps-out", &maps_out,
        "simulate an sCMOS camera with random per-pixel maps of typical values (offset 100 +- 5 "
        "ADU, gain 0.5 ADU/e- +- 5%, read noise ~2 e- rms, 1% noisy pixels ~15 e-), drawn from "
        "--seed, and write them to FILE (.tif or .h5) for `localize --camera-maps`",
        "FILE");
  p.section("run");
  p.add("--seed", &s.seed, "random seed (same seed, same movie)");
  p.add("--device", &device, "cpu or cuda[:N]", "DEV");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o MOVIE.tif (see --help)");
  SMLM_CHECK(!truth_path.empty(), "missing --truth TRUTH.csv (see --help)");
  parse_size(size, s.width, s.height);
  {
    const size_t colon = psf_spec.find(':');
    const std::string psf_file = colon == std::string::npos || psf_spec.rfind("pupil:", 0) == 0
                                     ? std::string()
                                     : psf_spec.substr(colon + 1);
    const std::string bg_file =
        bg_structure.rfind("file:", 0) == 0 ? bg_structure.substr(5) : std::string();
    check_distinct_files(
        {{"--psf", psf_file}, {"--camera-maps", maps.path}, {"--background-structure", bg_file}},
        {{"-o", out},
         {"--truth", truth_path},
         {"--camera-maps-out", maps_out},
         {"background map", background_map_path(truth_path, bg_structure)}});
  }
  if (maps_out.empty()) {
    s.camera_maps = load_camera_maps_option(p, maps, s.camera_maps_origin);
  } else {
    SMLM_CHECK(maps.path.empty() && maps.origin.empty(),
               "--camera-maps-out draws maps of the frame's size: not with --camera-maps or "
               "--camera-maps-origin");
    for (const char* replaced : {"--baseline", "--photons-per-adu", "--read-noise", "--em-gain"})
      SMLM_CHECK(!p.given(replaced), "--camera-maps-out replaces " << replaced
                                                                   << " (sCMOS: per-pixel offset, "
                                                                      "gain and read noise)");
    s.camera_maps = std::make_shared<const CameraMaps>(
        simulation::random_scmos_maps(s.width, s.height, s.seed));
  }
  if (structure == "uniform") {
    s.structure = simulation::Structure::uniform;
  } else if (structure == "filaments") {
    s.structure = simulation::Structure::filaments;
  } else {
    throw Error("--structure: '" + structure + "' is not uniform or filaments");
  }
  if (dist == "constant") {
    s.photon_distribution = simulation::PhotonDistribution::constant;
  } else if (dist == "exponential") {
    s.photon_distribution = simulation::PhotonDistribution::exponential;
  } else if (dist == "lognormal") {
    s.photon_distribution = simulation::PhotonDistribution::lognormal;
  } else {
    throw Error("--photon-dist: '" + dist + "' is not constant, exponential or lognormal");
  }
  if (!psf_spec.empty()) {
    parse_range("--z-range", z_range, s.z_min_nm, s.z_max_nm);
    simulation::set_psf_spec(psf_spec, s, "--psf", "--pixel-size");
  }
  if (!bg_structure.empty()) {
    if (bg_structure.rfind("file:", 0) == 0) {
      const std::string path = bg_structure.substr(5);
      ImageF add = io::read_tiff_image(path);
      SMLM_CHECK(add.width() == s.width && add.height() == s.height,
                 "--background-structure: '" << path << "' is " << add.width() << " x "
                                             << add.height() << " px, the frames " << s.width
                                             << " x " << s.height);
      float* a = add.data();
      for (size_t i = 0; i < add.size(); ++i) {
        SMLM_CHECK(std::isfinite(a[i]) && a[i] >= 0, "--background-structure: '"
                                                         << path << "' holds " << a[i]
                                                         << ": values must be >= 0 photons/pixel");
        a[i] += static_cast<float>(s.background);
      }
      s.background_map = std::make_shared<const ImageF>(std::move(add));
    } else {
      // The noise's own stream: the same --seed, another movie's molecules do not shift it.
      const simulation::PerlinSettings perlin = simulation::parse_perlin_spec(
          bg_structure, s.camera.pixel_size_nm, simulation::mix64(s.seed ^ 0xb6c0ull));
      s.background_map = std::make_shared<const ImageF>(
          simulation::perlin_background(perlin, s.background, s.width, s.height));
    }
  }
  s.validate();

  AtomicFileGroup outputs;  // the movie and its truth: both or neither
  simulation::MovieSimulator sim(s);
  sim.set_device(kernels::parse_device(device));
  io::TiffMovieWriter writer(out, s.width, s.height, io::PixelType::u16, false, s.frames);
  LocalizationTable truth;
  ImageF frame;
  Progress progress("simulate", "frames", sim.num_frames());
  int64_t n = 0;
  while (sim.next(frame, truth)) {
    writer.write(frame);
    progress.update(++n);
  }
  const double seconds = progress.finish();
  io::write_table(truth_path, truth, {s.camera.pixel_size_nm, s.width, s.height, s.frames});
  if (!maps_out.empty()) io::write_camera_maps(maps_out, *s.camera_maps);
  if (s.background_map)
    io::write_tiff_image(background_map_path(truth_path, bg_structure), *s.background_map);
  writer.close();
  outputs.commit();
  std::fprintf(stderr, "simulated %lld frames (%dx%d), %zu emitter appearances, %.1f s\n",
               static_cast<long long>(n), s.width, s.height, truth.size(), seconds);
  if (s.background_map)
    std::fprintf(stderr, "background map: %s\n",
                 background_map_path(truth_path, bg_structure).c_str());
  return 0;
}

}  // namespace smlm::cli
