// Localization with a trained DeepSTORM3D model: frames in ADU → normalized → net → voxel volume
// → 3D peaks (postprocess.h) → a 3D LocalizationTable.
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
#include "localization/nets/deepstorm3d/model.h"
#include "localization/nets/deepstorm3d/postprocess.h"
#include "localization/refine.h"

namespace smlm::localization::nets::deepstorm3d {

struct DeepStorm3dSettings {
  PostprocessSettings post;
  kernels::Device device;  // where the net runs
  // --refine mle: each peak (x, y, z) starts a Poisson-MLE fit of the PSF the model was trained on
  // (its psf_spec: pupil:KIND, mask:FILE.tif or a calibration, as a spline; or the user's
  // calibration), on ROIs of default_roi_side unless roi_given — within the LM fitter's 15 px, so
  // for compact PSFs (astigmatism, double helix over ~±1 µm), not a tetrapod over microns.
  bool refine_mle = false;
  NetRefineOptions refine;  // fit (ROI, iterations, device), max shift, --psf, roi_given
};

struct DeepStorm3dStats {
  int64_t frames = 0, peaks = 0, refined = 0, rejected = 0;
};

class DeepStorm3dLocalizer final : public FrameLocalizer {
 public:
  // Takes ownership of the model (moved to settings.device). camera: the movie's (pixel size for
  // nm; the net normalizes each frame by its own range, so ADU conversion does not matter). Throws
  // smlm::Error for impossible settings or a device this build or machine lacks.
  DeepStorm3dLocalizer(const CameraModel& camera, Model model, const DeepStorm3dSettings& settings);
  DeepStorm3dLocalizer(const CameraModel& camera, const std::string& model_path,
                       const DeepStorm3dSettings& settings);

  // frames: raw ADU, any sizes; one net forward per frame. Columns frame, x, y [nm, ThunderSTORM:
  // x = (x_px + ½)·pixel], z [nm, the model's z], intensity (the volume's window sum / scale:
  // relative, ≈ 1 per emitter, not photons); rows by frame, then peaks in raster order (z, y, x).
  // With refine_mle: MleRefiner's 3D table (photons, offset, CRLB uncertainties), the peaks its
  // rules reject left out.
  LocalizationTable localize(const std::vector<ImageF>& frames, int64_t first_frame);
  LocalizationTable localize(const FrameWindow& window) override;
  std::string summary() const override;
  LocalizationTable empty_table() const override;

  // The net's volume of one ADU frame: D × (U·H) × (U·W) values (z slice first, x fastest).
  std::vector<float> volume(const ImageF& adu);
  // The peaks of one ADU frame (camera pixel coordinates, z [nm]).
  std::vector<VolumePeak> peaks(const ImageF& adu);

  const DeepStorm3dStats& stats() const { return stats_; }
  const Model& model() const { return model_; }

 private:
  CameraModel camera_;
  Model model_;
  DeepStorm3dSettings settings_;
  DeepStorm3dStats stats_;
  std::unique_ptr<MleRefiner> refiner_;
};

}  // namespace smlm::localization::nets::deepstorm3d
