// BatchDetector: checks a batch, then runs detect_kernels.h's functors over it with the CPU's
// threads (rows of the batch in parallel; per-frame sums in order, as detect() adds them) or hands
// it to the GPU side (localization/cuda/detect_batch_gpu.*).
#include "localization/detect_batch.h"

#include <climits>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/cuda/detect_batch_gpu.h"

namespace smlm::localization {

namespace {

// f(frame, x, y, i) for every pixel of `frames` w × h frames (i its batch index), rows in parallel.
template <class F>
void for_each_pixel(int64_t frames, int w, int h, const F& f) {
  kernels::parallel_for(frames * h, [&](int64_t row) {
    const int64_t frame = row / h;
    const int y = static_cast<int>(row - frame * h);
    const int64_t base = row * w;
    for (int x = 0; x < w; ++x) f(frame, x, y, base + x);
  });
}

}  // namespace

BatchDetector::BatchDetector(const CameraModel& camera, const DetectionSettings& detection,
                             int roi_radius, kernels::Device device)
    : camera_(camera), detection_(detection), radius_(roi_radius), device_(device) {
  camera_.validate();
  detection_.validate();
  SMLM_CHECK(roi_radius >= 0 && roi_radius <= 1000,
             "batch detection: ROI radius must be 0..1000 px, got " << roi_radius);
  if (device_.is_cuda()) gpu_ = std::make_unique<GpuBatchDetect>(device_.index);
}

BatchDetector::~BatchDetector() = default;
BatchDetector::BatchDetector(BatchDetector&&) noexcept = default;
BatchDetector& BatchDetector::operator=(BatchDetector&&) noexcept = default;

const float* BatchDetector::roi_pixels() const { return gpu_ ? gpu_->rois() : rois_.data(); }

std::vector<float> BatchDetector::roi_pixels_host() const {
  const size_t n = has_rois() ? candidates_.size() * roi_size() * roi_size() : 0;
  std::vector<float> host;
  if (gpu_)
    gpu_->download_rois(n, host, false);
  else
    host.assign(rois_.begin(), rois_.begin() + static_cast<std::ptrdiff_t>(n));
  return host;
}

const float* BatchDetector::roi_variance() const {
  if (!with_maps_) return nullptr;
  return gpu_ ? gpu_->roi_variance() : roi_variance_.data();
}

std::vector<float> BatchDetector::roi_variance_host() const {
  const size_t n = has_rois() && with_maps_ ? candidates_.size() * roi_size() * roi_size() : 0;
  std::vector<float> host;
  if (gpu_)
    gpu_->download_rois(n, host, true);
  else
    host.assign(roi_variance_.begin(), roi_variance_.begin() + static_cast<std::ptrdiff_t>(n));
  return host;
}

void BatchDetector::run(std::span<const ImageF> frames, const CameraMapsView& maps) {
  const int w = frames.empty() ? 0 : frames[0].width();
  const int h = frames.empty() ? 0 : frames[0].height();
  for (size_t f = 1; f < frames.size(); ++f)
    SMLM_CHECK(frames[f].width() == w && frames[f].height() == h,
               "batch detection: frame " << f << " is " << frames[f].width() << "x"
                                         << frames[f].height() << ", frame 0 is " << w << "x" << h
                                         << " (a batch holds frames of one size)");
  const int64_t nf = static_cast<int64_t>(frames.size());
  const int64_t npix = static_cast<int64_t>(w) * h;
  SMLM_CHECK(npix <= INT_MAX && nf <= INT_MAX,
             "batch detection: " << nf << " frames of " << w << "x" << h << " px are too many");
  SMLM_CHECK(maps.empty() || maps.covers(w, h),
             "batch detection: frames of " << w << "x" << h << " px at (" << maps.x0 << ", "
                                           << maps.y0 << ") leave the camera maps' "
                                           << maps.sensor_width << "x" << maps.sensor_height
                                           << " px sensor");
  width_ = w;
  height_ = h;
  with_maps_ = !maps.empty();
  candidates_.clear();
  thresholds_.assign(static_cast<size_t>(nf), 0.0f);
  if (npix == 0) return;  // detect() finds nothing in an empty frame
  const PixelCamera camera{camera_, maps};
  if (gpu_) {
    gpu_->run(camera, detection_, radius_, frames, candidates_, thresholds_);
    return;
  }

  const int64_t total = nf * npix;
  electrons_.resize(total);
  tmp_.resize(total);
  v1_.resize(total);
  v2_.resize(total);
  sums_.resize(2 * nf);
  float* const e = electrons_.data();
  kernels::parallel_for(nf, [&](int64_t f) {
    AduToElectronsKernel convert{camera, frames[f].data(), e + f * npix, w, h};
    for (int64_t i = 0; i < npix; ++i) convert(i);
  });
  // V1 = k1 ∗ I, V2 = k2 ∗ V1 (x, then y), F1 = I − V1 into tmp, F2 = V1 − V2 into v2.
  const AtrousPassKernel passes[4] = {{e, tmp_.data(), w, h, 1, 1, 0},
                                      {tmp_.data(), v1_.data(), w, h, 1, 0, 1},
                                      {v1_.data(), tmp_.data(), w, h, 2, 1, 0},
                                      {tmp_.data(), v2_.data(), w, h, 2, 0, 1}};
  for (const AtrousPassKernel& pass : passes)
    for_each_pixel(nf, w, h, [&](int64_t f, int x, int y, int64_t) { pass.at(f, x, y); });
  const float* const f1 = tmp_.data();
  const float* const f2 = v2_.data();
  const WaveletLevelsKernel levels{e, v1_.data(), v2_.data(), tmp_.data(), v2_.data()};
  for_each_pixel(nf, w, h, [&](int64_t, int, int, int64_t i) { levels(i); });
  kernels::parallel_for(nf, FrameMomentsKernel{f1, npix, sums_.data()});
  kernels::parallel_for(
      nf, FrameThresholdKernel{sums_.data(), 1, npix, detection_.threshold, thresholds_.data()});

  // Candidates in raster order: count per row, then each row writes from its offset.
  const CandidateTestKernel test{f2, thresholds_.data(), w, h, std::max(1, detection_.nms_radius)};
  const int64_t rows = nf * h;
  row_first_.assign(rows + 1, 0);
  kernels::parallel_for(rows, [&](int64_t r) {
    const int64_t f = r / h;
    const int y = static_cast<int>(r - f * h);
    int64_t n = 0;
    for (int x = 0; x < w; ++x) n += test.at(f, x, y);
    row_first_[r + 1] = n;
  });
  for (int64_t r = 0; r < rows; ++r) row_first_[r + 1] += row_first_[r];
  const int64_t n = row_first_[rows];
  index_.resize(n);
  kernels::parallel_for(rows, [&](int64_t r) {
    const int64_t f = r / h;
    const int y = static_cast<int>(r - f * h);
    int64_t k = row_first_[r];
    for (int x = 0; x < w; ++x)
      if (test.at(f, x, y)) index_[k++] = r * w + x;
  });

  const int size = roi_size();
  candidates_.resize(n);
  rois_.resize(has_rois() ? n * size * size : 0);
  roi_variance_.resize(has_rois() && with_maps_ ? n * size * size : 0);
  kernels::parallel_for(
      n, CandidateRoiKernel{index_.data(), e, f2, w, h, radius_, candidates_.data(),
                            has_rois() ? rois_.data() : nullptr, camera,
                            has_rois() && with_maps_ ? roi_variance_.data() : nullptr});
}

}  // namespace smlm::localization
