// GpuBatchFit for builds without CUDA: constructing one throws, so the CPU path is the only one
// and callers learn why.
#include <string>

#include "core/error.h"
#include "localization/cuda/batch_fit_gpu.h"

namespace smlm::localization {

struct GpuBatchFit::Impl {};

GpuBatchFit::GpuBatchFit(int device) {
  throw Error("GPU fitting on cuda:" + std::to_string(device) +
              " requested, but smlm was built without CUDA");
}

GpuBatchFit::~GpuBatchFit() = default;

void GpuBatchFit::fit(const LmIntegratedGaussian&, const LmSettings&, const RoiBatch&, LmResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit(const LmAstigmaticGaussian&, const LmSettings&, const RoiBatch&, LmResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit(const LmCubicSpline&, const LmSettings&, const RoiBatch&, LmResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}

void GpuBatchFit::fit_device(const LmIntegratedGaussian&, const LmSettings&, const float*, int64_t,
                             int, int, LmResult*, const float*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit_device(const LmAstigmaticGaussian&, const LmSettings&, const float*, int64_t,
                             int, int, LmResult*, const float*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit_device(const LmCubicSpline&, const LmSettings&, const float*, int64_t, int,
                             int, LmResult*, const float*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}

void GpuBatchFit::fit_multi(const GaussianEmitterPsf&, const LmSettings&, const MultiFitSettings&,
                            const RoiBatch&, MultiFitResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit_multi(const AstigmaticEmitterPsf&, const LmSettings&, const MultiFitSettings&,
                            const RoiBatch&, MultiFitResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}
void GpuBatchFit::fit_multi(const SplineEmitterPsf&, const LmSettings&, const MultiFitSettings&,
                            const RoiBatch&, MultiFitResult*) {
  throw Error("GPU fitting: smlm was built without CUDA");
}

}  // namespace smlm::localization
