// The CUDA side of BatchDetector: uploads a batch of frames on a stream, runs detect_kernels.h's
// functors in kernels, compacts the candidates in raster order (CUB) and extracts their ROIs,
// which stay on the GPU. Plain C++ declarations; builds without CUDA get a stub that throws.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/image.h"
#include "localization/detect.h"
#include "localization/detect_kernels.h"

namespace smlm::localization {

class GpuBatchDetect {
 public:
  // Throws smlm::Error when `device` is not a usable CUDA device or CUDA was not compiled.
  explicit GpuBatchDetect(int device);
  ~GpuBatchDetect();
  GpuBatchDetect(const GpuBatchDetect&) = delete;
  GpuBatchDetect& operator=(const GpuBatchDetect&) = delete;

  // Detects in `frames` (host ADU, at least one, all w × h with w·h ≥ 1: checked by the caller) and
  // extracts the (2·radius + 1)² ROI of each candidate when the frames hold it. candidates and
  // thresholds (host) receive the results; the ROIs stay in device memory (rois()). With
  // camera.maps (host memory, covering the frames: checked by the caller) the maps are uploaded
  // (once, while their host pointer and size stay the same) and each ROI's variances are
  // extracted too (roi_variance()). Returns when the GPU is done.
  void run(const PixelCamera& camera, const DetectionSettings& detection, int radius,
           std::span<const ImageF> frames, std::vector<BatchCandidate>& candidates,
           std::vector<float>& thresholds);
  // Device memory: the ROIs of the last run, in candidate order (none when the frames were smaller
  // than the ROI), and their sCMOS variances (null when the run had no maps).
  const float* rois() const;
  const float* roi_variance() const;
  // Copies the first n ROI pixels (or, with `variance`, ROI variances) of the last run to host.
  void download_rois(size_t n, std::vector<float>& host, bool variance) const;

  struct Impl;  // device buffers and stream (defined by the .cu)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::localization
