// Localization with a trained DECODE model: each frame with its neighbours (t−1, t, t+1, the
// movie's ends repeated) → photons → normalized → net → spatial integration (postprocess.h) →
// rows with per-coordinate uncertainties and detection probabilities; optionally each detection
// refined by the batched Poisson-MLE fitter (refine.h), as every net's --refine mle: 2D with the
// Gaussian, 3D with the model's PSF (or the user's calibration), uniform camera or sCMOS maps.
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
#include "kernels/device.h"
#include "localization/frame_localizer.h"
#include "localization/localizer.h"
#include "localization/mle_fit.h"
#include "localization/nets/decode/model.h"
#include "localization/nets/decode/postprocess.h"
#include "localization/refine.h"
#include "psf/calibration.h"

namespace smlm::localization::nets::decode {

struct DecodeSettings {
  PostprocessSettings post;
  bool refine_mle = false;
  // The refinement's LM fits (refine_mle): ROI radius, σ, iterations, device; 2D: initial σ from
  // psf_sigma_nm (0 = the model's training σ); 3D: the ROI from the PSF unless roi_given.
  FitSettings fit;
  bool roi_given = false;
  double psf_sigma_nm = 0;
  double max_shift_px = 0.5;  // refined fits farther than this in x, y from the detection: dropped
  // 3D refinement: the user's calibration and its model (null: the PSF the model was trained on).
  PsfModel psf = PsfModel::integrated_gaussian;
  std::shared_ptr<const psf::PsfCalibration> calibration;
  int batch_frames = 8;    // frames per net forward
  kernels::Device device;  // where the net runs
  // sCMOS: the movie's camera maps and where its frames lie on the sensor (null: uniform camera).
  std::shared_ptr<const CameraMaps> camera_maps;
  std::optional<SensorOrigin> camera_maps_origin;
};

struct DecodeStats {
  int64_t frames = 0, detections = 0, refined = 0, rejected = 0;
};

class DecodeLocalizer final : public FrameLocalizer {
 public:
  // camera: the movie's camera (ADU → photons before the net; with settings.camera_maps, its QE
  // and pixel size). Throws smlm::Error for impossible settings (MleRefiner::for_net's with
  // refine_mle: e.g. a training PSF file that is gone), or a device this build or machine lacks.
  DecodeLocalizer(const CameraModel& camera, Model model, const DecodeSettings& settings);
  DecodeLocalizer(const CameraModel& camera, const std::string& model_path,
                  const DecodeSettings& settings);
  ~DecodeLocalizer();
  DecodeLocalizer(DecodeLocalizer&&) noexcept;
  DecodeLocalizer& operator=(DecodeLocalizer&&) noexcept;

  int frames_before() const override { return model_.config.frames == 3 ? 1 : 0; }
  int frames_after() const override { return frames_before(); }
  // Columns (without refinement): frame, x, y[, z] [nm], intensity [photon], offset [photon/px],
  // uncertainty_x, uncertainty_y[, uncertainty_z] [nm], uncertainty_intensity [photon],
  // uncertainty_xy = √((σx² + σy²)/2) [nm], probability. With refine_mle: the MLE table's (3D
  // models: with z and uncertainty_z), each fit started at the net's x, y (and z).
  LocalizationTable localize(const FrameWindow& window) override;
  LocalizationTable empty_table() const override;
  std::string summary() const override;

  // The detections of one frame given its context frames (raw ADU; before/after as the net
  // takes them), before any refinement (for inspection and tests).
  std::vector<Detection> detect(const std::vector<const ImageF*>& window);

  const Model& model() const { return model_; }
  const DecodeStats& stats() const { return stats_; }

 private:
  // Runs the net on frames [first, first + count) of the window; detections per frame.
  std::vector<std::vector<Detection>> run(const FrameWindow& window, int first, int count);

  CameraModel camera_;
  Model model_;
  DecodeSettings settings_;
  std::unique_ptr<MleRefiner> refiner_;
  DecodeStats stats_;
};

}  // namespace smlm::localization::nets::decode
