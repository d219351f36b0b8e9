// Deep-STORM inference: per-frame net forward, peaks, and the optional LM refinement of the peaks.
#include "localization/nets/deepstorm/deepstorm_localizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::localization::nets::deepstorm {

Refine parse_refine(const std::string& text) {
  if (text == "none") return Refine::none;
  if (text == "mle") return Refine::mle;
  throw Error("refine '" + text + "' is not none or mle");
}

DeepStormLocalizer::DeepStormLocalizer(const CameraModel& camera, Model model,
                                       const DeepStormSettings& settings)
    : camera_(camera), model_(std::move(model)), settings_(settings) {
  camera_.validate();
  SMLM_CHECK(settings_.post.threshold >= 0 && std::isfinite(settings_.post.threshold),
             "Deep-STORM threshold must be >= 0, got " << settings_.post.threshold);
  SMLM_CHECK(settings_.max_shift_px > 0,
             "Deep-STORM max shift must be positive, got " << settings_.max_shift_px);
  SMLM_CHECK(settings_.post.window_radius >= 0,
             "Deep-STORM window radius must be >= 0, got " << settings_.post.window_radius);
  model_.to(settings_.device);
  if (settings_.refine == Refine::mle) {
    NetRefineOptions o;
    o.refine.fit = settings_.fit;
    o.refine.max_shift_px = settings_.max_shift_px;
    o.psf_sigma_nm = settings_.psf_sigma_nm;
    TrainedPsf trained;
    trained.sigma_nm = model_.data.psf_sigma_nm;
    refiner_ = MleRefiner::for_net(camera_, o, trained);
  }
}

DeepStormLocalizer::DeepStormLocalizer(const CameraModel& camera, const std::string& model_path,
                                       const DeepStormSettings& settings)
    : DeepStormLocalizer(camera, load_model(model_path, kernels::Device::cpu()), settings) {}

DeepStormLocalizer::~DeepStormLocalizer() = default;
DeepStormLocalizer::DeepStormLocalizer(DeepStormLocalizer&&) noexcept = default;
DeepStormLocalizer& DeepStormLocalizer::operator=(DeepStormLocalizer&&) noexcept = default;

LocalizationTable DeepStormLocalizer::localize(const FrameWindow& window) {
  SMLM_ASSERT(window.before == 0 && window.after == 0);
  return localize(window.frames, window.first_frame);
}

LocalizationTable DeepStormLocalizer::empty_table() const {
  if (refiner_) return refiner_->empty_table();
  LocalizationTable t;
  for (std::string_view name : {col::frame, col::x, col::y, col::intensity}) t.add_column(name);
  return t;
}

std::string DeepStormLocalizer::summary() const {
  std::ostringstream os;
  const bool refined = settings_.refine == Refine::mle;
  os << stats_.frames << " frames: " << (refined ? stats_.refined : stats_.peaks)
     << " localizations (Deep-STORM: " << stats_.peaks << " peaks";
  if (refined) os << ", " << stats_.refined << " refined, " << stats_.rejected << " rejected";
  os << "; on " << settings_.device.name() << ")";
  return os.str();
}

ImageF DeepStormLocalizer::spike_map(const ImageF& adu) {
  const int m = model_.config.size_multiple(), u = model_.config.upsampling;
  const int w = adu.width(), h = adu.height();
  SMLM_CHECK(w > 0 && h > 0, "empty frame");
  const int pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m;
  std::vector<float> padded(int64_t{pw} * ph);
  for (int y = 0; y < ph; ++y)
    for (int x = 0; x < pw; ++x)
      padded[int64_t{y} * pw + x] = adu(std::min(x, w - 1), std::min(y, h - 1));
  normalize_frame(padded.data(), static_cast<int64_t>(padded.size()), model_.norm, padded.data());
  const nn::Tensor in = nn::Tensor::from_host({1, 1, ph, pw}, padded, settings_.device);
  const std::vector<float> out = model_.net->forward(in, false).host();
  ImageF map(w * u, h * u);
  const int64_t fpw = int64_t{pw} * u;
  for (int y = 0; y < h * u; ++y)
    std::copy_n(out.data() + y * fpw, w * u, map.data() + int64_t{y} * w * u);
  return map;
}

std::vector<MapPeak> DeepStormLocalizer::peaks(const ImageF& adu) {
  const ImageF map = spike_map(adu);
  return find_peaks(map.data(), map.width(), map.height(), model_.config.upsampling,
                    model_.data.spike_scale, settings_.post);
}

LocalizationTable DeepStormLocalizer::localize(const std::vector<ImageF>& frames,
                                               int64_t first_frame) {
  const int64_t nf = static_cast<int64_t>(frames.size());
  std::vector<std::vector<MapPeak>> found(nf);
  int64_t total = 0;
  for (int64_t f = 0; f < nf; ++f) {
    found[f] = peaks(frames[f]);
    total += static_cast<int64_t>(found[f].size());
  }
  stats_.frames += nf;
  stats_.peaks += total;
  const double px = camera_.pixel_size_nm;
  LocalizationTable table;

  if (settings_.refine == Refine::none) {
    table = empty_table();
    table.resize(static_cast<size_t>(total));
    size_t row = 0;
    for (int64_t f = 0; f < nf; ++f)
      for (const MapPeak& p : found[f]) {
        table[col::frame][row] = static_cast<double>(first_frame + f);
        table[col::x][row] = (p.x + 0.5) * px;
        table[col::y][row] = (p.y + 0.5) * px;
        table[col::intensity][row] = p.value;
        ++row;
      }
    return table;
  }

  // Refinement: LM fits started at the peaks (MleRefiner, shared by every net).
  std::vector<RefineCandidate> candidates;
  candidates.reserve(static_cast<size_t>(total));
  for (int64_t f = 0; f < nf; ++f)
    for (const MapPeak& p : found[f]) candidates.push_back({static_cast<int>(f), p.x, p.y});
  table = refiner_->refine(frames, first_frame, candidates);
  stats_.refined = refiner_->stats().refined;
  stats_.rejected = refiner_->stats().rejected;
  return table;
}

}  // namespace smlm::localization::nets::deepstorm
