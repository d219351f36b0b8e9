// GpuBatchDetect: the frames of a batch go up once, on the detector's stream; conversion, the four
// à-trous passes, the wavelet levels, the per-frame thresholds, the candidate test (compacted in
// raster order by cub::DeviceSelect::If over pixel indices) and ROI extraction run there; only the
// candidates and thresholds come back. Buffers are kept and only grow.
#include <cuda_runtime_api.h>

#include <algorithm>

#include <thrust/iterator/counting_iterator.h>
#include <cub/device/device_select.cuh>

#include "kernels/cuda_check.h"
#include "kernels/device_buffer.h"
#include "kernels/parallel_for_cuda.cuh"
#include "localization/cuda/detect_batch_gpu.h"

namespace smlm::localization {

struct GpuBatchDetect::Impl {
  int device = 0;
  cudaStream_t stream = nullptr;
  // Per pixel of the batch: electrons (converted in place from the uploaded ADU), scratch (then
  // F1), V1, V2 (then F2).
  kernels::DeviceBuffer<float> electrons, tmp, v1, v2;
  kernels::DeviceBuffer<double> partial;         // per frame and slice: Σ F1, Σ F1²
  kernels::DeviceBuffer<float> thr;              // per frame
  kernels::DeviceBuffer<int64_t> index;          // candidate pixel indices, raster order
  kernels::DeviceBuffer<int64_t> count;          // how many
  kernels::DeviceBuffer<unsigned char> scratch;  // CUB's temporary storage
  kernels::DeviceBuffer<BatchCandidate> candidates;
  kernels::DeviceBuffer<float> rois;

  ~Impl() {
    if (stream) cudaStreamDestroy(stream);
  }
};

namespace {

constexpr int kThreads = 256;

// Grows (never shrinks) b to at least n elements; contents are not kept.
template <class T>
void reserve(kernels::DeviceBuffer<T>& b, size_t n) {
  if (b.size() < n) b.resize(n);
}

// Block (f, s) sums slice s of frame f's F1 into partial[2(f·parts + s)] (Σ F1) and the next
// (Σ F1²), in double, with a fixed tree: the same sums on every run.
__global__ void moments_kernel(const float* f1, int64_t pixels, int parts, double* partial) {
  const int64_t f = blockIdx.x;
  const int s = static_cast<int>(blockIdx.y);
  const int64_t chunk = (pixels + parts - 1) / parts;
  const int64_t begin = s * chunk, end = begin + chunk < pixels ? begin + chunk : pixels;
  const float* frame = f1 + f * pixels;
  double a = 0, b = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += kThreads) {
    const double v = frame[i];
    a += v;
    b += v * v;
  }
  __shared__ double sa[kThreads], sb[kThreads];
  const int t = static_cast<int>(threadIdx.x);
  sa[t] = a;
  sb[t] = b;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
    if (t < stride) {
      sa[t] += sa[t + stride];
      sb[t] += sb[t + stride];
    }
    __syncthreads();
  }
  if (t == 0) {
    partial[2 * (f * parts + s)] = sa[0];
    partial[2 * (f * parts + s) + 1] = sb[0];
  }
}

}  // namespace

GpuBatchDetect::GpuBatchDetect(int device) : impl_(std::make_unique<Impl>()) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    n = 0;
  }
  SMLM_CHECK(device >= 0 && device < n,
             "GPU detection: CUDA device " << device << " requested, " << n << " found");
  impl_->device = device;
  SMLM_CUDA_CHECK(cudaSetDevice(device));
  // A blocking stream: work on the legacy default stream (the fitter's) waits for it.
  SMLM_CUDA_CHECK(cudaStreamCreate(&impl_->stream));
}

GpuBatchDetect::~GpuBatchDetect() = default;

const float* GpuBatchDetect::rois() const { return impl_->rois.data(); }

void GpuBatchDetect::download_rois(size_t n, std::vector<float>& host) const {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  SMLM_CHECK(n <= impl_->rois.size(),
             "GPU detection: " << n << " ROI pixels requested, " << impl_->rois.size() << " held");
  host.resize(n);
  if (n)
    SMLM_CUDA_CHECK(
        cudaMemcpy(host.data(), impl_->rois.data(), n * sizeof(float), cudaMemcpyDeviceToHost));
}

void GpuBatchDetect::run(const CameraModel& camera, const DetectionSettings& detection, int radius,
                         std::span<const ImageF> frames, std::vector<BatchCandidate>& candidates,
                         std::vector<float>& thresholds) {
  Impl& g = *impl_;
  SMLM_CUDA_CHECK(cudaSetDevice(g.device));
  const cudaStream_t stream = g.stream;
  const int w = frames[0].width(), h = frames[0].height();
  const int64_t nf = static_cast<int64_t>(frames.size());
  const int64_t npix = static_cast<int64_t>(w) * h, total = nf * npix;
  // No two candidates are 8-neighbours (the earlier one would have to be both >= and < the later),
  // so each 2 × 2 block of a frame holds at most one: the compaction's output never exceeds this.
  const int64_t max_candidates = nf * ((w + 1) / 2) * ((h + 1) / 2);
  const int parts = static_cast<int>(std::clamp<int64_t>(npix / (16 * kThreads), 1, 64));

  reserve(g.electrons, total);
  reserve(g.tmp, total);
  reserve(g.v1, total);
  reserve(g.v2, total);
  reserve(g.partial, 2 * nf * parts);
  reserve(g.thr, nf);
  reserve(g.index, max_candidates);
  reserve(g.count, 1);

  for (int64_t f = 0; f < nf; ++f)
    SMLM_CUDA_CHECK(cudaMemcpyAsync(g.electrons.data() + f * npix, frames[f].data(),
                                    npix * sizeof(float), cudaMemcpyHostToDevice, stream));
  float* const e = g.electrons.data();
  kernels::parallel_for_gpu(total, AduToElectronsKernel{camera, e, e}, stream);
  // V1 = k1 ∗ I, V2 = k2 ∗ V1 (x, then y), F1 = I − V1 into tmp, F2 = V1 − V2 into v2.
  kernels::parallel_for_gpu(total, AtrousPassKernel{e, g.tmp.data(), w, h, 1, 1, 0}, stream);
  kernels::parallel_for_gpu(total, AtrousPassKernel{g.tmp.data(), g.v1.data(), w, h, 1, 0, 1},
                            stream);
  kernels::parallel_for_gpu(total, AtrousPassKernel{g.v1.data(), g.tmp.data(), w, h, 2, 1, 0},
                            stream);
  kernels::parallel_for_gpu(total, AtrousPassKernel{g.tmp.data(), g.v2.data(), w, h, 2, 0, 1},
                            stream);
  const float* const f1 = g.tmp.data();
  const float* const f2 = g.v2.data();
  kernels::parallel_for_gpu(
      total, WaveletLevelsKernel{e, g.v1.data(), g.v2.data(), g.tmp.data(), g.v2.data()}, stream);

  moments_kernel<<<dim3(static_cast<unsigned>(nf), static_cast<unsigned>(parts)), kThreads, 0,
                   stream>>>(f1, npix, parts, g.partial.data());
  SMLM_CUDA_CHECK(cudaGetLastError());
  kernels::parallel_for_gpu(
      nf, FrameThresholdKernel{g.partial.data(), parts, npix, detection.threshold, g.thr.data()},
      stream);

  // Stable compaction of the candidate pixels' indices: raster order, frame by frame.
  const CandidateTestKernel test{f2, g.thr.data(), w, h};
  const thrust::counting_iterator<int64_t> pixels(0);
  size_t scratch_bytes = 0;
  SMLM_CUDA_CHECK(cub::DeviceSelect::If(nullptr, scratch_bytes, pixels, g.index.data(),
                                        g.count.data(), total, test, stream));
  reserve(g.scratch, std::max<size_t>(scratch_bytes, 1));
  SMLM_CUDA_CHECK(cub::DeviceSelect::If(g.scratch.data(), scratch_bytes, pixels, g.index.data(),
                                        g.count.data(), total, test, stream));
  int64_t n = 0;
  SMLM_CUDA_CHECK(
      cudaMemcpyAsync(&n, g.count.data(), sizeof(int64_t), cudaMemcpyDeviceToHost, stream));
  SMLM_CUDA_CHECK(cudaStreamSynchronize(stream));

  const int size = 2 * radius + 1;
  const bool has_rois = w >= size && h >= size;
  reserve(g.candidates, static_cast<size_t>(n));
  if (has_rois) reserve(g.rois, static_cast<size_t>(n) * size * size);
  kernels::parallel_for_gpu(
      n,
      CandidateRoiKernel{g.index.data(), e, f2, w, h, radius, g.candidates.data(),
                         has_rois ? g.rois.data() : nullptr},
      stream);

  candidates.resize(static_cast<size_t>(n));
  thresholds.resize(static_cast<size_t>(nf));
  if (n)
    SMLM_CUDA_CHECK(cudaMemcpyAsync(candidates.data(), g.candidates.data(),
                                    n * sizeof(BatchCandidate), cudaMemcpyDeviceToHost, stream));
  SMLM_CUDA_CHECK(cudaMemcpyAsync(thresholds.data(), g.thr.data(), nf * sizeof(float),
                                  cudaMemcpyDeviceToHost, stream));
  SMLM_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace smlm::localization
