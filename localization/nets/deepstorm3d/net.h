// DeepSTORM3D's localization net (Nehme et al. 2020): a camera frame in, a voxel volume out — z as
// output channels, x and y on a grid `upsampling` times finer than the camera's. Width, depth
// (z slices) and upsampling are settings stored in the model; the published net is width 64,
// upsampling 4 and D = 121 slices over 4 µm.
#pragma once

#include <cstdint>
#include <memory>

#include "nn/layers/graph.h"

namespace smlm::localization::nets::deepstorm3d {

struct NetConfig {
  static constexpr int kMaxWidth = 1024;
  static constexpr int kMaxSlices = 512;
  int width = 32;      // features of the residual layers (published: 64)
  int slices = 32;     // D: output channels = z slices of the volume
  int upsampling = 4;  // lateral fine pixels per camera pixel: 1, 2 or 4 (×2 stages)

  // Throws smlm::Error unless width ∈ [1, kMaxWidth], slices ∈ [1, kMaxSlices], upsampling ∈
  // {1, 2, 4}.
  void validate() const;
};

// The net, input (N, 1, H, W) normalized frames (any H, W: no pooling), output (N, D, U·H, U·W):
//   x0 = BatchNorm(input)
//   h1 = L(x0, 1 → F, dilation 1);  h_k = L([h_{k−1}, x0], F + 1 → F, dilation d_k) + h_{k−1}
//        for k = 2…6, d = 1, 2, 4, 8, 16         L = 3×3 conv → LeakyReLU(0.2) → BatchNorm
//   u = [h6, x0]; per ×2 stage: nearest upsampling ×2 → L(·, F(+1) → F, dilation 1)
//   v = L(u, F → D); v += L(v, D → D); v += L(v, D → D); 1×1 conv (bias) D → D, linear.
// The published net clips its output to [0, scale] with a HardTanh; here the loss sees the linear
// output (a clip's zero gradient lets a fresh net die at 0) and the post-processing clips.
// Weights He-normal from Philox streams derived from `seed`.
std::unique_ptr<nn::Graph> build_net(const NetConfig& config, uint64_t seed);

}  // namespace smlm::localization::nets::deepstorm3d
