// Localization with a trained Deep-STORM model: frames in ADU → normalized → net → spike map →
// peaks (postprocess.h) → a LocalizationTable; optionally each peak refined by the batched
// Poisson-MLE fitter (localization/batch_fit.h) on a ROI around it, with the classic pipeline's
// rejection rule.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "kernels/device.h"
#include "localization/frame_localizer.h"
#include "localization/mle_fit.h"
#include "localization/refine.h"
#include "localization/nets/deepstorm/model.h"
#include "localization/nets/deepstorm/postprocess.h"

namespace smlm::localization::nets::deepstorm {

enum class Refine { none, mle };
// "none" or "mle"; throws smlm::Error otherwise.
Refine parse_refine(const std::string& text);

struct DeepStormSettings {
  PostprocessSettings post;
  Refine refine = Refine::none;
  // The MLE refinement's fit (refine = mle): ROI radius (≤ 7), fixed σ, iterations, and the
  // device of the LM fits. fitter is ignored (always LM); initial_sigma_px is set from
  // psf_sigma_nm.
  FitSettings fit;
  double psf_sigma_nm = 0;  // σ start (and fixed value) of the fits [nm]; 0 = the model's
  // Fits that end farther than this from their peak [camera px] (a neighbour pulled them away)
  // are rejected too, beyond the classic rule (MleFitter::usable).
  double max_shift_px = 0.5;
  kernels::Device device;  // where the net runs
};

// Counts since the localizer was made: peaks the net found, and of those (with refine = mle)
// refined (usable fits, in the table) and rejected (fits dropped, or ROIs that did not fit in the
// frame).
struct DeepStormStats {
  int64_t frames = 0, peaks = 0, refined = 0, rejected = 0;
};

class DeepStormLocalizer final : public FrameLocalizer {
 public:
  // Takes ownership of the model (moved to settings.device). Throws smlm::Error for impossible
  // settings, a camera that is not valid, or a device this build or machine lacks.
  DeepStormLocalizer(const CameraModel& camera, Model model, const DeepStormSettings& settings);
  // Loads the model file (save_model's, `smlm train deepstorm`'s output).
  DeepStormLocalizer(const CameraModel& camera, const std::string& model_path,
                     const DeepStormSettings& settings);
  ~DeepStormLocalizer();
  DeepStormLocalizer(DeepStormLocalizer&&) noexcept;
  DeepStormLocalizer& operator=(DeepStormLocalizer&&) noexcept;

  // frames: raw ADU, any sizes; first_frame: 0-based movie index of frames[0]. One net forward
  // per frame (the frame padded by edge replication to a multiple of the net's size multiple,
  // the map cropped back). Columns, rows by frame then peak raster order:
  //  - refine none: frame, x, y [nm, ThunderSTORM: x = (x_px + ½)·pixel], intensity (the map's
  //    integral / spike scale: relative, ≈ 1 per emitter as trained, not photons);
  //  - refine mle: exactly Localizer::localize's columns (frame, x, y, sigma, intensity [photons],
  //    offset, bkgstd, uncertainty_xy, loglikelihood) from LM fits of a (2·roi_radius + 1)² ROI
  //    around each peak's pixel, started at the peak (N and bg from roi.h initial_theta); fits
  //    MleFitter::usable rejects, or that moved more than max_shift_px, are dropped (counted).
  LocalizationTable localize(const std::vector<ImageF>& frames, int64_t first_frame);
  // FrameLocalizer: one frame at a time, no temporal context.
  LocalizationTable localize(const FrameWindow& window) override;
  std::string summary() const override;
  LocalizationTable empty_table() const override;

  // The net's spike map of one ADU frame: (U·W) × (U·H) fine pixels (for inspection and tests).
  ImageF spike_map(const ImageF& adu);
  // The peaks of one ADU frame (camera pixel coordinates), before any refinement.
  std::vector<MapPeak> peaks(const ImageF& adu);

  const DeepStormStats& stats() const { return stats_; }
  const Model& model() const { return model_; }
  const DeepStormSettings& settings() const { return settings_; }

 private:
  CameraModel camera_;
  Model model_;
  DeepStormSettings settings_;
  std::unique_ptr<MleRefiner> refiner_;  // refine = mle
  DeepStormStats stats_;
};

}  // namespace smlm::localization::nets::deepstorm
