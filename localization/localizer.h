// The classic localization pipeline over batches of frames: camera conversion, wavelet detection,
// ROI extraction and Poisson MLE fits — 2D with the integrated Gaussian (batched LM on CPU threads
// or CUDA, or Ceres), 3D with a calibrated astigmatic Gaussian or cubic spline (batched LM) — to a
// table of molecules in nm and photons.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "localization/batch_fit.h"
#include "localization/detect.h"
#include "localization/fit_rows.h"
#include "localization/frame_localizer.h"
#include "localization/mle_fit.h"
#include "localization/roi_background.h"
#include "psf/calibration.h"

namespace smlm::localization {

// The PSF model the Localizer fits: the 2D integrated Gaussian, or a 3D model of a calibration.
enum class PsfModel { integrated_gaussian, astigmatic, spline };

// "gaussian" (or "2d"), "astigmatic", "spline"; throws smlm::Error for anything else.
PsfModel parse_psf_model(std::string_view text);
const char* to_string(PsfModel m);

struct LocalizeSettings;
// The default fitting ROI side (odd): the smallest that holds kRoiPhotonFraction of the PSF's
// photons at its widest (psf::roi_side_for_fraction) — for the 2D Gaussian of σ
// fit.initial_sigma_px, for a 3D model over its calibrated z range — within the fitter's limit
// (15 px for LM, 63 for Ceres). 7 px for ThunderSTORM's default σ of 1.3 px.
inline constexpr double kRoiPhotonFraction = 0.95;
int default_roi_side(const LocalizeSettings& s);
// The automatic non-maximum suppression radius of detection [px] (DetectionSettings::nms_radius
// = 0): 1 in 2D (ThunderSTORM's 8-connected maxima); in 3D half the ROI's radius, about the
// PSF's half-width at its widest z when the ROI is default_roi_side's.
int default_nms_radius(const LocalizeSettings& s);
// The automatic duplicate distance [px] (LocalizeSettings::duplicate_distance_px unset): in 3D
// the PSF's σ, the model's RMS width at its narrowest z (psf::narrowest_sigma_px); in 2D 0 (off:
// a 2D spot gives one 8-connected maximum, and two fits closer than σ are more often two
// molecules — on ThunderSTORM's own test movie merging at σ cost 2.6 % of the Jaccard index).
double default_duplicate_distance_px(const LocalizeSettings& s);

struct LocalizeSettings {
  DetectionSettings detection;
  FitSettings fit;  // 3D: roi_radius, max_iterations and device apply; the fitter must be lm
  PsfModel psf = PsfModel::integrated_gaussian;
  // 3D models: the calibration they come from (psf::load_calibration), shared and kept alive by
  // the Localizer. Its pixel size must match the camera's (within 1 %).
  std::shared_ptr<const psf::PsfCalibration> calibration;
  // sCMOS (core/camera_maps.h; null: a uniform camera): each pixel's offset and gain convert it to
  // photoelectrons, and every fit (LM or Ceres, 2D or 3D) and its CRLB take the likelihood of
  // Huang et al. 2013 with the pixel's read-noise variance. The camera's baseline and photons per
  // ADU are then unused; its EM gain must be 1. Frames must be the whole sensor, or lie on it at
  // camera_maps_origin.
  std::shared_ptr<const CameraMaps> camera_maps;
  std::optional<SensorOrigin> camera_maps_origin;
  // Multi-emitter fitting (ThunderSTORM's MFA; localization/multi_fit.h; every model, LM or
  // Ceres in 2D, LM in 3D): each ROI is fitted with 1…max_emitters emitters sharing bg (and σ in
  // 2D; a z each in 3D), started with one emitter at each other candidate inside it and grown at
  // the largest residual while the likelihood-ratio test passes at multi_p_value. Each emitter is
  // judged as a single fit is (the 3D rule per emitter), and reported by the ROI of the candidate
  // nearest to it only, so overlapping ROIs report each molecule once. On a CUDA device the LM
  // fits run there but detection and ROIs on the CPU. max_emitters: 1…5 in 2D, 1…4 in 3D (4
  // parameters per emitter within kLmMaxParams); 0: the most.
  // On by default: on the LM fitter the search runs only where it can change a fit (other
  // candidates in the ROI, an unusable single fit, a deviance with room for more emitters), which
  // on sparse movies is ~5 % of the ROIs (see Localizer::localize).
  bool multi_emitter = true;
  int max_emitters = 0;
  double multi_p_value = 1e-6;
  // Goodness-of-fit filter: fits whose p_value (FitResult::p_value) is below this are rejected.
  double min_p_value = 0;
  // Single-emitter fits of one frame that converged closer than this [px] are one molecule (two
  // candidates in one spot, e.g. the lobes of a defocused 3D PSF): only the fit whose position
  // lies nearest its own candidate is reported, the others count as merged. Unset:
  // default_duplicate_distance_px (3D: the PSF's σ; 2D: off); 0: off. Multi-emitter fits have
  // their own rule.
  std::optional<double> duplicate_distance_px;
  // A per-pixel background of each ROI (localization/roi_background.h: BGNet's prediction or a
  // known map), used as background_use says; null: the flat background every fit has. With LM on
  // a CUDA device, detection and ROIs then run on the CPU.
  std::shared_ptr<RoiBackground> roi_background;
  BackgroundUse background_use = BackgroundUse::likelihood;

  bool is_3d() const { return psf != PsfModel::integrated_gaussian; }
};

// Counts since the Localizer was made. candidates = fitted + rejected + skipped, where skipped
// candidates sit in frames smaller than the ROI. With multi-emitter fitting, fitted counts
// localizations (a ROI may give several) and merged the candidates whose ROI reported none of its
// own (their molecules are reported by a neighbour's ROI).
struct LocalizeStats {
  int64_t frames = 0, candidates = 0, fitted = 0, rejected = 0, merged = 0;
};

class BatchDetector;

class Localizer final : public FrameLocalizer {
 public:
  // Validates the camera and the settings; throws smlm::Error on impossible values, and for a
  // CUDA device that this build or machine lacks.
  Localizer(const CameraModel& camera, const LocalizeSettings& s);
  ~Localizer();
  Localizer(Localizer&&) noexcept;
  Localizer& operator=(Localizer&&) noexcept;

  // frames: raw ADU, any sizes; first_frame: 0-based movie index of frames[0]. Each frame is
  // converted to photoelectrons (CameraModel::adu_to_electrons, or per pixel with the settings'
  // camera maps: then frames that do not lie on the maps' sensor throw), searched for candidates
  // (detect), and a (2r + 1)² ROI around each candidate (shifted inside the frame near the
  // border; none when the frame is smaller) is fitted from initial_theta's start values by the
  // settings' fitter: all ROIs of the batch at once by the batched LM fitter on fit.device, or in
  // parallel (OpenMP, kernels::parallel_for) by MleFitter (Ceres). With LM on a CUDA device the
  // conversion, detection and ROI extraction run there as well (BatchDetector, one call per run of
  // frames of one size) and only candidates and fit results are downloaded; the candidates are the
  // CPU's but for ones whose F2 lies within rounding of the threshold. Fits that MleFitter::usable
  // rejects (for LM: status other than converged, and the same rule) are counted, not returned.
  // Returns the columns, in this order: frame (0-based), x, y [nm; x = (x_px + 0.5)·pixel size
  // with x_px the pixel coordinate whose pixel centres are integers], sigma [nm], intensity
  // [photons = e⁻/QE], offset [photons/px], bkgstd [photons], uncertainty_xy [nm;
  // √((CRLB_x + CRLB_y)/2 · excess-noise factor)·pixel size], loglikelihood (Poisson
  // log-likelihood ratio, ≤ 0). Rows by frame, then candidate (raster) order; the same for any
  // thread count.
  // 3D models (settings.psf astigmatic or spline; LM only) return ThunderSTORM's 3D columns:
  // frame, x, y, z [nm; the calibration's z: 0 where σx = σy, positive = increasing bead-stack
  // slice], sigma1, sigma2 [nm; σx(z), σy(z) of the astigmatic model only], intensity, offset,
  // bkgstd, uncertainty_xy, uncertainty_z [nm; √(CRLB_z · excess-noise factor)], loglikelihood.
  // A 3D fit is kept when LM converged, θ and the CRLB are finite, N > 0, the position is on the
  // ROI and z is off the bounds of the calibrated range (a fit stuck at a bound has no z).
  LocalizationTable localize(const std::vector<ImageF>& frames, int64_t first_frame);
  // FrameLocalizer: the classic pipeline takes no temporal context.
  LocalizationTable localize(const FrameWindow& window) override;
  std::string summary() const override;
  LocalizationTable empty_table() const override { return rows_.table(); }

  const LocalizeStats& stats() const { return stats_; }
  const CameraModel& camera() const { return camera_; }
  const LocalizeSettings& settings() const { return settings_; }

 private:
  // The camera of w × h frames: the CameraModel, and the maps' view for frames of that size.
  PixelCamera pixel_camera(int w, int h) const;

  CameraModel camera_;
  LocalizeSettings settings_;
  MleFitter fitter_;                 // Ceres, and the rejection rule of both fitters
  FitRows rows_;                     // the table's columns and conversions
  std::unique_ptr<BatchFitter> lm_;  // when settings_.fit.fitter == Fitter::lm
  // LM on a CUDA device: detection on the GPU, its ROIs fitted where they are.
  std::unique_ptr<BatchDetector> detector_;
  MultiFitSettings multi_{};  // settings_.multi_emitter: the likelihood-ratio test's thresholds
  double duplicate_px_ = 0;   // settings_.duplicate_distance_px, resolved
  LocalizeStats stats_;
};

}  // namespace smlm::localization
