// GpuBatchFit: uploads a batch's ROIs (and starts, variances), or takes ROIs already on the GPU,
// runs the CPU's BatchFitKernel in a kernel, one thread per ROI, and downloads the results.
// Buffers are kept and only grow.
#include <cuda_runtime_api.h>

#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/device.h"
#include "kernels/device_buffer.h"
#include "kernels/parallel_for_cuda.cuh"
#include "localization/batch_fit_kernel.h"
#include "localization/cuda/batch_fit_gpu.h"

namespace smlm::localization {

struct GpuBatchFit::Impl {
  int device = 0;
  kernels::DeviceBuffer<float> pixels, variance;
  kernels::DeviceBuffer<double> starts;  // also a multi-emitter batch's seeds
  kernels::DeviceBuffer<LmResult> results;
  kernels::DeviceBuffer<MultiFitResult> multi_results;
  kernels::DeviceBuffer<float> spline;  // device copy of the spline coefficients
  const float* spline_host = nullptr;   // what it copies
  size_t spline_size = 0;
};

namespace {

// Grows (never shrinks) b to at least n elements and copies n from host.
template <class T>
void upload(kernels::DeviceBuffer<T>& b, const T* host, size_t n) {
  b.grow(n);
  if (n) SMLM_CUDA_CHECK(cudaMemcpy(b.data(), host, n * sizeof(T), cudaMemcpyHostToDevice));
}

// Fits n ROIs in device memory (variance, starts: device memory or null) into results (host).
template <class Model>
void launch(GpuBatchFit::Impl& impl, const Model& model, const LmSettings& settings,
            const float* pixels, const float* variance, const double* starts, int64_t n, int w,
            int h, LmResult* results) {
  impl.results.grow(static_cast<size_t>(n));
  const BatchFitKernel<Model> kernel{model,  settings, pixels, variance,
                                     starts, w,        h,      impl.results.data()};
  // 255 registers and 2.7–4.5 KB of stack per thread (ptxas -v, sm_90): small blocks.
  kernels::parallel_for_gpu(n, kernel, nullptr, 64);
  SMLM_CUDA_CHECK(
      cudaMemcpy(results, impl.results.data(), n * sizeof(LmResult), cudaMemcpyDeviceToHost));
}

template <class Model>
void upload_and_launch(GpuBatchFit::Impl& impl, const Model& model, const LmSettings& settings,
                       const RoiBatch& batch, LmResult* results) {
  upload(impl.pixels, batch.pixels.data(), batch.pixels.size());
  upload(impl.variance, batch.variance.data(), batch.variance.size());
  upload(impl.starts, batch.starts.data(), batch.starts.size());
  launch(impl, model, settings, impl.pixels.data(),
         batch.variance.empty() ? nullptr : impl.variance.data(),
         batch.starts.empty() ? nullptr : impl.starts.data(), batch.count(), batch.w, batch.h,
         results);
}

// The model with its coefficients in device memory: uploaded on first use, and again when the
// host pointer or the size changes.
LmCubicSpline on_device(GpuBatchFit::Impl& impl, const LmCubicSpline& model) {
  const size_t nc = static_cast<size_t>(model.psf.nx) * model.psf.ny * model.psf.nz * 64;
  if (impl.spline_host != model.psf.coeff || impl.spline_size != nc) {
    impl.spline.resize(nc);
    upload(impl.spline, model.psf.coeff, nc);
    impl.spline_host = model.psf.coeff;
    impl.spline_size = nc;
  }
  LmCubicSpline d = model;
  d.psf.coeff = impl.spline.data();
  return d;
}

// Multi-emitter fits of a batch's ROIs (uploaded with their variances and seeds) into results
// (host).
template <class Psf>
void launch_multi(GpuBatchFit::Impl& impl, const Psf& psf, const LmSettings& settings,
                  const MultiFitSettings& multi, const RoiBatch& batch, MultiFitResult* results) {
  upload(impl.pixels, batch.pixels.data(), batch.pixels.size());
  upload(impl.variance, batch.variance.data(), batch.variance.size());
  upload(impl.starts, batch.seeds.data(), batch.seeds.size());
  const int64_t n = batch.count();
  impl.multi_results.grow(static_cast<size_t>(n));
  const MultiFitKernel<Psf> kernel{psf,
                                   settings,
                                   multi,
                                   impl.pixels.data(),
                                   batch.variance.empty() ? nullptr : impl.variance.data(),
                                   batch.seeds.empty() ? nullptr : impl.starts.data(),
                                   batch.w,
                                   batch.h,
                                   impl.multi_results.data()};
  // Up to 17-parameter systems per thread (a deeper stack than the single fits'): small blocks.
  kernels::parallel_for_gpu(n, kernel, nullptr, 32);
  SMLM_CUDA_CHECK(cudaMemcpy(results, impl.multi_results.data(), n * sizeof(MultiFitResult),
                             cudaMemcpyDeviceToHost));
}

}  // namespace

GpuBatchFit::GpuBatchFit(int device) : impl_(std::make_unique<Impl>()) {
  kernels::use_cuda_device(device, "GPU fitting");
  impl_->device = device;
}

GpuBatchFit::~GpuBatchFit() = default;

void GpuBatchFit::fit(const LmIntegratedGaussian& model, const LmSettings& settings,
                      const RoiBatch& batch, LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  upload_and_launch(*impl_, model, settings, batch, results);
}

void GpuBatchFit::fit(const LmAstigmaticGaussian& model, const LmSettings& settings,
                      const RoiBatch& batch, LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  upload_and_launch(*impl_, model, settings, batch, results);
}

void GpuBatchFit::fit(const LmCubicSpline& model, const LmSettings& settings, const RoiBatch& batch,
                      LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  upload_and_launch(*impl_, on_device(*impl_, model), settings, batch, results);
}

void GpuBatchFit::fit_device(const LmIntegratedGaussian& model, const LmSettings& settings,
                             const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                             const float* device_variance) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  launch(*impl_, model, settings, device_pixels, device_variance, nullptr, n, w, h, results);
}

void GpuBatchFit::fit_device(const LmAstigmaticGaussian& model, const LmSettings& settings,
                             const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                             const float* device_variance) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  launch(*impl_, model, settings, device_pixels, device_variance, nullptr, n, w, h, results);
}

void GpuBatchFit::fit_device(const LmCubicSpline& model, const LmSettings& settings,
                             const float* device_pixels, int64_t n, int w, int h, LmResult* results,
                             const float* device_variance) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  launch(*impl_, on_device(*impl_, model), settings, device_pixels, device_variance, nullptr, n, w,
         h, results);
}

void GpuBatchFit::fit_multi(const GaussianEmitterPsf& psf, const LmSettings& settings,
                            const MultiFitSettings& multi, const RoiBatch& batch,
                            MultiFitResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  launch_multi(*impl_, psf, settings, multi, batch, results);
}

void GpuBatchFit::fit_multi(const AstigmaticEmitterPsf& psf, const LmSettings& settings,
                            const MultiFitSettings& multi, const RoiBatch& batch,
                            MultiFitResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  launch_multi(*impl_, psf, settings, multi, batch, results);
}

void GpuBatchFit::fit_multi(const SplineEmitterPsf& psf, const LmSettings& settings,
                            const MultiFitSettings& multi, const RoiBatch& batch,
                            MultiFitResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  SplineEmitterPsf d = psf;
  d.psf = on_device(*impl_, LmCubicSpline(psf.psf)).psf;
  launch_multi(*impl_, d, settings, multi, batch, results);
}

}  // namespace smlm::localization
