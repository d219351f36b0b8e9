// Deep-STORM's network (Nehme et al. 2018): nearest upsampling of the camera frame onto a fine
// grid, then a fully convolutional encoder–decoder without skips that turns it into a map of
// emitter spikes on that grid. The upsampling factor and the widths are settings (published
// defaults), so that tests and small machines can train smaller versions of the same shape.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "nn/layers/sequential.h"

namespace smlm::localization::nets::deepstorm {

struct NetConfig {
  // The widest stage allowed (the published net's widest is 512): a 3x3 convolution between two
  // stages of this width holds 4096² · 9 weights (600 MB with its Adam state).
  static constexpr int kMaxWidth = 4096;
  // Fine pixels per camera pixel along x and y (nearest upsampling before the first conv).
  int upsampling = 8;
  // Channels of the four encoder stages; the decoder mirrors the first three.
  std::array<int, 4> widths = {32, 64, 128, 512};

  // Throws smlm::Error unless upsampling ∈ [1, 16] and every width ∈ [1, kMaxWidth].
  void validate() const;
  // The multiple of camera pixels a frame side must be for the three 2× poolings of the fine grid
  // (8/gcd(8, upsampling)); localization pads frames to it.
  int size_multiple() const;
};

// The net, input (N, 1, H, W) normalized camera frames (H, W multiples of size_multiple()),
// output (N, 1, U·H, U·W) the spike map on the fine grid, U = upsampling:
//   Upsample(U, nearest)
//   [3×3 conv (no bias) + BatchNorm + ReLU] w0 → maxpool 2 → w1 → maxpool 2 → w2 → maxpool 2 → w3
//   → up 2 → w2 → up 2 → w1 → up 2 → w0
//   1×1 conv (with bias) to one linear channel.
// Weights He-normal from Philox streams derived from `seed`.
std::unique_ptr<nn::Sequential> build_net(const NetConfig& config, uint64_t seed);

}  // namespace smlm::localization::nets::deepstorm
