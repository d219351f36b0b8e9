// GpuFrameRenderer: runs the FrameRenderer functor over a frame on a CUDA device. Plain C++
// declarations; the definitions are in movie_simulator_gpu.cu (CUDA builds) or
// movie_simulator_gpu_none.cpp (CPU-only builds, where the constructor throws).
#pragma once

#include <memory>
#include <vector>

#include "simulation/frame_renderer.h"

namespace smlm::simulation {

class GpuFrameRenderer {
 public:
  // Selects CUDA device `device`; throws smlm::Error when there is none or CUDA is not compiled.
  explicit GpuFrameRenderer(int device);
  ~GpuFrameRenderer();
  GpuFrameRenderer(const GpuFrameRenderer&) = delete;
  GpuFrameRenderer& operator=(const GpuFrameRenderer&) = delete;

  // Renders r.width × r.height pixels into `out` (host memory). r.emitters and r.out are
  // replaced by device copies: `emitters` (host, sorted by y) is uploaded, the frame downloaded;
  // a spline PSF's coefficients (r.spline.coeff, host) and sCMOS maps (r.camera.maps, host) are
  // uploaded once and kept (again when their host pointer or size changes). When
  // r.table_side > 0 the emitters' tables (FrameRenderer::tables) are filled on the GPU first.
  void render(FrameRenderer r, const std::vector<FrameEmitter>& emitters, float* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::simulation
