// MleRefiner: ROIs around the candidates, converted and started as the classic pipeline would
// start them but at the net's position, one batched LM fit, the rejection rules, FitRows.
#include "localization/refine.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "localization/lm_models.h"
#include "localization/roi.h"
#include "simulation/psf_spec.h"

namespace smlm::localization {

namespace {
using G = psf::IntegratedGaussian;
constexpr int kZ = psf::AstigmaticGaussian::kZ;

RefineSettings validated(const CameraModel& camera, RefineSettings s) {
  camera.validate();
  s.fit.fitter = Fitter::lm;
  s.fit.validate();
  SMLM_CHECK(s.max_shift_px > 0,
             "refinement: maximum shift must be positive, got " << s.max_shift_px);
  if (s.camera_maps) {
    s.camera_maps->validate();
    s.camera_maps->check_camera(camera);
  }
  if (s.is_3d()) {
    SMLM_CHECK(s.calibration != nullptr,
               "3D refinement (" << to_string(s.psf) << ") needs a PSF calibration");
    const double cal_px = s.calibration->pixel_size_nm;
    SMLM_CHECK(std::fabs(cal_px - camera.pixel_size_nm) <= 0.01 * camera.pixel_size_nm,
               "the PSF calibration was made with " << cal_px << " nm pixels, the camera has "
                                                    << camera.pixel_size_nm << " nm");
  }
  return s;
}

BatchModel batch_model(const RefineSettings& s) {
  if (s.psf == PsfModel::astigmatic) return BatchModel::of(s.calibration->astigmatic_model());
  if (s.psf == PsfModel::spline) return BatchModel::of(s.calibration->spline_model());
  return BatchModel::integrated_gaussian();
}

// The 3D start of a candidate at (x, y) [ROI px] with z [model px], or without one the z of the
// model's own start (its z scan); N and bg by least squares at that position.
template <class Model>
void start_3d(const Model& model, const float* roi, int side, double x, double y,
              std::optional<double> z, double z_lo, double z_hi, double* theta) {
  if (z) {
    theta[Model::kZ] = std::clamp(*z, z_lo, z_hi);  // the LM's bounds (a net may overshoot them)
  } else {
    model.initial_theta(roi, side, side, theta);
  }
  theta[Model::kX] = x;
  theta[Model::kY] = y;
  double mn = *std::min_element(roi, roi + side * side);
  mn = mn > 0 ? mn : 0.0;
  double f[kLmMaxPixels];
  photons_background_at(model, roi, side, side, mn, theta, f);
}
}  // namespace

MleRefiner::MleRefiner(const CameraModel& camera, const RefineSettings& settings)
    : camera_(camera), settings_(validated(camera, settings)), rule_(settings_.fit), rows_(camera) {
  const BatchModel model = batch_model(settings_);
  lm_ = std::make_unique<BatchFitter>(
      model.default_settings(settings_.fit.fixed_sigma, settings_.fit.max_iterations), model,
      settings_.fit.device);
  // z [model px] → nm: the calibration's pixel, which matches the camera's within 1 %.
  if (settings_.is_3d())
    rows_ = FitRows(camera_, settings_.calibration->pixel_size_nm,
                    settings_.psf == PsfModel::astigmatic ? &lm_->model().astigmatic : nullptr);
}

MleRefiner::MleRefiner(const CameraModel& camera, FitSettings fit, double max_shift_px)
    : MleRefiner(camera, [&] {
        RefineSettings s;
        s.fit = fit;
        s.max_shift_px = max_shift_px;
        return s;
      }()) {}

std::unique_ptr<MleRefiner> MleRefiner::for_net(const CameraModel& camera,
                                                const NetRefineOptions& options,
                                                const TrainedPsf& trained) {
  RefineSettings s = options.refine;
  if (!trained.is_3d()) {
    SMLM_CHECK(!s.is_3d(),
               "--psf: the net is 2D; its --refine mle fits the integrated Gaussian "
               "(set its sigma with --psf-sigma)");
    s.fit.initial_sigma_px =
        (options.psf_sigma_nm > 0 ? options.psf_sigma_nm : trained.sigma_nm) / camera.pixel_size_nm;
    return std::make_unique<MleRefiner>(camera, s);
  }
  SMLM_CHECK(options.psf_sigma_nm <= 0,
             "--psf-sigma: the net is 3D; its --refine mle fits a 3D PSF (--psf FILE, or the "
             "net's own)");
  if (!s.is_3d()) {
    try {
      s.calibration = simulation::psf_spec_calibration(
          trained.spec, trained.z_min_nm, trained.z_max_nm, trained.pixel_size_nm, "the net's PSF");
    } catch (const Error& e) {
      throw Error("--refine mle: the PSF the net was trained on ('" + trained.spec +
                  "') cannot be loaded (" + e.what() + "); give its calibration with --psf FILE");
    }
    s.psf = parse_psf_model(s.calibration->model);
  }
  if (!options.roi_given) {
    LocalizeSettings ls;
    ls.psf = s.psf;
    ls.calibration = s.calibration;
    ls.fit.fitter = Fitter::lm;
    s.fit.roi_radius = default_roi_side(ls) / 2;
  }
  return std::make_unique<MleRefiner>(camera, s);
}

MleRefiner::~MleRefiner() = default;
MleRefiner::MleRefiner(MleRefiner&&) noexcept = default;
MleRefiner& MleRefiner::operator=(MleRefiner&&) noexcept = default;

LocalizationTable MleRefiner::refine(const std::vector<ImageF>& frames, int64_t first_frame,
                                     const std::vector<RefineCandidate>& candidates) {
  const int radius = settings_.fit.roi_radius, size = 2 * radius + 1;
  const int64_t npix = int64_t{size} * size;
  const bool is_3d = settings_.is_3d(), scmos = settings_.camera_maps != nullptr;
  const BatchModel& model = lm_->model();
  const LmSettings& lm = lm_->settings();
  struct Item {
    int frame, x0, y0;
    double x, y;  // the candidate [ROI px]
  };
  std::vector<Item> items;
  RoiBatch batch;
  batch.w = batch.h = size;
  batch.initial_sigma_px = settings_.fit.initial_sigma_px;
  std::vector<float> adu(npix), roi(npix), variance(npix);
  // Each frame size's view of the maps (frames of a movie share one).
  int view_w = -1, view_h = -1;
  PixelCamera frame_camera{camera_, {}};
  for (const RefineCandidate& c : candidates) {
    SMLM_ASSERT(c.frame >= 0 && c.frame < static_cast<int>(frames.size()));
    const ImageF& f = frames[c.frame];
    const int cx = static_cast<int>(std::lround(c.x)), cy = static_cast<int>(std::lround(c.y));
    int x0, y0;
    if (!place_roi(std::clamp(cx, 0, f.width() - 1), std::clamp(cy, 0, f.height() - 1), radius,
                   f.width(), f.height(), x0, y0)) {
      ++stats_.rejected;
      continue;
    }
    if (scmos && (f.width() != view_w || f.height() != view_h)) {
      view_w = f.width(), view_h = f.height();
      frame_camera.maps =
          settings_.camera_maps->frame_view(view_w, view_h, settings_.camera_maps_origin);
    }
    PixelCamera pc = frame_camera;
    pc.maps = scmos ? pc.maps.shifted(x0, y0) : pc.maps;
    for (int j = 0; j < size; ++j)
      std::copy_n(f.data() + int64_t{y0 + j} * f.width() + x0, size, adu.data() + j * size);
    adu_to_electrons(pc, adu.data(), size, size, roi.data());
    if (scmos) {
      variance_e2(pc, size, size, variance.data());
      batch.variance.insert(batch.variance.end(), variance.begin(), variance.end());
    }
    double theta[5];
    const double x = c.x - x0, y = c.y - y0;
    if (model.kind == BatchModel::Kind::astigmatic) {
      const LmAstigmaticGaussian m(model.astigmatic);
      const std::optional<double> z =
          c.z_nm ? std::optional(*c.z_nm / m.psf.pixel_size_nm) : std::nullopt;
      start_3d(m, roi.data(), size, x, y, z, lm.lower[kZ], lm.upper[kZ], theta);
    } else if (model.kind == BatchModel::Kind::spline) {
      const LmCubicSpline m(model.spline);
      const std::optional<double> z =
          c.z_nm ? std::optional(*c.z_nm / m.psf.pixel_size_nm) : std::nullopt;
      start_3d(m, roi.data(), size, x, y, z, lm.lower[kZ], lm.upper[kZ], theta);
    } else {
      initial_theta(roi.data(), size, size, settings_.fit.initial_sigma_px, theta);
      theta[G::kX] = x;
      theta[G::kY] = y;
    }
    batch.pixels.insert(batch.pixels.end(), roi.begin(), roi.end());
    batch.starts.insert(batch.starts.end(), theta, theta + 5);
    items.push_back({c.frame, x0, y0, x, y});
  }
  const std::vector<LmResult> results = items.empty() ? std::vector<LmResult>{} : lm_->fit(batch);

  LocalizationTable table = rows_.table();
  for (size_t k = 0; k < items.size(); ++k) {
    const FitResult r = to_fit_result(results[k]);
    const double shift = std::hypot(r.theta[G::kX] - items[k].x, r.theta[G::kY] - items[k].y);
    const bool ok = is_3d ? usable_3d(r, lm, size, size) : rule_.usable(r, size, size);
    if (!ok || !(shift <= settings_.max_shift_px)) {
      ++stats_.rejected;
      continue;
    }
    ++stats_.refined;
    rows_.append(table, first_frame + items[k].frame, items[k].x0, items[k].y0, r);
  }
  return table;
}

}  // namespace smlm::localization
