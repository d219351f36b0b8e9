// Localizer: frames in parallel for conversion and detection, then all ROIs of the batch in
// parallel for fitting, each result written to its candidate's slot so the order never depends
// on the threads. With the LM fitter on a GPU, detection runs there too (BatchDetector) and the
// ROIs never leave it.
#include "localization/localizer.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/batch_fit_kernel.h"
#include "localization/detect_batch.h"
#include "localization/lm_models.h"
#include "localization/roi.h"
#include "psf/roi_size.h"

namespace smlm::localization {

namespace {

using G = psf::IntegratedGaussian;

const CameraModel& validated(const CameraModel& camera) {
  camera.validate();
  return camera;
}

// s with its automatic values resolved: the detection's NMS radius.
LocalizeSettings resolved(LocalizeSettings s) {
  if (s.detection.nms_radius == 0) s.detection.nms_radius = default_nms_radius(s);
  return s;
}

const FitSettings& validated(const CameraModel& camera, const LocalizeSettings& s) {
  s.detection.validate();
  s.fit.validate();
  if (s.camera_maps) {
    s.camera_maps->validate();
    s.camera_maps->check_camera(camera);
  }
  SMLM_CHECK(s.min_p_value >= 0 && s.min_p_value < 1,
             "minimum goodness-of-fit p-value must be in [0, 1), got " << s.min_p_value);
  if (s.multi_emitter) {
    const int most = lm_max_emitters(s.is_3d() ? 4 : 3);
    SMLM_CHECK(s.max_emitters >= 0 && s.max_emitters <= most,
               "max emitters must be 1.."
                   << most << (s.is_3d() ? " with a 3D model (x, y, N, z each)" : "") << ", got "
                   << s.max_emitters);
    SMLM_CHECK(2 * s.fit.roi_radius + 1 <= LmIntegratedGaussian::kMaxSide,
               "multi-emitter fitting takes ROIs up to "
                   << LmIntegratedGaussian::kMaxSide
                   << " px (fit single emitters for larger ROIs)");
  }
  return s.fit;
}

// merged: a multi-emitter fit whose emitters all belong to other candidates' ROIs.
enum class Outcome : uint8_t { skipped, rejected, fitted, merged };

struct Slot {
  Outcome outcome = Outcome::skipped;
  bool placed = false;  // the ROI fits in the frame
  int x0 = 0, y0 = 0;   // ROI origin in the frame
  int cx = 0, cy = 0;   // the candidate's pixel
  FitResult fit{};
  // Multi-emitter fits: the further emitters this ROI reports (fit is the first).
  int extra = 0;
  FitResult more[kLmMaxEmitters - 1];
};

BatchModel batch_model(const CameraModel& camera, const LocalizeSettings& s) {
  if (!s.is_3d()) return BatchModel::integrated_gaussian();
  SMLM_CHECK(s.calibration != nullptr,
             "3D localization (" << to_string(s.psf) << ") needs a PSF calibration");
  SMLM_CHECK(s.fit.fitter == Fitter::lm,
             "3D localization runs on the lm fitter (the ceres fitter fits the 2D Gaussian only)");
  const double cal_px = s.calibration->pixel_size_nm;
  SMLM_CHECK(std::fabs(cal_px - camera.pixel_size_nm) <= 0.01 * camera.pixel_size_nm,
             "the PSF calibration was made with " << cal_px << " nm pixels, the camera has "
                                                  << camera.pixel_size_nm << " nm");
  if (s.psf == PsfModel::astigmatic) return BatchModel::of(s.calibration->astigmatic_model());
  return BatchModel::of(s.calibration->spline_model());
}

// Single-emitter fits of one frame that converged within `distance` px of each other fit one
// molecule (a defocused 3D spot's band-passed image has several maxima; two candidates in one
// spot): each such fit is merged into the other when its position lies farther from its own
// candidate than the other's does (a strict order, so one of every group stays: the fit from the
// best-centred ROI, which the ROI's border truncates least). Sorted by x, so a frame costs
// O(n log n) plus its close pairs.
void merge_duplicates(std::span<Slot> frame, double distance) {
  struct Fit {
    double x, y, own;  // position in the frame; squared distance to its candidate
    Slot* slot;
  };
  std::vector<Fit> fits;
  for (Slot& s : frame)
    if (s.outcome == Outcome::fitted) {
      const double x = s.x0 + s.fit.theta[0], y = s.y0 + s.fit.theta[1];
      fits.push_back({x, y, (x - s.cx) * (x - s.cx) + (y - s.cy) * (y - s.cy), &s});
    }
  if (fits.size() < 2) return;
  std::sort(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) { return a.x < b.x; });
  const double d2 = distance * distance;
  // Worse in the order: farther from its own candidate; ties: the later slot.
  auto worse = [](const Fit& a, const Fit& b) {
    return a.own > b.own || (a.own == b.own && a.slot > b.slot);
  };
  std::vector<char> drop(fits.size(), 0);
  for (size_t i = 0; i < fits.size(); ++i)
    for (size_t j = i + 1; j < fits.size() && fits[j].x - fits[i].x < distance; ++j) {
      const double dx = fits[j].x - fits[i].x, dy = fits[j].y - fits[i].y;
      if (dx * dx + dy * dy >= d2) continue;
      drop[worse(fits[i], fits[j]) ? i : j] = 1;
    }
  for (size_t i = 0; i < fits.size(); ++i)
    if (drop[i]) fits[i].slot->outcome = Outcome::merged;
}

}  // namespace

int default_roi_side(const LocalizeSettings& s) {
  const int max_side =
      s.fit.fitter == Fitter::lm || s.is_3d() ? LmIntegratedGaussian::kMaxSide : G::kMaxRoi - 1;
  if (!s.is_3d())
    return psf::roi_side_for_fraction(s.fit.initial_sigma_px, kRoiPhotonFraction, max_side);
  SMLM_CHECK(s.calibration != nullptr,
             "3D localization (" << to_string(s.psf) << ") needs a PSF calibration");
  if (s.psf == PsfModel::astigmatic) {
    const psf::AstigmaticGaussian m = s.calibration->astigmatic_model();
    return psf::roi_side_for_fraction(m, m.z_min_px(), m.z_max_px(), kRoiPhotonFraction, max_side);
  }
  const psf::CubicSplinePsf m = s.calibration->spline_model();
  return psf::roi_side_for_fraction(m, m.z_min_px(), m.z_max_px(), kRoiPhotonFraction, max_side);
}

int default_nms_radius(const LocalizeSettings& s) {
  return s.is_3d() ? std::max(1, s.fit.roi_radius / 2) : 1;
}

double default_duplicate_distance_px(const LocalizeSettings& s) {
  if (!s.is_3d()) return 0;
  SMLM_CHECK(s.calibration != nullptr,
             "3D localization (" << to_string(s.psf) << ") needs a PSF calibration");
  if (s.psf == PsfModel::astigmatic) {
    const psf::AstigmaticGaussian m = s.calibration->astigmatic_model();
    return psf::narrowest_sigma_px(m, m.z_min_px(), m.z_max_px());
  }
  const psf::CubicSplinePsf m = s.calibration->spline_model();
  return psf::narrowest_sigma_px(m, m.z_min_px(), m.z_max_px());
}

PsfModel parse_psf_model(std::string_view text) {
  if (text == "gaussian" || text == "2d") return PsfModel::integrated_gaussian;
  if (text == "astigmatic") return PsfModel::astigmatic;
  if (text == "spline") return PsfModel::spline;
  throw Error("PSF model '" + std::string(text) + "' is not gaussian, astigmatic or spline");
}

const char* to_string(PsfModel m) {
  switch (m) {
    case PsfModel::astigmatic:
      return "astigmatic";
    case PsfModel::spline:
      return "spline";
    default:
      return "gaussian";
  }
}

Localizer::Localizer(const CameraModel& camera, const LocalizeSettings& s)
    : camera_(validated(camera)),
      settings_(resolved(s)),
      fitter_(validated(camera_, settings_)),
      rows_(camera_) {
  SMLM_CHECK(
      !s.duplicate_distance_px ||
          (std::isfinite(*s.duplicate_distance_px) && *s.duplicate_distance_px >= 0),
      "duplicate distance must be a finite number >= 0 px, got " << *s.duplicate_distance_px);
  duplicate_px_ =
      s.duplicate_distance_px ? *s.duplicate_distance_px : default_duplicate_distance_px(settings_);
  if (s.fit.fitter == Fitter::lm || s.is_3d()) {
    const BatchModel model = batch_model(camera_, s);
    lm_ = std::make_unique<BatchFitter>(
        model.default_settings(s.fit.fixed_sigma, s.fit.max_iterations), model, s.fit.device);
    // z [px of the model] → nm: the calibration's pixel, which matches the camera's within 1 %.
    if (s.is_3d())
      rows_ = FitRows(camera_, s.calibration->pixel_size_nm,
                      s.psf == PsfModel::astigmatic ? &lm_->model().astigmatic : nullptr);
    // Multi-emitter fits need each ROI's neighbours, and background models the frames, which the
    // CPU's detection has.
    if (s.fit.device.is_cuda() && !s.multi_emitter && !s.roi_background)
      detector_ =
          std::make_unique<BatchDetector>(camera_, s.detection, s.fit.roi_radius, s.fit.device);
  }
  if (s.multi_emitter) {  // x, y, N per emitter (one σ); x, y, N, z in 3D
    const int per_emitter = s.is_3d() ? 4 : 3;
    multi_ = multi_fit_settings(s.max_emitters > 0 ? s.max_emitters : lm_max_emitters(per_emitter),
                                s.multi_p_value, per_emitter);
  }
}

Localizer::~Localizer() = default;
Localizer::Localizer(Localizer&&) noexcept = default;
Localizer& Localizer::operator=(Localizer&&) noexcept = default;

LocalizationTable Localizer::localize(const FrameWindow& window) {
  SMLM_ASSERT(window.before == 0 && window.after == 0);
  return localize(window.frames, window.first_frame);
}

std::string Localizer::summary() const {
  std::ostringstream os;
  os << stats_.frames << " frames: " << stats_.fitted << " localizations (" << stats_.candidates
     << " candidates, " << stats_.rejected << " rejected fits; ";
  if (settings_.multi_emitter || stats_.merged > 0)
    os << stats_.merged << " candidates merged into neighbours' fits; ";
  os << to_string(settings_.fit.fitter) << " fitter, " << to_string(settings_.psf) << " PSF, "
     << 2 * settings_.fit.roi_radius + 1 << " px ROIs, "
     << (settings_.multi_emitter ? "multi-emitter <= " + std::to_string(multi_.max_emitters) + ", "
                                 : std::string())
     << (settings_.camera_maps ? "sCMOS maps, " : "")
     << (settings_.roi_background
             ? settings_.roi_background->describe() +
                   (settings_.background_use == BackgroundUse::subtract ? " subtracted, "
                                                                        : " in the likelihood, ")
             : std::string())
     << "on " << settings_.fit.device.name() << ")";
  return os.str();
}

PixelCamera Localizer::pixel_camera(int w, int h) const {
  PixelCamera c{camera_, {}};
  if (settings_.camera_maps)
    c.maps = settings_.camera_maps->frame_view(w, h, settings_.camera_maps_origin);
  return c;
}

LocalizationTable Localizer::localize(const std::vector<ImageF>& frames, int64_t first_frame) {
  const int64_t nf = static_cast<int64_t>(frames.size());
  const int radius = settings_.fit.roi_radius, size = 2 * radius + 1;
  const bool is_3d = settings_.is_3d();
  // An LM result into its slot, judged by the rejection rule.
  const double min_p = settings_.min_p_value;
  auto good = [&](const FitResult& f) { return min_p <= 0 || f.p_value >= min_p; };
  auto judge = [&](const LmResult& r, Slot& slot) {
    slot.fit = to_fit_result(r);
    const bool ok = is_3d ? usable_3d(slot.fit, lm_->settings(), size, size)
                          : fitter_.usable(slot.fit, size, size);
    slot.outcome = ok && good(slot.fit) ? Outcome::fitted : Outcome::rejected;
  };

  std::vector<int64_t> first(nf + 1, 0);  // first candidate index of each frame
  std::vector<Slot> slots;
  if (detector_) {
    // On the GPU, from upload to fits: each run of frames of one size is one detector batch whose
    // ROIs the fitter takes where they are; only candidates and fit results come back.
    std::vector<LmResult> results;
    for (int64_t a = 0, b = 0; a < nf; a = b) {
      b = a + 1;
      while (b < nf && frames[b].width() == frames[a].width() &&
             frames[b].height() == frames[a].height())
        ++b;
      detector_->run(std::span<const ImageF>(frames).subspan(a, b - a),
                     pixel_camera(frames[a].width(), frames[a].height()).maps);
      const std::vector<BatchCandidate>& c = detector_->candidates();
      const int64_t n = static_cast<int64_t>(c.size());
      const bool placed = detector_->has_rois();
      results.resize(placed ? n : 0);
      if (placed)
        lm_->fit_resident(detector_->roi_pixels(), n, size, size, settings_.fit.initial_sigma_px,
                          results.data(), detector_->roi_variance());
      const size_t base = slots.size();
      slots.resize(base + n);
      kernels::parallel_for(n, [&](int64_t k) {
        Slot& slot = slots[base + k];
        slot.placed = placed;
        slot.x0 = c[k].x0;
        slot.y0 = c[k].y0;
        slot.cx = c[k].x;
        slot.cy = c[k].y;
        if (placed) judge(results[k], slot);
      });
      for (const BatchCandidate& k : c) ++first[a + k.frame + 1];
    }
    for (int64_t f = 0; f < nf; ++f) first[f + 1] += first[f];
  } else {
    std::vector<ImageF> electrons(nf);
    std::vector<PixelCamera> cameras(nf);  // per frame: its maps' view (by its size)
    for (int64_t f = 0; f < nf; ++f)
      cameras[f] = f > 0 && frames[f].width() == frames[f - 1].width() &&
                           frames[f].height() == frames[f - 1].height()
                       ? cameras[f - 1]
                       : pixel_camera(frames[f].width(), frames[f].height());
    std::vector<std::vector<Candidate>> candidates(nf);
    kernels::parallel_for(nf, [&](int64_t f) {
      const ImageF& adu = frames[f];
      ImageF& e = electrons[f];
      e = ImageF(adu.width(), adu.height());
      adu_to_electrons(cameras[f], adu.data(), adu.width(), adu.height(), e.data());
      candidates[f] = detect(e, settings_.detection);
    });

    for (int64_t f = 0; f < nf; ++f)
      first[f + 1] = first[f] + static_cast<int64_t>(candidates[f].size());
    const int64_t total = first[nf];

    slots.resize(total);
    std::vector<int64_t> frame_of(total);
    kernels::parallel_for(total, [&](int64_t i) {
      const int64_t f = std::upper_bound(first.begin(), first.end(), i) - first.begin() - 1;
      const Candidate& c = candidates[f][i - first[f]];
      const ImageF& e = electrons[f];
      Slot& slot = slots[i];
      frame_of[i] = f;
      slot.cx = c.x;
      slot.cy = c.y;
      slot.placed = place_roi(c.x, c.y, radius, e.width(), e.height(), slot.x0, slot.y0);
    });
    // A background model's map b of every placed ROI (roi_background.h). In the likelihood, b
    // enters as a known term b − c, c = ½·min b, so that the constant bg fitted on top (bounded
    // below by ~0, as every fit's) can correct the map by −c … +∞: a bound at the true value
    // would bias bg up and N down. Reported offsets are bg − c + mean b (subtracted: bg + mean b),
    // the ROI's mean background as without a model.
    const int64_t roi_pixels = int64_t{size} * size;
    const bool use_background = settings_.roi_background != nullptr;
    const bool in_likelihood =
        use_background && settings_.background_use == BackgroundUse::likelihood;
    std::vector<float> background;
    std::vector<int64_t> background_at;  // slot → its map's index, or -1
    std::vector<double> background_c, background_mean;
    if (use_background) {
      std::vector<RoiPlace> places;
      background_at.assign(static_cast<size_t>(total), -1);
      for (int64_t i = 0; i < total; ++i)
        if (slots[i].placed) {
          background_at[i] = static_cast<int64_t>(places.size());
          places.push_back({frame_of[i], slots[i].x0, slots[i].y0});
        }
      const int64_t m = static_cast<int64_t>(places.size());
      background.resize(static_cast<size_t>(m * roi_pixels));
      settings_.roi_background->estimate(electrons, places, size, background.data());
      background_c.resize(static_cast<size_t>(m));
      background_mean.resize(static_cast<size_t>(m));
      for (int64_t k = 0; k < m; ++k) {
        const float* b = background.data() + k * roi_pixels;
        double mn = b[0], sum = 0;
        for (int64_t j = 0; j < roi_pixels; ++j) {
          SMLM_CHECK(std::isfinite(b[j]) && b[j] >= 0, settings_.roi_background->describe()
                                                           << " gave a background of " << b[j]
                                                           << " e-/px: not a count");
          mn = std::min<double>(mn, b[j]);
          sum += b[j];
        }
        background_c[k] = in_likelihood ? 0.5 * mn : 0.0;
        background_mean[k] = sum / static_cast<double>(roi_pixels);
      }
    }
    // The ROI's data minus the map (less c in the likelihood).
    auto roi_of = [&](int64_t i, float* roi) {
      const ImageF& e = electrons[frame_of[i]];
      extract_roi(e.data(), e.width(), slots[i].x0, slots[i].y0, size, size, roi);
      if (use_background) {
        const float* b = background.data() + background_at[i] * roi_pixels;
        const float c = static_cast<float>(background_c[background_at[i]]);
        for (int64_t k = 0; k < roi_pixels; ++k) roi[k] -= b[k] - c;
      }
    };
    // The known per-pixel term the likelihood adds to data and model (lm_fit.h): sCMOS, the ROI's
    // read-noise variances [e⁻²] from the maps at its place on the sensor; a background model's
    // map in the likelihood, b − c (the data d − (b − c) + (b − c) are d, the model μ + b − c).
    const bool scmos = settings_.camera_maps != nullptr;
    const bool known = scmos || in_likelihood;
    auto variance_of = [&](int64_t i, float* variance) {
      if (scmos) {
        PixelCamera c = cameras[frame_of[i]];
        c.maps = c.maps.shifted(slots[i].x0, slots[i].y0);
        variance_e2(c, size, size, variance);
      } else {
        std::fill_n(variance, roi_pixels, 0.f);
      }
      if (in_likelihood) {
        const float* b = background.data() + background_at[i] * roi_pixels;
        const float c = static_cast<float>(background_c[background_at[i]]);
        for (int64_t k = 0; k < roi_pixels; ++k) variance[k] += b[k] - c;
      }
    };

    if (settings_.multi_emitter) {
      // Each placed ROI with the other candidates inside it as seeds (nearest first).
      constexpr int kSeeds = MultiFitKernel<GaussianEmitterPsf>::kMaxSeeds;
      std::vector<int64_t> placed;
      for (int64_t i = 0; i < total; ++i)
        if (slots[i].placed) placed.push_back(i);
      const int64_t n = static_cast<int64_t>(placed.size()), npix = int64_t{size} * size;
      RoiBatch batch;
      batch.w = batch.h = size;
      batch.initial_sigma_px = settings_.fit.initial_sigma_px;
      batch.pixels.resize(static_cast<size_t>(n * npix));
      batch.seeds.assign(static_cast<size_t>(n * 2 * kSeeds), NAN);
      if (known) batch.variance.resize(batch.pixels.size());
      // The candidates of frame f with y in [y_lo, y_hi] (they are in raster order).
      auto rows = [&](int64_t f, double y_lo, double y_hi) {
        const std::vector<Candidate>& c = candidates[f];
        auto lo = std::lower_bound(c.begin(), c.end(), y_lo,
                                   [](const Candidate& a, double y) { return a.y < y; });
        auto hi = std::upper_bound(lo, c.end(), y_hi,
                                   [](double y, const Candidate& a) { return y < a.y; });
        return std::span<const Candidate>(lo, hi);
      };
      kernels::parallel_for(n, [&](int64_t b) {
        const int64_t i = placed[b], f = frame_of[i];
        const Slot& slot = slots[i];
        roi_of(i, batch.pixels.data() + b * npix);
        if (known) variance_of(i, batch.variance.data() + b * npix);
        const Candidate& c = candidates[f][i - first[f]];
        std::pair<int, const Candidate*> near[kSeeds];
        int m = 0;
        for (const Candidate& o : rows(f, slot.y0, slot.y0 + size - 1)) {
          if (&o == &c || o.x < slot.x0 || o.x >= slot.x0 + size) continue;
          const int d2 = (o.x - c.x) * (o.x - c.x) + (o.y - c.y) * (o.y - c.y);
          int at = m < kSeeds ? m++ : kSeeds;
          while (at > 0 && near[at - 1].first > d2) {
            if (at < kSeeds) near[at] = near[at - 1];
            --at;
          }
          if (at < kSeeds) near[at] = {d2, &o};
        }
        double* sd = batch.seeds.data() + b * 2 * kSeeds;
        for (int k = 0; k < m; ++k) {
          sd[2 * k] = near[k].second->x - slot.x0;
          sd[2 * k + 1] = near[k].second->y - slot.y0;
        }
      });
      std::vector<MultiFitResult> results;
      if (lm_) {
        // Single fits first, the same batched fit as without MFA. The search (which starts with
        // that same single fit) runs only on the ROIs where it can change something: ROIs that
        // hold other candidates, single fits that converged but are not usable (a blend fitted
        // as one wide spot), and fits whose deviance leaves room for more emitters (may_grow,
        // the search's own gate). On sparse movies that is a few per cent of the ROIs, so MFA
        // costs little there; the results are the search's in every ROI.
        const std::vector<LmResult> single = lm_->fit(batch);
        results.resize(static_cast<size_t>(n));
        std::vector<int64_t> search;
        for (int64_t b = 0; b < n; ++b) {
          const LmResult& r = single[b];
          results[b].fit = r;
          results[b].emitters = r.status == LmStatus::converged ? 1 : 0;
          if (multi_.max_emitters < 2 || r.status != LmStatus::converged) continue;
          const FitResult f = to_fit_result(r);
          const bool usable =
              is_3d ? usable_3d(f, lm_->settings(), size, size) : fitter_.usable(f, size, size);
          if (!std::isnan(batch.seeds[b * 2 * kSeeds]) || !usable ||
              multi_detail::may_grow(r, multi_.params_per_emitter, multi_))
            search.push_back(b);
        }
        if (!search.empty()) {
          RoiBatch sub;
          sub.w = sub.h = size;
          sub.initial_sigma_px = batch.initial_sigma_px;
          const int64_t m = static_cast<int64_t>(search.size());
          sub.pixels.resize(static_cast<size_t>(m * npix));
          sub.seeds.resize(static_cast<size_t>(m * 2 * kSeeds));
          if (known) sub.variance.resize(sub.pixels.size());
          kernels::parallel_for(m, [&](int64_t k) {
            const int64_t b = search[k];
            std::copy_n(batch.pixels.begin() + b * npix, npix, sub.pixels.begin() + k * npix);
            std::copy_n(batch.seeds.begin() + b * 2 * kSeeds, 2 * kSeeds,
                        sub.seeds.begin() + k * 2 * kSeeds);
            if (known)
              std::copy_n(batch.variance.begin() + b * npix, npix, sub.variance.begin() + k * npix);
          });
          std::vector<LmResult> known(static_cast<size_t>(m));
          for (int64_t k = 0; k < m; ++k) known[k] = single[search[k]];
          std::vector<MultiFitResult> searched;
          lm_->fit_multi(sub, multi_, searched, known.data());
          for (int64_t k = 0; k < m; ++k) results[search[k]] = searched[k];
        }
      } else {  // Ceres: the same model and search
        results.resize(static_cast<size_t>(n));
        kernels::parallel_for(n, [&](int64_t b) {
          const double* sd = batch.seeds.data() + b * 2 * kSeeds;
          int m = 0;
          while (m < kSeeds && !std::isnan(sd[2 * m])) ++m;
          results[b] = fitter_.fit_multi(batch.pixels.data() + b * npix, size, size, sd, m, multi_,
                                         known ? batch.variance.data() + b * npix : nullptr);
        });
      }
      // Each emitter is kept by the ROI of the candidate nearest to it, and only there.
      kernels::parallel_for(n, [&](int64_t b) {
        const int64_t i = placed[b], f = frame_of[i];
        Slot& slot = slots[i];
        const MultiFitResult& r = results[b];
        const Candidate* own = &candidates[f][i - first[f]];
        int kept = 0;
        bool any_usable = false;
        for (int e = 0; e < r.emitters; ++e) {
          const FitResult fe = emitter_fit_result(r.fit, e, multi_.params_per_emitter);
          const bool ok =
              is_3d ? usable_3d(fe, lm_->settings(), size, size) : fitter_.usable(fe, size, size);
          if (!ok || !good(fe)) continue;
          any_usable = true;
          const double x = slot.x0 + fe.theta[G::kX], y = slot.y0 + fe.theta[G::kY];
          const Candidate* best = own;
          double best_d2 = (x - own->x) * (x - own->x) + (y - own->y) * (y - own->y);
          const double reach = std::sqrt(best_d2);
          for (const Candidate& o : rows(f, y - reach, y + reach)) {
            const double d2 = (x - o.x) * (x - o.x) + (y - o.y) * (y - o.y);
            if (d2 < best_d2 || (d2 == best_d2 && &o < best)) best_d2 = d2, best = &o;
          }
          if (best != own) continue;
          (kept == 0 ? slot.fit : slot.more[kept - 1]) = fe;
          ++kept;
        }
        slot.extra = kept > 0 ? kept - 1 : 0;
        slot.outcome =
            kept > 0 ? Outcome::fitted : (any_usable ? Outcome::merged : Outcome::rejected);
      });
    } else if (lm_) {
      // All ROIs of the batch in one batched fit.
      std::vector<int64_t> placed;
      for (int64_t i = 0; i < total; ++i)
        if (slots[i].placed) placed.push_back(i);
      const int64_t n = static_cast<int64_t>(placed.size()), npix = int64_t{size} * size;
      RoiBatch batch;
      batch.w = batch.h = size;
      batch.initial_sigma_px = settings_.fit.initial_sigma_px;
      batch.pixels.resize(static_cast<size_t>(n * npix));
      if (known) batch.variance.resize(batch.pixels.size());
      kernels::parallel_for(n, [&](int64_t b) {
        roi_of(placed[b], batch.pixels.data() + b * npix);
        if (known) variance_of(placed[b], batch.variance.data() + b * npix);
      });
      const std::vector<LmResult> results = lm_->fit(batch);
      kernels::parallel_for(n, [&](int64_t b) { judge(results[b], slots[placed[b]]); });
    } else {
      kernels::parallel_for(total, [&](int64_t i) {
        Slot& slot = slots[i];
        if (!slot.placed) return;
        float roi[G::kMaxRoi * G::kMaxRoi], variance[G::kMaxRoi * G::kMaxRoi];
        roi_of(i, roi);
        if (known) variance_of(i, variance);
        slot.fit = fitter_.fit(roi, size, size, nullptr, known ? variance : nullptr);
        slot.outcome = fitter_.usable(slot.fit, size, size) && good(slot.fit) ? Outcome::fitted
                                                                              : Outcome::rejected;
      });
    }
    if (use_background)  // offsets: the ROI's mean background (see above)
      kernels::parallel_for(total, [&](int64_t i) {
        Slot& slot = slots[i];
        if (!slot.placed) return;
        const double add = background_mean[background_at[i]] - background_c[background_at[i]];
        slot.fit.theta[G::kBg] += add;
        for (int e = 0; e < slot.extra; ++e) slot.more[e].theta[G::kBg] += add;
      });
  }
  const int64_t total = first[nf];
  if (!settings_.multi_emitter && duplicate_px_ > 0)
    kernels::parallel_for(nf, [&](int64_t f) {
      merge_duplicates(std::span<Slot>(slots).subspan(first[f], first[f + 1] - first[f]),
                       duplicate_px_);
    });

  int64_t fitted = 0, rejected = 0, merged = 0;
  for (const Slot& s : slots) {
    fitted += s.outcome == Outcome::fitted ? 1 + s.extra : 0;
    rejected += s.outcome == Outcome::rejected;
    merged += s.outcome == Outcome::merged;
  }
  stats_.frames += nf;
  stats_.candidates += total;
  stats_.fitted += fitted;
  stats_.rejected += rejected;
  stats_.merged += merged;

  LocalizationTable table = rows_.table(static_cast<size_t>(fitted));
  size_t row = 0;
  for (int64_t f = 0; f < nf; ++f)
    for (int64_t i = first[f]; i < first[f + 1]; ++i) {
      const Slot& s = slots[i];
      if (s.outcome != Outcome::fitted) continue;
      rows_.write(table, row++, first_frame + f, s.x0, s.y0, s.fit);
      for (int e = 0; e < s.extra; ++e)
        rows_.write(table, row++, first_frame + f, s.x0, s.y0, s.more[e]);
    }
  return table;
}

}  // namespace smlm::localization
