// MovieSimulator: streams a simulated SMLM movie frame by frame with its ground truth. Molecules
// are laid out once (uniform or filaments; uniform in z for 3D PSFs), blink by a Markov chain
// (photophysics.h), are imaged with the integrated Gaussian PSF or a 3D PSF (astigmatic Gaussian,
// cubic spline — pupil-function PSFs through simulation/pupil_spline.h) and pass through the
// camera chain (camera_noise.h).
//
// Memory is bounded by the molecules and one frame, never the movie. Frames are identical on the
// CPU and the GPU for the same seed (same functor, same per-pixel random streams), up to the last
// bit of the devices' erf/exp/log, which could flip a pixel with negligible probability.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "kernels/device.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"
#include "simulation/emitters.h"
#include "simulation/frame_renderer.h"
#include "simulation/photophysics.h"

namespace smlm::simulation {

class GpuFrameRenderer;  // simulation/cuda/movie_simulator_gpu.h

struct SimulationSettings {
  int width = 64, height = 64;  // frame size [px]
  int64_t frames = 1000;
  CameraModel camera;  // pixel size, baseline, photons_per_adu, em_gain, qe, read_noise_e
  // sCMOS: per-pixel offset, gain and read-noise variance (core/camera_maps.h) that replace the
  // camera's baseline, photons_per_adu and read_noise_e (em_gain must be 1); null for a uniform
  // camera. The frames are the whole sensor, or lie on it at camera_maps_origin.
  std::shared_ptr<const CameraMaps> camera_maps;
  std::optional<SensorOrigin> camera_maps_origin;
  Structure structure = Structure::uniform;
  // Mean number of EMITTING molecules per frame per µm², i.e. truth rows per frame per µm² (what a
  // localizer sees), at the start of the movie. The number of molecules is
  //   round(density · area / emitting_probability),
  // emitting_probability = d + (1 − d)(1 − e^(−k_on)), d = k_on/(k_on + k_off + k_bleach) the duty
  // cycle: a molecule shows in a frame if it is on at any time during it. With bleaching the
  // density decays over the movie.
  double density = 0.5;
  double photons = 2000;  // mean photons per frame of a fully-on molecule
  PhotonDistribution photon_distribution = PhotonDistribution::constant;
  double background = 20;     // photons per pixel per frame
  // Optional: a structured background, width × height photons per pixel per frame that replace
  // `background` in every frame (simulation/background_structure.h makes them).
  std::shared_ptr<const ImageF> background_map;
  double psf_sigma_nm = 130;  // integrated Gaussian PSF
  // 3D: RenderPsf::astigmatic draws with `astigmatic` (curves in nm and px, at the camera's pixel
  // size), RenderPsf::spline with `spline` (its pixel size must match the camera's within 1 %;
  // N = the photons its normalization counts). z is the models' convention: z = 0 where σx = σy
  // (or the spline's z origin), positive = increasing bead-stack slice. Molecules sit uniformly
  // in [z_min_nm, z_max_nm], drawn from their own random streams; the truth gets a z column.
  RenderPsf psf = RenderPsf::integrated_gaussian;
  psf::AstigmaticCalibration astigmatic;
  std::shared_ptr<const psf::CubicSpline> spline;
  double z_min_nm = 0, z_max_nm = 0;
  double k_on = 0.05, k_off = 0.5, k_bleach = 0.0;  // per frame
  uint64_t seed = 1;

  BlinkRates rates() const { return {k_on, k_off, k_bleach}; }
  double area_um2() const;
  // The number of molecules these settings simulate (see density).
  int64_t num_molecules() const;
  // Throws smlm::Error naming the impossible value: NaN or infinite numbers, negative ones, a zero
  // size or frame count, a frame of more than 2^28 pixels, k_on <= 0, more than 10⁷ molecules or
  // more than one emitting molecule per pixel per frame (density too high); for 3D, a missing
  // spline or a bad z range; camera maps that are invalid, that do not hold the frames or that
  // come with EM gain; a background map of another size or with negative or non-finite values.
  void validate() const;
  bool is_3d() const { return psf != RenderPsf::integrated_gaussian; }
};

class MovieSimulator {
 public:
  // Validates the settings, lays the molecules out and draws their brightness and initial states.
  explicit MovieSimulator(const SimulationSettings& s);
  ~MovieSimulator();
  MovieSimulator(const MovieSimulator&) = delete;
  MovieSimulator& operator=(const MovieSimulator&) = delete;

  int64_t num_frames() const { return settings_.frames; }
  int64_t num_molecules() const { return static_cast<int64_t>(positions_.size()); }
  // Index of the frame the next call to next() renders (0-based).
  int64_t frame_index() const { return frame_; }
  // The molecules' positions [nm, ThunderSTORM convention; z 0 unless 3D]; molecule i has truth
  // index i (column "molecule").
  const std::vector<Position>& positions() const { return positions_; }

  // Renders the next frame into `adu` (resized to width × height): ADU as floats holding integers
  // in [0, 65535]. Appends its ground truth, one row per molecule that was on at any time during
  // the frame, in molecule order, to `truth` (columns created on first use; other columns of
  // `truth` get NaN): frame (0-based), x, y [nm, ThunderSTORM convention], intensity [photons
  // emitted in the frame = on fraction × brightness], molecule (molecule index).
  // Returns false, touching nothing, after the last frame.
  bool next(ImageF& adu, LocalizationTable& truth);

  // Where frames are rendered: the CPU (default) or a CUDA device. Throws smlm::Error when the
  // device does not exist or smlm was built without CUDA.
  void set_device(kernels::Device device);
  kernels::Device device() const { return device_; }

  const SimulationSettings& settings() const { return settings_; }

 private:
  SimulationSettings settings_;
  std::vector<Position> positions_;
  Photophysics photophysics_;
  int64_t frame_ = 0;
  kernels::Device device_;
  std::unique_ptr<GpuFrameRenderer> gpu_;
  std::vector<double> on_fraction_;     // per molecule, this frame
  std::vector<FrameEmitter> emitters_;  // this frame's emitting molecules, sorted by y
  std::vector<double> tables_;          // FrameRenderer::tables of the current frame (CPU)
  CameraMapsView maps_;                 // the frames' view of settings_.camera_maps (host)
};

// True when smlm was built with CUDA and a CUDA device is usable.
bool gpu_available();

}  // namespace smlm::simulation
