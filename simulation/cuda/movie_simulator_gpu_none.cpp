// GpuFrameRenderer for builds without CUDA: constructing one throws, so the CPU path is the only
// one and callers learn why.
#include "core/error.h"
#include "simulation/cuda/movie_simulator_gpu.h"

namespace smlm::simulation {

struct GpuFrameRenderer::Impl {};

GpuFrameRenderer::GpuFrameRenderer(int device) {
  throw Error("GPU simulation on cuda:" + std::to_string(device) +
              " requested, but smlm was built without CUDA");
}

GpuFrameRenderer::~GpuFrameRenderer() = default;

void GpuFrameRenderer::render(FrameRenderer, const std::vector<FrameEmitter>&, float*) {
  throw Error("GPU simulation: smlm was built without CUDA");
}

}  // namespace smlm::simulation
