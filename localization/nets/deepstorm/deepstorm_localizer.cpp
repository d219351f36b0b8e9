// Deep-STORM inference: per-frame net forward, peaks, and the optional LM refinement of the peaks.
#include "localization/nets/deepstorm/deepstorm_localizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/lm_models.h"
#include "localization/roi.h"

namespace smlm::localization::nets::deepstorm {

namespace {

using G = psf::IntegratedGaussian;

}  // namespace

Refine parse_refine(const std::string& text) {
  if (text == "none") return Refine::none;
  if (text == "mle") return Refine::mle;
  throw Error("refine '" + text + "' is not none or mle");
}

DeepStormLocalizer::DeepStormLocalizer(const CameraModel& camera, Model model,
                                       const DeepStormSettings& settings)
    : camera_(camera), model_(std::move(model)), settings_(settings), rows_(camera) {
  camera_.validate();
  SMLM_CHECK(settings_.post.threshold >= 0 && std::isfinite(settings_.post.threshold),
             "Deep-STORM threshold must be >= 0, got " << settings_.post.threshold);
  SMLM_CHECK(settings_.max_shift_px > 0,
             "Deep-STORM max shift must be positive, got " << settings_.max_shift_px);
  SMLM_CHECK(settings_.post.window_radius >= 0,
             "Deep-STORM window radius must be >= 0, got " << settings_.post.window_radius);
  model_.to(settings_.device);
  if (settings_.refine == Refine::mle) {
    FitSettings& f = settings_.fit;
    f.fitter = Fitter::lm;
    const double sigma_nm =
        settings_.psf_sigma_nm > 0 ? settings_.psf_sigma_nm : model_.data.psf_sigma_nm;
    f.initial_sigma_px = sigma_nm / camera_.pixel_size_nm;
    f.validate();
    rule_ = std::make_unique<MleFitter>(f);
    lm_ = std::make_unique<BatchFitter>(
        LmIntegratedGaussian::settings(f.fixed_sigma, f.max_iterations), f.device);
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
  if (settings_.refine == Refine::mle) return rows_.table();
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

  // Refinement: one ROI per peak, centred on its pixel, started at the peak's position.
  const FitSettings& fs = settings_.fit;
  const int radius = fs.roi_radius, size = 2 * radius + 1;
  const int64_t npix = int64_t{size} * size;
  struct Item {
    int64_t frame;
    int x0, y0;
    double x, y;  // the peak [ROI px]
  };
  std::vector<Item> items;
  RoiBatch batch;
  batch.w = batch.h = size;
  batch.initial_sigma_px = fs.initial_sigma_px;
  std::vector<float> roi(npix);
  for (int64_t f = 0; f < nf; ++f) {
    const ImageF& adu = frames[f];
    for (const MapPeak& p : found[f]) {
      const int cx = static_cast<int>(std::lround(p.x)), cy = static_cast<int>(std::lround(p.y));
      int x0, y0;
      if (!place_roi(std::clamp(cx, 0, adu.width() - 1), std::clamp(cy, 0, adu.height() - 1),
                     radius, adu.width(), adu.height(), x0, y0)) {
        ++stats_.rejected;
        continue;
      }
      for (int j = 0; j < size; ++j)
        for (int i = 0; i < size; ++i)
          roi[j * size + i] = static_cast<float>(camera_.adu_to_electrons(adu(x0 + i, y0 + j)));
      double theta[G::kNumParams];
      initial_theta(roi.data(), size, size, fs.initial_sigma_px, theta);
      theta[G::kX] = p.x - x0;
      theta[G::kY] = p.y - y0;
      batch.pixels.insert(batch.pixels.end(), roi.begin(), roi.end());
      batch.starts.insert(batch.starts.end(), theta, theta + G::kNumParams);
      items.push_back({f, x0, y0, theta[G::kX], theta[G::kY]});
    }
  }
  const std::vector<LmResult> results = items.empty() ? std::vector<LmResult>{} : lm_->fit(batch);

  table = rows_.table();
  for (size_t k = 0; k < items.size(); ++k) {
    const FitResult r = to_fit_result(results[k]);
    const double shift = std::hypot(r.theta[G::kX] - items[k].x, r.theta[G::kY] - items[k].y);
    if (!rule_->usable(r, size, size) || !(shift <= settings_.max_shift_px)) {
      ++stats_.rejected;
      continue;
    }
    ++stats_.refined;
    rows_.append(table, first_frame + items[k].frame, items[k].x0, items[k].y0, r);
  }
  return table;
}

}  // namespace smlm::localization::nets::deepstorm
