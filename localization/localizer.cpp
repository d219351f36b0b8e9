// Localizer: frames in parallel for conversion and detection, then all ROIs of the batch in
// parallel for fitting, each result written to its candidate's slot so the order never depends
// on the threads.
#include "localization/localizer.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "kernels/parallel_for.h"
#include "localization/lm_models.h"
#include "localization/roi.h"

namespace smlm::localization {

namespace {

using G = psf::IntegratedGaussian;

const CameraModel& validated(const CameraModel& camera) {
  camera.validate();
  return camera;
}

const FitSettings& validated(const LocalizeSettings& s) {
  s.detection.validate();
  s.fit.validate();
  return s.fit;
}

enum class Outcome : uint8_t { skipped, rejected, fitted };

struct Slot {
  Outcome outcome = Outcome::skipped;
  bool placed = false;  // the ROI fits in the frame
  int x0 = 0, y0 = 0;   // ROI origin in the frame
  FitResult fit{};
};

// An LM result in MleFitter's terms, so that one rule (MleFitter::usable) judges both fitters.
FitResult to_fit_result(const LmResult& r) {
  FitResult f;
  std::copy(r.theta, r.theta + G::kNumParams, f.theta);
  std::copy(r.crlb, r.crlb + G::kNumParams, f.crlb);
  f.log_likelihood = r.log_likelihood;
  f.bkgstd = r.bkgstd;
  f.iterations = r.iterations;
  f.converged = r.status == LmStatus::converged;
  return f;
}

}  // namespace

Localizer::Localizer(const CameraModel& camera, const LocalizeSettings& s)
    : camera_(validated(camera)), settings_(s), fitter_(validated(s)) {
  if (s.fit.fitter == Fitter::lm) {
    lm_ = std::make_unique<BatchFitter>(
        LmIntegratedGaussian::settings(s.fit.fixed_sigma, s.fit.max_iterations), s.fit.device);
  }
}

Localizer::~Localizer() = default;
Localizer::Localizer(Localizer&&) noexcept = default;
Localizer& Localizer::operator=(Localizer&&) noexcept = default;

LocalizationTable Localizer::localize(const std::vector<ImageF>& frames, int64_t first_frame) {
  const int64_t nf = static_cast<int64_t>(frames.size());
  std::vector<ImageF> electrons(nf);
  std::vector<std::vector<Candidate>> candidates(nf);
  kernels::parallel_for(nf, [&](int64_t f) {
    const ImageF& adu = frames[f];
    ImageF& e = electrons[f];
    e = ImageF(adu.width(), adu.height());
    for (size_t i = 0; i < adu.size(); ++i)
      e.data()[i] = static_cast<float>(camera_.adu_to_electrons(adu.data()[i]));
    candidates[f] = detect(e, settings_.detection);
  });

  std::vector<int64_t> first(nf + 1, 0);  // first candidate index of each frame
  for (int64_t f = 0; f < nf; ++f)
    first[f + 1] = first[f] + static_cast<int64_t>(candidates[f].size());
  const int64_t total = first[nf];

  const int radius = settings_.fit.roi_radius, size = 2 * radius + 1;
  std::vector<Slot> slots(total);
  std::vector<int64_t> frame_of(total);
  kernels::parallel_for(total, [&](int64_t i) {
    const int64_t f = std::upper_bound(first.begin(), first.end(), i) - first.begin() - 1;
    const Candidate& c = candidates[f][i - first[f]];
    const ImageF& e = electrons[f];
    Slot& slot = slots[i];
    frame_of[i] = f;
    slot.placed = place_roi(c.x, c.y, radius, e.width(), e.height(), slot.x0, slot.y0);
  });
  auto roi_of = [&](int64_t i, float* roi) {
    const ImageF& e = electrons[frame_of[i]];
    extract_roi(e.data(), e.width(), slots[i].x0, slots[i].y0, size, size, roi);
  };

  if (lm_) {
    // All ROIs of the batch in one batched fit.
    std::vector<int64_t> placed;
    for (int64_t i = 0; i < total; ++i)
      if (slots[i].placed) placed.push_back(i);
    const int64_t n = static_cast<int64_t>(placed.size()), npix = int64_t{size} * size;
    RoiBatch batch;
    batch.w = batch.h = size;
    batch.initial_sigma_px = settings_.fit.initial_sigma_px;
    batch.pixels.resize(static_cast<size_t>(n * npix));
    kernels::parallel_for(n, [&](int64_t b) { roi_of(placed[b], batch.pixels.data() + b * npix); });
    const std::vector<LmResult> results = lm_->fit(batch);
    kernels::parallel_for(n, [&](int64_t b) {
      Slot& slot = slots[placed[b]];
      slot.fit = to_fit_result(results[b]);
      slot.outcome = fitter_.usable(slot.fit, size, size) ? Outcome::fitted : Outcome::rejected;
    });
  } else {
    kernels::parallel_for(total, [&](int64_t i) {
      Slot& slot = slots[i];
      if (!slot.placed) return;
      float roi[G::kMaxRoi * G::kMaxRoi];
      roi_of(i, roi);
      slot.fit = fitter_.fit(roi, size, size, nullptr);
      slot.outcome = fitter_.usable(slot.fit, size, size) ? Outcome::fitted : Outcome::rejected;
    });
  }

  LocalizationTable table;
  for (std::string_view name : {col::frame, col::x, col::y, col::sigma, col::intensity, col::offset,
                                col::bkgstd, col::uncertainty_xy, col::loglikelihood})
    table.add_column(name);

  int64_t fitted = 0, rejected = 0;
  for (const Slot& s : slots) {
    fitted += s.outcome == Outcome::fitted;
    rejected += s.outcome == Outcome::rejected;
  }
  table.resize(static_cast<size_t>(fitted));
  std::vector<double>* cols[] = {&table[col::frame],
                                 &table[col::x],
                                 &table[col::y],
                                 &table[col::sigma],
                                 &table[col::intensity],
                                 &table[col::offset],
                                 &table[col::bkgstd],
                                 &table[col::uncertainty_xy],
                                 &table[col::loglikelihood]};
  const double px = camera_.pixel_size_nm, qe = camera_.qe;
  const double excess = camera_.excess_noise_factor();
  size_t row = 0;
  for (int64_t f = 0; f < nf; ++f)
    for (int64_t i = first[f]; i < first[f + 1]; ++i) {
      const Slot& s = slots[i];
      if (s.outcome != Outcome::fitted) continue;
      const double* t = s.fit.theta;
      const double var_xy = 0.5 * (s.fit.crlb[G::kX] + s.fit.crlb[G::kY]) * excess;
      const double v[] = {static_cast<double>(first_frame + f),
                          (s.x0 + t[G::kX] + 0.5) * px,
                          (s.y0 + t[G::kY] + 0.5) * px,
                          t[G::kSigma] * px,
                          t[G::kN] / qe,
                          t[G::kBg] / qe,
                          s.fit.bkgstd / qe,
                          std::sqrt(var_xy) * px,
                          s.fit.log_likelihood};
      for (size_t c = 0; c < std::size(cols); ++c) (*cols[c])[row] = v[c];
      ++row;
    }

  stats_.frames += nf;
  stats_.candidates += total;
  stats_.fitted += fitted;
  stats_.rejected += rejected;
  return table;
}

}  // namespace smlm::localization
