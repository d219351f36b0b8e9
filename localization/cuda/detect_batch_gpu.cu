// GpuBatchDetect: the frames of a batch go up once; conversion, the four à-trous passes, the
// wavelet levels, the per-frame thresholds, the candidate test (compacted in raster order by
// cub::DeviceSelect::If over pixel indices) and ROI extraction run on the detector's stream; only
// the candidates and thresholds come back. Uploads overlap compute: the batch goes up in chunks of
// whole frames, staged in pinned memory, on a second stream, and each chunk's filtering starts as
// soon as its copy has landed while the next chunk is staged and copied. Buffers are kept and only
// grow.
#include <cuda_runtime_api.h>

#include <algorithm>

#include <thrust/iterator/counting_iterator.h>
#include <cub/device/device_select.cuh>

#include "kernels/cuda_check.h"
#include "kernels/device.h"
#include "kernels/device_buffer.h"
#include "kernels/parallel_for_cuda.cuh"
#include "localization/cuda/detect_batch_gpu.h"

namespace smlm::localization {

// Chunks a batch is uploaded in (at most; one per frame for smaller batches).
constexpr int kUploadChunks = 4;

struct GpuBatchDetect::Impl {
  int device = 0;
  cudaStream_t stream = nullptr;           // compute
  cudaStream_t upload = nullptr;           // host → device copies
  cudaEvent_t landed[kUploadChunks] = {};  // chunk c's copy is done
  float* staging = nullptr;                // pinned host memory for the uploads
  size_t staging_size = 0;                 // floats
  // Per pixel of the batch: electrons (converted in place from the uploaded ADU), scratch (then
  // F1), V1, V2 (then F2).
  kernels::DeviceBuffer<float> electrons, tmp, v1, v2;
  kernels::DeviceBuffer<double> partial;         // per frame and slice: Σ F1, Σ F1²
  kernels::DeviceBuffer<float> thr;              // per frame
  kernels::DeviceBuffer<int64_t> index;          // candidate pixel indices, raster order
  kernels::DeviceBuffer<int64_t> count;          // how many
  kernels::DeviceBuffer<unsigned char> scratch;  // CUB's temporary storage
  kernels::DeviceBuffer<BatchCandidate> candidates;
  kernels::DeviceBuffer<float> rois, roi_variance;
  kernels::DeviceBuffer<float> maps;  // device copy of the sCMOS maps: offset, gain, variance
  const float* maps_host = nullptr;   // the host offset map it copies
  size_t maps_size = 0;               // pixels per map
  bool with_maps = false;             // the last run had maps

  ~Impl() {
    for (cudaEvent_t e : landed)
      if (e) cudaEventDestroy(e);
    if (upload) cudaStreamDestroy(upload);
    if (stream) cudaStreamDestroy(stream);
    if (staging) cudaFreeHost(staging);
  }
};

namespace {

constexpr int kThreads = 256;

// Grows (never shrinks) b to at least n elements; contents are not kept.
template <class T>
void reserve(kernels::DeviceBuffer<T>& b, size_t n) {
  b.grow(n);
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
  kernels::use_cuda_device(device, "GPU detection");
  impl_->device = device;
  // Blocking streams: work on the legacy default stream (the fitter's) waits for them.
  SMLM_CUDA_CHECK(cudaStreamCreate(&impl_->stream));
  SMLM_CUDA_CHECK(cudaStreamCreate(&impl_->upload));
  for (cudaEvent_t& e : impl_->landed)
    SMLM_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
}

GpuBatchDetect::~GpuBatchDetect() = default;

const float* GpuBatchDetect::rois() const { return impl_->rois.data(); }

const float* GpuBatchDetect::roi_variance() const {
  return impl_->with_maps ? impl_->roi_variance.data() : nullptr;
}

void GpuBatchDetect::download_rois(size_t n, std::vector<float>& host, bool variance) const {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  const kernels::DeviceBuffer<float>& b = variance ? impl_->roi_variance : impl_->rois;
  SMLM_CHECK(n <= b.size(),
             "GPU detection: " << n << " ROI values requested, " << b.size() << " held");
  host.resize(n);
  if (n)
    SMLM_CUDA_CHECK(cudaMemcpy(host.data(), b.data(), n * sizeof(float), cudaMemcpyDeviceToHost));
}

void GpuBatchDetect::run(const PixelCamera& host_camera, const DetectionSettings& detection,
                         int radius, std::span<const ImageF> frames,
                         std::vector<BatchCandidate>& candidates, std::vector<float>& thresholds) {
  Impl& g = *impl_;
  SMLM_CUDA_CHECK(cudaSetDevice(g.device));
  // The camera with its maps in device memory (uploaded when they change).
  PixelCamera camera = host_camera;
  g.with_maps = !camera.maps.empty();
  if (g.with_maps) {
    CameraMapsView& m = camera.maps;
    const size_t np = static_cast<size_t>(m.sensor_width) * static_cast<size_t>(m.sensor_height);
    if (g.maps_host != m.offset || g.maps_size != np) {
      g.maps_host = nullptr;  // until the copy is complete
      g.maps.resize(3 * np);
      const float* host[3] = {m.offset, m.gain, m.variance};
      for (int k = 0; k < 3; ++k)
        SMLM_CUDA_CHECK(cudaMemcpy(g.maps.data() + k * np, host[k], np * sizeof(float),
                                   cudaMemcpyHostToDevice));
      g.maps_host = m.offset;
      g.maps_size = np;
    }
    m.offset = g.maps.data();
    m.gain = g.maps.data() + np;
    m.variance = g.maps.data() + 2 * np;
  }
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

  // Pinned staging for the whole batch. A previous run that returned left both streams idle (its
  // compute waited for every upload); one that threw may not have: wait before reusing the
  // staging memory.
  SMLM_CUDA_CHECK(cudaStreamSynchronize(g.upload));
  SMLM_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (g.staging_size < static_cast<size_t>(total)) {
    if (g.staging) SMLM_CUDA_CHECK(cudaFreeHost(g.staging));
    g.staging = nullptr;
    g.staging_size = 0;
    SMLM_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&g.staging), total * sizeof(float)));
    g.staging_size = static_cast<size_t>(total);
  }
  // Chunk by chunk: stage (CPU), copy (upload stream), then filter (compute stream, after the
  // copy has landed) while the CPU stages the next chunk. Frames are independent, so each chunk's
  // passes run on its own frames.
  float* const e = g.electrons.data();
  const int64_t chunks = std::min<int64_t>(nf, kUploadChunks);
  const int64_t per_chunk = (nf + chunks - 1) / chunks;
  for (int64_t c = 0, f0 = 0; f0 < nf; ++c, f0 += per_chunk) {
    const int64_t f1 = std::min(nf, f0 + per_chunk), off = f0 * npix, n = (f1 - f0) * npix;
    for (int64_t f = f0; f < f1; ++f)
      std::copy(frames[f].data(), frames[f].data() + npix, g.staging + f * npix);
    SMLM_CUDA_CHECK(cudaMemcpyAsync(e + off, g.staging + off, n * sizeof(float),
                                    cudaMemcpyHostToDevice, g.upload));
    SMLM_CUDA_CHECK(cudaEventRecord(g.landed[c], g.upload));
    SMLM_CUDA_CHECK(cudaStreamWaitEvent(stream, g.landed[c], 0));
    // V1 = k1 ∗ I, V2 = k2 ∗ V1 (x, then y), F1 = I − V1 into tmp, F2 = V1 − V2 into v2.
    float *ec = e + off, *tc = g.tmp.data() + off, *v1c = g.v1.data() + off,
          *v2c = g.v2.data() + off;
    kernels::parallel_for_gpu(n, AduToElectronsKernel{camera, ec, ec, w, h}, stream);
    kernels::parallel_for_gpu(n, AtrousPassKernel{ec, tc, w, h, 1, 1, 0}, stream);
    kernels::parallel_for_gpu(n, AtrousPassKernel{tc, v1c, w, h, 1, 0, 1}, stream);
    kernels::parallel_for_gpu(n, AtrousPassKernel{v1c, tc, w, h, 2, 1, 0}, stream);
    kernels::parallel_for_gpu(n, AtrousPassKernel{tc, v2c, w, h, 2, 0, 1}, stream);
    kernels::parallel_for_gpu(n, WaveletLevelsKernel{ec, v1c, v2c, tc, v2c}, stream);
  }
  const float* const f1 = g.tmp.data();
  const float* const f2 = g.v2.data();

  moments_kernel<<<dim3(static_cast<unsigned>(nf), static_cast<unsigned>(parts)), kThreads, 0,
                   stream>>>(f1, npix, parts, g.partial.data());
  SMLM_CUDA_CHECK(cudaGetLastError());
  kernels::parallel_for_gpu(
      nf, FrameThresholdKernel{g.partial.data(), parts, npix, detection.threshold, g.thr.data()},
      stream);

  // Stable compaction of the candidate pixels' indices: raster order, frame by frame.
  const CandidateTestKernel test{f2, g.thr.data(), w, h, std::max(1, detection.nms_radius)};
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
  const bool roi_variance = has_rois && g.with_maps;
  if (roi_variance) reserve(g.roi_variance, static_cast<size_t>(n) * size * size);
  kernels::parallel_for_gpu(
      n,
      CandidateRoiKernel{g.index.data(), e, f2, w, h, radius, g.candidates.data(),
                         has_rois ? g.rois.data() : nullptr, camera,
                         roi_variance ? g.roi_variance.data() : nullptr},
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
