// BatchDetector: detection and ROI extraction for a batch of frames of one size on one device, the
// functors of detect_kernels.h run by CPU threads or CUDA kernels. On the GPU the frames stay there
// from upload to ROIs, which a BatchFitter on the same device fits in place (fit_resident).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/image.h"
#include "kernels/device.h"
#include "localization/detect.h"
#include "localization/detect_kernels.h"

namespace smlm::localization {

class GpuBatchDetect;

// Keeps its buffers between batches (they only grow). Not thread-safe: one run() at a time.
class BatchDetector {
 public:
  // roi_radius: the ROIs are (2·roi_radius + 1)² px. device: the CPU (kernels::cpu_threads()) or a
  // CUDA device. Throws smlm::Error for an impossible camera, threshold or radius, and for a CUDA
  // device that this build or machine lacks.
  BatchDetector(const CameraModel& camera, const DetectionSettings& detection, int roi_radius,
                kernels::Device device = kernels::Device::cpu());
  ~BatchDetector();
  BatchDetector(BatchDetector&&) noexcept;
  BatchDetector& operator=(BatchDetector&&) noexcept;

  // Detects in `frames` (raw ADU, host memory, all of one size; throws smlm::Error otherwise) and
  // replaces the previous batch's results. Per frame, exactly what detect() finds in the frame
  // converted by CameraModel::adu_to_electrons (on the GPU, up to the threshold: its per-frame sums
  // add in another order, which moves it by a few ulps); then the ROI around each candidate
  // (place_roi, extract_roi of the converted frame). On the GPU the frames are uploaded on a stream
  // and only the candidates and thresholds come back.
  // sCMOS: with `maps` (host memory, e.g. CameraMaps::frame_view for these frames; they must lie
  // on its sensor) every frame is converted pixel by pixel (PixelCamera) and each ROI gets its
  // read-noise variances (roi_variance()). A GPU detector uploads the maps once and again when
  // their host pointer or size changes.
  void run(std::span<const ImageF> frames, const CameraMapsView& maps = {});

  // The candidates of the last run(), host memory: by frame, each frame's in raster order.
  const std::vector<BatchCandidate>& candidates() const { return candidates_; }
  // Per frame of the last run(): threshold × std(F1) [photoelectrons], host memory.
  const std::vector<float>& thresholds() const { return thresholds_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int roi_size() const { return 2 * radius_ + 1; }
  // True when the last run's frames hold a ROI (w, h ≥ roi_size()); otherwise no candidate has one.
  bool has_rois() const { return width_ >= roi_size() && height_ >= roi_size(); }
  // The ROIs of the last run() (when has_rois()): candidates().size() ROIs of roi_size()² pixels,
  // photoelectrons, in candidate order, each row-major. In the memory of the device: host memory on
  // the CPU, device memory on CUDA (valid until the next run()).
  const float* roi_pixels() const;
  // The same, copied to host memory.
  std::vector<float> roi_pixels_host() const;
  // With maps in the last run() (and has_rois()): the ROIs' read-noise variances [e⁻²], laid out as
  // roi_pixels() and in the same memory; null without maps.
  const float* roi_variance() const;
  std::vector<float> roi_variance_host() const;

  kernels::Device device() const { return device_; }

 private:
  CameraModel camera_;
  DetectionSettings detection_;
  int radius_;
  kernels::Device device_;
  int width_ = 0, height_ = 0;
  bool with_maps_ = false;  // the last run() had maps
  std::vector<BatchCandidate> candidates_;
  std::vector<float> thresholds_;
  // CPU buffers: electrons, scratch, V1, V2 (then F1 and F2), candidate indices, ROIs.
  std::vector<float> electrons_, tmp_, v1_, v2_, rois_, roi_variance_;
  std::vector<double> sums_;
  std::vector<int64_t> index_, row_first_;
  std::unique_ptr<GpuBatchDetect> gpu_;
};

}  // namespace smlm::localization
