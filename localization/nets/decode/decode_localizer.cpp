// DECODE inference: batched net forwards over frame windows, spatial integration, rows.
#include "localization/nets/decode/decode_localizer.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "localization/nets/decode/training_data.h"

namespace smlm::localization::nets::decode {

DecodeLocalizer::DecodeLocalizer(const CameraModel& camera, Model model,
                                 const DecodeSettings& settings)
    : camera_(camera), model_(std::move(model)), settings_(settings) {
  camera_.validate();
  settings_.post.validate();
  SMLM_CHECK(settings_.batch_frames >= 1 && settings_.batch_frames <= 4096,
             "DECODE batch must be in [1, 4096] frames, got " << settings_.batch_frames);
  SMLM_CHECK(settings_.max_shift_px > 0,
             "DECODE max shift must be positive, got " << settings_.max_shift_px);
  if (settings_.camera_maps) settings_.camera_maps->check_camera(camera_);
  model_.to(settings_.device);
  SMLM_CHECK(!settings_.calibration || settings_.refine_mle,
             "--psf: DECODE holds its own PSF; a calibration is for --refine mle only");
  if (settings_.refine_mle) {
    NetRefineOptions o;
    o.refine.fit = settings_.fit;
    o.refine.max_shift_px = settings_.max_shift_px;
    o.refine.psf = settings_.calibration ? settings_.psf : PsfModel::integrated_gaussian;
    o.refine.calibration = settings_.calibration;
    o.refine.camera_maps = settings_.camera_maps;
    o.refine.camera_maps_origin = settings_.camera_maps_origin;
    o.psf_sigma_nm = settings_.psf_sigma_nm;
    o.roi_given = settings_.roi_given;
    const DataSettings& d = model_.data;
    TrainedPsf trained;
    trained.sigma_nm = d.psf_sigma_nm;
    if (d.is_3d()) {
      trained.spec = d.psf_spec;
      trained.z_min_nm = d.z_min_nm;
      trained.z_max_nm = d.z_max_nm;
      trained.pixel_size_nm = d.camera.pixel_size_nm;
    }
    refiner_ = MleRefiner::for_net(camera_, o, trained);
  }
}

DecodeLocalizer::DecodeLocalizer(const CameraModel& camera, const std::string& model_path,
                                 const DecodeSettings& settings)
    : DecodeLocalizer(camera, load_model(model_path, kernels::Device::cpu()), settings) {}

DecodeLocalizer::~DecodeLocalizer() = default;
DecodeLocalizer::DecodeLocalizer(DecodeLocalizer&&) noexcept = default;
DecodeLocalizer& DecodeLocalizer::operator=(DecodeLocalizer&&) noexcept = default;

LocalizationTable DecodeLocalizer::empty_table() const {
  if (refiner_) return refiner_->empty_table();
  const bool is_3d = model_.config.dims == 4;
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  if (is_3d) t.add_column(col::z);
  t.add_column(col::intensity);
  t.add_column(col::offset);
  t.add_column(col::uncertainty_x);
  t.add_column(col::uncertainty_y);
  if (is_3d) t.add_column(col::uncertainty_z);
  t.add_column(col::uncertainty_intensity);
  t.add_column(col::uncertainty_xy);
  t.add_column(col::probability);
  return t;
}

std::string DecodeLocalizer::summary() const {
  std::ostringstream os;
  os << stats_.frames << " frames: " << (refiner_ ? stats_.refined : stats_.detections)
     << " localizations (DECODE " << (model_.config.dims == 4 ? "3D" : "2D") << ", "
     << model_.config.frames << "-frame: " << stats_.detections << " detections";
  if (refiner_) os << ", " << stats_.refined << " refined, " << stats_.rejected << " rejected";
  os << "; on " << settings_.device.name() << ")";
  return os.str();
}

std::vector<std::vector<Detection>> DecodeLocalizer::run(const FrameWindow& window, int first,
                                                         int count) {
  const int nf = model_.config.frames, ctx = frames_before();
  const ImageF& f0 = window.frame(first);
  const int w = f0.width(), h = f0.height(), m = model_.config.size_multiple();
  SMLM_CHECK(w > 0 && h > 0, "empty frame");
  const int pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m;
  const int64_t pplane = int64_t{pw} * ph;
  const PixelCamera pc{camera_, settings_.camera_maps ? settings_.camera_maps->frame_view(
                                                            w, h, settings_.camera_maps_origin)
                                                      : CameraMapsView{}};
  std::vector<float> input(static_cast<size_t>(count) * nf * pplane), photons(int64_t{w} * h);
  for (int i = 0; i < count; ++i)
    for (int c = 0; c < nf; ++c) {
      const ImageF& f = window.frame(first + i + c - ctx);
      SMLM_CHECK(f.width() == w && f.height() == h,
                 "DECODE needs frames of one size in a window, got "
                     << f.width() << "x" << f.height() << " and " << w << "x" << h);
      normalize_frame(f.data(), w, h, pc, model_.scale, photons.data());
      // Edge replication up to the net's size multiple; the extra rows and columns are cut off
      // the output below.
      float* dst = input.data() + (int64_t{i} * nf + c) * pplane;
      for (int y = 0; y < ph; ++y)
        for (int x = 0; x < pw; ++x)
          dst[int64_t{y} * pw + x] = photons[int64_t{std::min(y, h - 1)} * w + std::min(x, w - 1)];
    }
  const nn::Tensor in = nn::Tensor::from_host({count, nf, ph, pw}, input, settings_.device);
  const std::vector<float> out = model_.net->forward(in, false).host();
  const int channels = model_.config.out_channels();
  std::vector<std::vector<Detection>> found(count);
  std::vector<float> crop(static_cast<size_t>(channels) * w * h);
  for (int i = 0; i < count; ++i) {
    for (int c = 0; c < channels; ++c)
      for (int y = 0; y < h; ++y)
        std::copy_n(out.data() + ((int64_t{i} * channels + c) * ph + y) * pw, w,
                    crop.data() + (int64_t{c} * h + y) * w);
    found[i] = find_emitters(crop.data(), w, h, model_.config.dims, model_.scale, settings_.post);
  }
  return found;
}

std::vector<Detection> DecodeLocalizer::detect(const std::vector<const ImageF*>& window) {
  SMLM_CHECK(
      static_cast<int>(window.size()) == model_.config.frames,
      "DECODE: the model takes " << model_.config.frames << " frames, got " << window.size());
  std::vector<ImageF> frames;
  for (const ImageF* f : window) frames.push_back(*f);
  const FrameWindow fw{frames, frames_before(), frames_after(), 0};
  return run(fw, 0, 1)[0];
}

LocalizationTable DecodeLocalizer::localize(const FrameWindow& window) {
  SMLM_ASSERT(window.before == frames_before() && window.after == frames_after());
  const int count = window.count();
  std::vector<std::vector<Detection>> found;
  found.reserve(count);
  for (int i = 0; i < count; i += settings_.batch_frames) {
    auto part = run(window, i, std::min(settings_.batch_frames, count - i));
    for (auto& f : part) found.push_back(std::move(f));
  }
  int64_t total = 0;
  for (const auto& f : found) total += static_cast<int64_t>(f.size());
  stats_.frames += count;
  stats_.detections += total;

  const bool is_3d = model_.config.dims == 4;
  if (refiner_) {
    std::vector<RefineCandidate> candidates;
    candidates.reserve(static_cast<size_t>(total));
    for (int i = 0; i < count; ++i)
      for (const Detection& d : found[i])
        candidates.push_back(
            {window.before + i, d.x, d.y, is_3d ? std::optional(d.z_nm) : std::nullopt});
    LocalizationTable t =
        refiner_->refine(window.frames, window.first_frame - window.before, candidates);
    stats_.refined = refiner_->stats().refined;
    stats_.rejected = refiner_->stats().rejected;
    return t;
  }

  const double px = camera_.pixel_size_nm;
  LocalizationTable t = empty_table();
  t.resize(static_cast<size_t>(total));
  auto& frame = t[col::frame];
  auto &x = t[col::x], &y = t[col::y], &intensity = t[col::intensity], &offset = t[col::offset];
  auto &ux = t[col::uncertainty_x], &uy = t[col::uncertainty_y], &uxy = t[col::uncertainty_xy];
  auto &ui = t[col::uncertainty_intensity], &prob = t[col::probability];
  std::vector<double>* z = is_3d ? &t[col::z] : nullptr;
  std::vector<double>* uz = is_3d ? &t[col::uncertainty_z] : nullptr;
  size_t r = 0;
  for (int i = 0; i < count; ++i)
    for (const Detection& d : found[i]) {
      frame[r] = static_cast<double>(window.first_frame + i);
      x[r] = (d.x + 0.5) * px;
      y[r] = (d.y + 0.5) * px;
      intensity[r] = d.photons;
      offset[r] = d.background;
      ux[r] = d.sigma_x * px;
      uy[r] = d.sigma_y * px;
      uxy[r] = std::sqrt(0.5 * (ux[r] * ux[r] + uy[r] * uy[r]));
      ui[r] = d.sigma_photons;
      prob[r] = d.probability;
      if (is_3d) {
        (*z)[r] = d.z_nm;
        (*uz)[r] = d.sigma_z_nm;
      }
      ++r;
    }
  return t;
}

}  // namespace smlm::localization::nets::decode
