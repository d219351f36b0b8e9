// GpuBatchFit: uploads a batch's ROIs (and starts, variances), runs the CPU's BatchFitKernel in a
// kernel, one thread per ROI, and downloads the results. Buffers are kept and only grow.
#include <cuda_runtime_api.h>

#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/device_buffer.h"
#include "kernels/parallel_for_cuda.cuh"
#include "localization/batch_fit_kernel.h"
#include "localization/cuda/batch_fit_gpu.h"

namespace smlm::localization {

struct GpuBatchFit::Impl {
  int device = 0;
  kernels::DeviceBuffer<float> pixels, variance;
  kernels::DeviceBuffer<double> starts;
  kernels::DeviceBuffer<LmResult> results;
  kernels::DeviceBuffer<float> spline;  // device copy of the spline coefficients
  const float* spline_host = nullptr;   // what it copies
  size_t spline_size = 0;
};

namespace {

// Grows (never shrinks) b to at least n elements and copies n from host.
template <class T>
void upload(kernels::DeviceBuffer<T>& b, const T* host, size_t n) {
  if (b.size() < n) b.resize(n);
  if (n) SMLM_CUDA_CHECK(cudaMemcpy(b.data(), host, n * sizeof(T), cudaMemcpyHostToDevice));
}

}  // namespace

GpuBatchFit::GpuBatchFit(int device) : impl_(std::make_unique<Impl>()) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    n = 0;
  }
  SMLM_CHECK(device >= 0 && device < n,
             "GPU fitting: CUDA device " << device << " requested, " << n << " found");
  impl_->device = device;
  SMLM_CUDA_CHECK(cudaSetDevice(device));
}

GpuBatchFit::~GpuBatchFit() = default;

namespace {

template <class Model>
void run_gpu(GpuBatchFit::Impl& impl, const Model& model, const LmSettings& settings,
             const RoiBatch& batch, LmResult* results) {
  const int64_t n = batch.count();
  upload(impl.pixels, batch.pixels.data(), batch.pixels.size());
  upload(impl.variance, batch.variance.data(), batch.variance.size());
  upload(impl.starts, batch.starts.data(), batch.starts.size());
  if (impl.results.size() < static_cast<size_t>(n)) impl.results.resize(n);
  BatchFitKernel<Model> kernel;
  kernel.model = model;
  kernel.settings = settings;
  kernel.pixels = impl.pixels.data();
  kernel.variance = batch.variance.empty() ? nullptr : impl.variance.data();
  kernel.starts = batch.starts.empty() ? nullptr : impl.starts.data();
  kernel.w = batch.w;
  kernel.h = batch.h;
  kernel.results = impl.results.data();
  kernels::parallel_for_gpu(n, kernel, nullptr, 64);
  SMLM_CUDA_CHECK(
      cudaMemcpy(results, impl.results.data(), n * sizeof(LmResult), cudaMemcpyDeviceToHost));
}

}  // namespace

void GpuBatchFit::fit(const LmAstigmaticGaussian& model, const LmSettings& settings,
                      const RoiBatch& batch, LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  run_gpu(*impl_, model, settings, batch, results);
}

void GpuBatchFit::fit(const LmCubicSpline& model, const LmSettings& settings, const RoiBatch& batch,
                      LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  const size_t nc = static_cast<size_t>(model.psf.nx) * model.psf.ny * model.psf.nz * 64;
  if (impl_->spline_host != model.psf.coeff || impl_->spline_size != nc) {
    impl_->spline.resize(nc);
    upload(impl_->spline, model.psf.coeff, nc);
    impl_->spline_host = model.psf.coeff;
    impl_->spline_size = nc;
  }
  LmCubicSpline on_device = model;
  on_device.psf.coeff = impl_->spline.data();
  run_gpu(*impl_, on_device, settings, batch, results);
}

void GpuBatchFit::fit(const LmIntegratedGaussian& model, const LmSettings& settings,
                      const RoiBatch& batch, LmResult* results) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  const int64_t n = batch.count();
  upload(impl_->pixels, batch.pixels.data(), batch.pixels.size());
  upload(impl_->variance, batch.variance.data(), batch.variance.size());
  upload(impl_->starts, batch.starts.data(), batch.starts.size());
  if (impl_->results.size() < static_cast<size_t>(n)) impl_->results.resize(n);

  BatchFitKernel<LmIntegratedGaussian> kernel;
  kernel.model = model;
  kernel.settings = settings;
  kernel.pixels = impl_->pixels.data();
  kernel.variance = batch.variance.empty() ? nullptr : impl_->variance.data();
  kernel.starts = batch.starts.empty() ? nullptr : impl_->starts.data();
  kernel.w = batch.w;
  kernel.h = batch.h;
  kernel.results = impl_->results.data();
  // Each thread holds its ROI's model and Jacobian in local memory (~12 KB): small blocks.
  kernels::parallel_for_gpu(n, kernel, nullptr, 64);
  SMLM_CUDA_CHECK(
      cudaMemcpy(results, impl_->results.data(), n * sizeof(LmResult), cudaMemcpyDeviceToHost));
}

}  // namespace smlm::localization
