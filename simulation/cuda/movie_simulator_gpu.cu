// The GPU side of the simulator: uploads a frame's emitters, runs the same FrameRenderer functor
// as the CPU in a kernel, downloads the pixels. Buffers are kept and only grow between frames.
#include <cuda_runtime_api.h>

#include <algorithm>

#include "kernels/cuda_check.h"
#include "kernels/device.h"
#include "kernels/device_buffer.h"
#include "kernels/parallel_for_cuda.cuh"
#include "simulation/cuda/movie_simulator_gpu.h"

namespace smlm::simulation {

struct GpuFrameRenderer::Impl {
  int device = 0;
  kernels::DeviceBuffer<FrameEmitter> emitters;
  kernels::DeviceBuffer<float> pixels;
  kernels::DeviceBuffer<double> tables;  // FrameRenderer::tables of the current frame
  kernels::DeviceBuffer<float> spline;   // device copy of the spline PSF's coefficients
  const float* spline_host = nullptr;    // what it copies
  size_t spline_size = 0;
  kernels::DeviceBuffer<float> maps;  // device copy of the sCMOS maps: offset, gain, variance
  const float* maps_host = nullptr;   // the host offset map it copies
  size_t maps_size = 0;               // pixels per map
  kernels::DeviceBuffer<float> background;  // device copy of the background map
  const float* background_host = nullptr;   // what it copies
};

GpuFrameRenderer::GpuFrameRenderer(int device) : impl_(std::make_unique<Impl>()) {
  kernels::use_cuda_device(device, "GPU simulation");
  impl_->device = device;
}

GpuFrameRenderer::~GpuFrameRenderer() = default;

void GpuFrameRenderer::render(FrameRenderer r, const std::vector<FrameEmitter>& emitters,
                              float* out) {
  SMLM_CUDA_CHECK(cudaSetDevice(impl_->device));
  const size_t n = emitters.size();
  if (impl_->emitters.size() < n) impl_->emitters.resize(std::max(n, 2 * impl_->emitters.size()));
  if (n)
    SMLM_CUDA_CHECK(cudaMemcpy(impl_->emitters.data(), emitters.data(), n * sizeof(FrameEmitter),
                               cudaMemcpyHostToDevice));
  const size_t pixels = static_cast<size_t>(r.width) * static_cast<size_t>(r.height);
  if (impl_->pixels.size() != pixels) impl_->pixels.resize(pixels);
  if (r.psf == RenderPsf::spline) {
    const size_t nc = static_cast<size_t>(r.spline.nx) * r.spline.ny * r.spline.nz * 64;
    if (impl_->spline_host != r.spline.coeff || impl_->spline_size != nc) {
      impl_->spline.resize(nc);
      SMLM_CUDA_CHECK(cudaMemcpy(impl_->spline.data(), r.spline.coeff, nc * sizeof(float),
                                 cudaMemcpyHostToDevice));
      impl_->spline_host = r.spline.coeff;
      impl_->spline_size = nc;
    }
    r.spline.coeff = impl_->spline.data();
  }
  if (!r.camera.maps.empty()) {
    CameraMapsView& m = r.camera.maps;
    const size_t np = static_cast<size_t>(m.sensor_width) * static_cast<size_t>(m.sensor_height);
    if (impl_->maps_host != m.offset || impl_->maps_size != np) {
      impl_->maps.resize(3 * np);
      const float* host[3] = {m.offset, m.gain, m.variance};
      for (int k = 0; k < 3; ++k)
        SMLM_CUDA_CHECK(cudaMemcpy(impl_->maps.data() + k * np, host[k], np * sizeof(float),
                                   cudaMemcpyHostToDevice));
      impl_->maps_host = m.offset;
      impl_->maps_size = np;
    }
    m.offset = impl_->maps.data();
    m.gain = impl_->maps.data() + np;
    m.variance = impl_->maps.data() + 2 * np;
  }
  if (r.background_map != nullptr) {
    if (impl_->background_host != r.background_map || impl_->background.size() != pixels) {
      impl_->background.resize(pixels);
      SMLM_CUDA_CHECK(cudaMemcpy(impl_->background.data(), r.background_map,
                                 pixels * sizeof(float), cudaMemcpyHostToDevice));
      impl_->background_host = r.background_map;
    }
    r.background_map = impl_->background.data();
  }
  r.emitters = impl_->emitters.data();
  r.num_emitters = static_cast<int64_t>(n);
  r.out = impl_->pixels.data();
  r.tables = nullptr;
  if (r.table_side > 0 && n > 0) {
    const size_t t = n * 2 * static_cast<size_t>(r.table_side);
    if (impl_->tables.size() < t) impl_->tables.resize(std::max(t, 2 * impl_->tables.size()));
    r.tables = impl_->tables.data();
    kernels::parallel_for_gpu(static_cast<int64_t>(n), FrameTables{r});
  }
  kernels::parallel_for_gpu(static_cast<int64_t>(pixels), r);
  SMLM_CUDA_CHECK(
      cudaMemcpy(out, impl_->pixels.data(), pixels * sizeof(float), cudaMemcpyDeviceToHost));
}

}  // namespace smlm::simulation
