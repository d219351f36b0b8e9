// GpuBatchDetect for builds without CUDA: constructing one throws, so the CPU path is the only one
// and callers learn why.
#include <string>

#include "core/error.h"
#include "localization/cuda/detect_batch_gpu.h"

namespace smlm::localization {

struct GpuBatchDetect::Impl {};

GpuBatchDetect::GpuBatchDetect(int device) {
  throw Error("GPU detection on cuda:" + std::to_string(device) +
              " requested, but smlm was built without CUDA");
}

GpuBatchDetect::~GpuBatchDetect() = default;

void GpuBatchDetect::run(const PixelCamera&, const DetectionSettings&, int, std::span<const ImageF>,
                         std::vector<BatchCandidate>&, std::vector<float>&) {
  throw Error("GPU detection: smlm was built without CUDA");
}

const float* GpuBatchDetect::rois() const { return nullptr; }
const float* GpuBatchDetect::roi_variance() const { return nullptr; }

void GpuBatchDetect::download_rois(size_t, std::vector<float>&, bool) const {
  throw Error("GPU detection: smlm was built without CUDA");
}

}  // namespace smlm::localization
