// DeepSTORM3D inference: per-frame net forward and 3D peaks.
#include "localization/nets/deepstorm3d/deepstorm3d_localizer.h"

#include <cmath>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "localization/nets/deepstorm3d/training_data.h"

namespace smlm::localization::nets::deepstorm3d {

DeepStorm3dLocalizer::DeepStorm3dLocalizer(const CameraModel& camera, Model model,
                                           const DeepStorm3dSettings& settings)
    : camera_(camera), model_(std::move(model)), settings_(settings) {
  camera_.validate();
  SMLM_CHECK(settings_.post.threshold >= 0 && std::isfinite(settings_.post.threshold),
             "DeepSTORM3D threshold must be >= 0, got " << settings_.post.threshold);
  SMLM_CHECK(settings_.post.window_radius >= 0,
             "DeepSTORM3D window radius must be >= 0, got " << settings_.post.window_radius);
  model_.to(settings_.device);
  if (settings_.refine_mle) {
    TrainedPsf trained;
    trained.spec = model_.data.psf_spec;
    trained.z_min_nm = model_.data.z_min_nm;
    trained.z_max_nm = model_.data.z_max_nm;
    trained.pixel_size_nm = model_.data.camera.pixel_size_nm;
    refiner_ = MleRefiner::for_net(camera_, settings_.refine, trained);
  }
}

DeepStorm3dLocalizer::DeepStorm3dLocalizer(const CameraModel& camera, const std::string& model_path,
                                           const DeepStorm3dSettings& settings)
    : DeepStorm3dLocalizer(camera, load_model(model_path, kernels::Device::cpu()), settings) {}

LocalizationTable DeepStorm3dLocalizer::localize(const FrameWindow& window) {
  SMLM_ASSERT(window.before == 0 && window.after == 0);
  return localize(window.frames, window.first_frame);
}

LocalizationTable DeepStorm3dLocalizer::empty_table() const {
  if (refiner_) return refiner_->empty_table();
  LocalizationTable t;
  for (std::string_view name : {col::frame, col::x, col::y, col::z, col::intensity})
    t.add_column(name);
  return t;
}

std::string DeepStorm3dLocalizer::summary() const {
  std::ostringstream os;
  os << stats_.frames << " frames: " << (refiner_ ? stats_.refined : stats_.peaks)
     << " localizations (DeepSTORM3D, " << model_.config.slices << " z slices over "
     << model_.data.z_min_nm << ".." << model_.data.z_max_nm << " nm; on "
     << settings_.device.name();
  if (refiner_)
    os << "; " << stats_.peaks << " peaks, " << stats_.refined << " refined by MLE, "
       << stats_.rejected << " rejected";
  os << ")";
  return os.str();
}

std::vector<float> DeepStorm3dLocalizer::volume(const ImageF& adu) {
  const int w = adu.width(), h = adu.height();
  SMLM_CHECK(w > 0 && h > 0, "empty frame");
  std::vector<float> in(adu.data(), adu.data() + int64_t{w} * h);
  normalize_frame(in.data(), static_cast<int64_t>(in.size()), model_.norm, in.data());
  const nn::Tensor x = nn::Tensor::from_host({1, 1, h, w}, in, settings_.device);
  return model_.net->forward(x, false).host();
}

std::vector<VolumePeak> DeepStorm3dLocalizer::peaks(const ImageF& adu) {
  const std::vector<float> v = volume(adu);
  return find_volume_peaks(v.data(),
                           geometry(model_.config, model_.data, adu.width(), adu.height()),
                           model_.data.scale, settings_.post);
}

LocalizationTable DeepStorm3dLocalizer::localize(const std::vector<ImageF>& frames,
                                                 int64_t first_frame) {
  if (refiner_) {
    std::vector<RefineCandidate> candidates;
    for (size_t f = 0; f < frames.size(); ++f) {
      const std::vector<VolumePeak> found = peaks(frames[f]);
      for (const VolumePeak& p : found)
        candidates.push_back({static_cast<int>(f), p.x, p.y, std::optional(p.z_nm)});
      stats_.peaks += static_cast<int64_t>(found.size());
    }
    stats_.frames += static_cast<int64_t>(frames.size());
    LocalizationTable t = refiner_->refine(frames, first_frame, candidates);
    stats_.refined = refiner_->stats().refined;
    stats_.rejected = refiner_->stats().rejected;
    return t;
  }
  const double px = camera_.pixel_size_nm;
  LocalizationTable table = empty_table();
  for (size_t f = 0; f < frames.size(); ++f) {
    const std::vector<VolumePeak> found = peaks(frames[f]);
    const size_t row0 = table.size();
    table.resize(row0 + found.size());
    for (size_t i = 0; i < found.size(); ++i) {
      const VolumePeak& p = found[i];
      table[col::frame][row0 + i] = static_cast<double>(first_frame + static_cast<int64_t>(f));
      table[col::x][row0 + i] = (p.x + 0.5) * px;
      table[col::y][row0 + i] = (p.y + 0.5) * px;
      table[col::z][row0 + i] = p.z_nm;
      table[col::intensity][row0 + i] = p.value;
    }
    stats_.peaks += static_cast<int64_t>(found.size());
  }
  stats_.frames += static_cast<int64_t>(frames.size());
  return table;
}

}  // namespace smlm::localization::nets::deepstorm3d
