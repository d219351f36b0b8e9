// MleRefiner: a net's detections as starts of Poisson-MLE fits — the `--refine mle` of every
// network. Each candidate (a position in camera pixels in one frame, and in 3D its z) gets a
// (2r + 1)² ROI around its pixel, converted to photoelectrons as the classic pipeline converts
// (a uniform camera, or sCMOS maps pixel by pixel), a batched LM fit started at the candidate —
// the 2D integrated Gaussian, or the astigmatic Gaussian or cubic spline of a 3D calibration,
// with Huang et al.'s likelihood when there are maps — the classic pipeline's rejection rule
// plus a maximum lateral shift from the candidate, and a row of the MLE table (FitRows).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "localization/batch_fit.h"
#include "localization/fit_rows.h"
#include "localization/localizer.h"
#include "localization/mle_fit.h"
#include "psf/calibration.h"

namespace smlm::localization {

struct RefineCandidate {
  int frame = 0;        // index into the frames given to refine()
  double x = 0, y = 0;  // camera pixels, pixel centres at integers
  // 3D: the net's z [nm, the PSF's z: its calibration's, or the simulation's for a net trained
  // on one]; none: the fit starts from a z scan at (x, y). Ignored in 2D.
  std::optional<double> z_nm = std::nullopt;
};

struct RefineStats {
  int64_t refined = 0, rejected = 0;  // rows written; fits dropped or ROIs off the frame
};

// What a refiner fits, and how.
struct RefineSettings {
  // ROI radius (≤ 7), iterations, the device of the LM fits; 2D: σ start (initial_sigma_px) and
  // fixed σ. fitter is ignored (always LM).
  FitSettings fit;
  // Fits ending farther than this [camera px] from their candidate in x, y (a neighbour pulled
  // them away) are rejected. z has no such limit: a net's z is its least certain coordinate, and
  // a fit may move it far; it is held to the calibrated range as the Localizer holds it.
  double max_shift_px = 0.5;
  // integrated_gaussian (2D), or astigmatic / spline: that model of `calibration`, whose pixel
  // size must be the camera's within 1 % (it is kept alive by the refiner).
  PsfModel psf = PsfModel::integrated_gaussian;
  std::shared_ptr<const psf::PsfCalibration> calibration;
  // sCMOS (null: a uniform camera): each ROI converted with PixelCamera and fitted with its
  // read-noise variances (Huang et al. 2013), as LocalizeSettings::camera_maps. Frames must be
  // the whole sensor or lie on it at camera_maps_origin. The camera's EM gain must be 1.
  std::shared_ptr<const CameraMaps> camera_maps;
  std::optional<SensorOrigin> camera_maps_origin;

  bool is_3d() const { return psf != PsfModel::integrated_gaussian; }
};

// The user's side of a net's refinement: what `smlm localize --refine mle` options give.
struct NetRefineOptions {
  // fit, max shift, camera maps; psf + calibration: the user's --psf (integrated_gaussian: none).
  RefineSettings refine;
  double psf_sigma_nm = 0;  // 2D: σ start (and fixed σ) [nm]; 0 = the net's training σ
  bool roi_given = false;   // 3D: refine.fit.roi_radius is the user's, else default_roi_side's
};

// The PSF a net was trained on (its model file's simulation settings).
struct TrainedPsf {
  double sigma_nm = 0;  // 2D: the integrated Gaussian's σ [nm]
  // 3D: the simulator's text form (simulation/psf_spec.h: "astig:FILE", "spline:FILE" from
  // `smlm calibrate`, "pupil:KIND"); "" = 2D.
  std::string spec;
  double z_min_nm = 0, z_max_nm = 0;  // 3D: the training z range (a pupil spline covers it)
  double pixel_size_nm = 0;           // the training camera's pixel (a pupil spline's)

  bool is_3d() const { return !spec.empty(); }
};

class MleRefiner {
 public:
  // Validates the camera and settings; throws smlm::Error for impossible ones (a ROI beyond LM's
  // 15 px, max_shift_px ≤ 0, a 3D model without calibration or with the wrong pixel size, maps
  // with EM gain).
  MleRefiner(const CameraModel& camera, const RefineSettings& settings);
  // 2D, a uniform camera.
  MleRefiner(const CameraModel& camera, FitSettings fit, double max_shift_px);
  // A net's refiner, the one set-up every net uses. 2D nets: fits started (and, with
  // fit.fixed_sigma, held) at σ = psf_sigma_nm, or when that is 0 at the training σ. 3D nets:
  // the user's calibration (options.refine.calibration) if given, else the PSF the net was
  // trained on (psf_spec_calibration of trained.spec; a pupil PSF's spline rendered as the
  // simulator renders it); the ROI side default_roi_side's for that model unless roi_given.
  // Throws smlm::Error (one line) when the training PSF cannot be loaded (naming it, suggesting
  // --psf), for a --psf given to a 2D net or --psf-sigma to a 3D one, and as the constructor.
  static std::unique_ptr<MleRefiner> for_net(const CameraModel& camera,
                                             const NetRefineOptions& options,
                                             const TrainedPsf& trained);
  ~MleRefiner();
  MleRefiner(MleRefiner&&) noexcept;
  MleRefiner& operator=(MleRefiner&&) noexcept;

  // frames: raw ADU; frames[k] is movie frame first_frame + k. Returns FitRows' columns (2D, or
  // 3D with z and uncertainty_z [nm] and, for the astigmatic model, sigma1 and sigma2), rows in
  // the candidates' order (those rejected left out). A 3D fit starts at the candidate's x, y and
  // z (clamped into the calibrated range; without z, the best of a z scan at x, y) with N and bg
  // by least squares there, and is kept by the Localizer's 3D rule (converged, finite, N > 0, on
  // the ROI, z off the range's bounds); a 2D one starts at x, y with initial_theta's N, bg and σ
  // and is kept by MleFitter::usable. Both must end within max_shift_px of the candidate.
  LocalizationTable refine(const std::vector<ImageF>& frames, int64_t first_frame,
                           const std::vector<RefineCandidate>& candidates);
  LocalizationTable empty_table() const { return rows_.table(); }
  const RefineStats& stats() const { return stats_; }
  const RefineSettings& settings() const { return settings_; }
  int roi_side() const { return 2 * settings_.fit.roi_radius + 1; }

 private:
  CameraModel camera_;
  RefineSettings settings_;
  MleFitter rule_;  // the 2D rejection rule
  std::unique_ptr<BatchFitter> lm_;
  FitRows rows_;
  RefineStats stats_;
};

}  // namespace smlm::localization
