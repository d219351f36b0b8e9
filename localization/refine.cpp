#include "localization/refine.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "localization/lm_models.h"
#include "localization/roi.h"

namespace smlm::localization {

namespace {
using G = psf::IntegratedGaussian;

FitSettings lm_settings(FitSettings f) {
  f.fitter = Fitter::lm;
  f.validate();
  return f;
}
}  // namespace

MleRefiner::MleRefiner(const CameraModel& camera, FitSettings fit, double max_shift_px)
    : camera_(camera),
      fit_(lm_settings(fit)),
      max_shift_px_(max_shift_px),
      rule_(fit_),
      lm_(std::make_unique<BatchFitter>(
          LmIntegratedGaussian::settings(fit_.fixed_sigma, fit_.max_iterations), fit_.device)),
      rows_(camera) {
  camera_.validate();
  SMLM_CHECK(max_shift_px > 0, "refinement: maximum shift must be positive, got " << max_shift_px);
}

std::unique_ptr<MleRefiner> MleRefiner::for_net(const CameraModel& camera, FitSettings fit,
                                                double psf_sigma_nm, double trained_sigma_nm,
                                                double max_shift_px) {
  fit.initial_sigma_px =
      (psf_sigma_nm > 0 ? psf_sigma_nm : trained_sigma_nm) / camera.pixel_size_nm;
  return std::make_unique<MleRefiner>(camera, fit, max_shift_px);
}

MleRefiner::~MleRefiner() = default;
MleRefiner::MleRefiner(MleRefiner&&) noexcept = default;
MleRefiner& MleRefiner::operator=(MleRefiner&&) noexcept = default;

LocalizationTable MleRefiner::refine(const std::vector<ImageF>& frames, int64_t first_frame,
                                     const std::vector<RefineCandidate>& candidates) {
  const int radius = fit_.roi_radius, size = 2 * radius + 1;
  const int64_t npix = int64_t{size} * size;
  struct Item {
    int frame, x0, y0;
    double x, y;  // the candidate [ROI px]
  };
  std::vector<Item> items;
  RoiBatch batch;
  batch.w = batch.h = size;
  batch.initial_sigma_px = fit_.initial_sigma_px;
  std::vector<float> roi(npix);
  for (const RefineCandidate& c : candidates) {
    SMLM_ASSERT(c.frame >= 0 && c.frame < static_cast<int>(frames.size()));
    const ImageF& adu = frames[c.frame];
    const int cx = static_cast<int>(std::lround(c.x)), cy = static_cast<int>(std::lround(c.y));
    int x0, y0;
    if (!place_roi(std::clamp(cx, 0, adu.width() - 1), std::clamp(cy, 0, adu.height() - 1), radius,
                   adu.width(), adu.height(), x0, y0)) {
      ++stats_.rejected;
      continue;
    }
    for (int j = 0; j < size; ++j)
      for (int i = 0; i < size; ++i)
        roi[j * size + i] = static_cast<float>(camera_.adu_to_electrons(adu(x0 + i, y0 + j)));
    double theta[G::kNumParams];
    initial_theta(roi.data(), size, size, fit_.initial_sigma_px, theta);
    theta[G::kX] = c.x - x0;
    theta[G::kY] = c.y - y0;
    batch.pixels.insert(batch.pixels.end(), roi.begin(), roi.end());
    batch.starts.insert(batch.starts.end(), theta, theta + G::kNumParams);
    items.push_back({c.frame, x0, y0, theta[G::kX], theta[G::kY]});
  }
  const std::vector<LmResult> results = items.empty() ? std::vector<LmResult>{} : lm_->fit(batch);

  LocalizationTable table = rows_.table();
  for (size_t k = 0; k < items.size(); ++k) {
    const FitResult r = to_fit_result(results[k]);
    const double shift = std::hypot(r.theta[G::kX] - items[k].x, r.theta[G::kY] - items[k].y);
    if (!rule_.usable(r, size, size) || !(shift <= max_shift_px_)) {
      ++stats_.rejected;
      continue;
    }
    ++stats_.refined;
    rows_.append(table, first_frame + items[k].frame, items[k].x0, items[k].y0, r);
  }
  return table;
}

}  // namespace smlm::localization
