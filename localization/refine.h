// MleRefiner: a net's detections as starts of Poisson-MLE fits — the `--refine mle` of every
// network. Each candidate (a position in camera pixels in one frame) gets a (2r + 1)² ROI around
// its pixel, a batched LM fit of the integrated Gaussian started at the candidate, the classic
// pipeline's rejection rule (MleFitter::usable) plus a maximum shift from the candidate, and a
// row of the MLE table (FitRows).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/camera.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "localization/batch_fit.h"
#include "localization/fit_rows.h"
#include "localization/mle_fit.h"

namespace smlm::localization {

struct RefineCandidate {
  int frame = 0;        // index into the frames given to refine()
  double x = 0, y = 0;  // camera pixels, pixel centres at integers
};

struct RefineStats {
  int64_t refined = 0, rejected = 0;  // rows written; fits dropped or ROIs off the frame
};

class MleRefiner {
 public:
  // fit: ROI radius (≤ 7), σ start (initial_sigma_px) and fixed σ, iterations, and the device of
  // the LM fits (fitter is ignored: always LM). Fits ending farther than max_shift_px from their
  // candidate (a neighbour pulled them away) are rejected. Throws smlm::Error for impossible
  // settings.
  MleRefiner(const CameraModel& camera, FitSettings fit, double max_shift_px);
  // A net's refiner: fits started (and, with fit.fixed_sigma, held) at σ = psf_sigma_nm, the
  // user's, or when that is 0 at trained_sigma_nm, the σ the net was trained on.
  static std::unique_ptr<MleRefiner> for_net(const CameraModel& camera, FitSettings fit,
                                             double psf_sigma_nm, double trained_sigma_nm,
                                             double max_shift_px);
  ~MleRefiner();
  MleRefiner(MleRefiner&&) noexcept;
  MleRefiner& operator=(MleRefiner&&) noexcept;

  // frames: raw ADU; frames[k] is movie frame first_frame + k. Returns FitRows' 2D columns, rows
  // in the candidates' order (those rejected left out).
  LocalizationTable refine(const std::vector<ImageF>& frames, int64_t first_frame,
                           const std::vector<RefineCandidate>& candidates);
  LocalizationTable empty_table() const { return rows_.table(); }
  const RefineStats& stats() const { return stats_; }

 private:
  CameraModel camera_;
  FitSettings fit_;
  double max_shift_px_;
  MleFitter rule_;
  std::unique_ptr<BatchFitter> lm_;
  FitRows rows_;
  RefineStats stats_;
};

}  // namespace smlm::localization
