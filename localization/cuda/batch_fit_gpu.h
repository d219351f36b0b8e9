// The CUDA side of BatchFitter: uploads a batch (or takes ROIs already on the GPU), runs
// BatchFitKernel (the CPU's functor) in a kernel, downloads the results. Plain C++ declarations;
// builds without CUDA get a stub that throws.
#pragma once

#include <cstdint>
#include <memory>

#include "localization/batch_fit.h"
#include "localization/lm_models.h"
#include "localization/multi_fit.h"

namespace smlm::localization {

class GpuBatchFit {
 public:
  // Throws smlm::Error when `device` is not a usable CUDA device or CUDA was not compiled.
  explicit GpuBatchFit(int device);
  ~GpuBatchFit();
  GpuBatchFit(const GpuBatchFit&) = delete;
  GpuBatchFit& operator=(const GpuBatchFit&) = delete;

  // Fits batch.count() ROIs (sizes already checked) into results (host, count entries).
  void fit(const LmIntegratedGaussian& model, const LmSettings& settings, const RoiBatch& batch,
           LmResult* results);
  void fit(const LmAstigmaticGaussian& model, const LmSettings& settings, const RoiBatch& batch,
           LmResult* results);
  // model.psf.coeff points to host memory: uploaded on first use (and again when the pointer or
  // size changes), then the device copy is used.
  void fit(const LmCubicSpline& model, const LmSettings& settings, const RoiBatch& batch,
           LmResult* results);

  // Fits n w × h ROIs already in device memory (device_pixels, laid out as RoiBatch::pixels;
  // sizes already checked), start values from the data, with the sCMOS variances
  // device_variance (device memory, laid out as the pixels; or null), into results (host, n
  // entries). The upload path (fit) ends here too.
  void fit_device(const LmIntegratedGaussian& model, const LmSettings& settings,
                  const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                  const float* device_variance = nullptr);
  void fit_device(const LmAstigmaticGaussian& model, const LmSettings& settings,
                  const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                  const float* device_variance = nullptr);
  void fit_device(const LmCubicSpline& model, const LmSettings& settings,
                  const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                  const float* device_variance = nullptr);

  // Multi-emitter fits (batch_fit_kernel.h's MultiFitKernel) of batch.count() ROIs into results
  // (host). A spline's coefficients as for fit().
  void fit_multi(const GaussianEmitterPsf& psf, const LmSettings& settings,
                 const MultiFitSettings& multi, const RoiBatch& batch, MultiFitResult* results);
  void fit_multi(const AstigmaticEmitterPsf& psf, const LmSettings& settings,
                 const MultiFitSettings& multi, const RoiBatch& batch, MultiFitResult* results);
  void fit_multi(const SplineEmitterPsf& psf, const LmSettings& settings,
                 const MultiFitSettings& multi, const RoiBatch& batch, MultiFitResult* results);

  struct Impl;  // device buffers (defined by the .cu; public for its helpers)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::localization
