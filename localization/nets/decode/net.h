// DECODE's network (Speiser et al. 2021): each input frame (t−1, t, t+1, or t alone) through one
// shared U-Net, their features concatenated and through a second U-Net, then four heads on the
// camera pixel grid — detection probability (1 channel), means of photons, x, y[, z] (D), their
// σs (D) and background (1) — whose raw outputs kernels/nn/pixel_gmm_math.h turns into values.
// Depth, width and activation are settings stored in the model file; the published net is
// width 48, depth 2, ELU.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/layers/activation.h"
#include "nn/layers/graph.h"

namespace smlm::localization::nets::decode {

struct NetConfig {
  static constexpr int kMaxWidth = 1024;
  int frames = 3;  // 3: frames t−1, t, t+1 (temporal context); 1: frame t alone
  int dims = 3;    // D: 3 (photons, x, y) for 2D, 4 (… , z) for 3D
  int width = 48;  // features of the U-Nets' first level (doubled per level down)
  int depth = 2;   // stride-2 downsamplings per U-Net
  nn::ActivationKind activation = nn::ActivationKind::elu;

  // Throws smlm::Error unless frames ∈ {1, 3}, dims ∈ {3, 4}, width ∈ [1, kMaxWidth], depth ∈
  // [1, 5], and the activation is ELU, ReLU or leaky ReLU.
  void validate() const;
  // The multiple a frame side must be (2^depth); localization pads frames to it.
  int size_multiple() const { return 1 << depth; }
  int out_channels() const { return 2 + 2 * dims; }
};

// The whole net as one Layer: input (N, frames, H, W) normalized frames (H, W multiples of
// size_multiple()), output (N, 2 + 2D, H, W) raw head outputs. The frames go through the shared
// U-Net as a batch of N·frames one-channel images — (N, frames, H, W) and (N·frames, 1, H, W) are
// the same memory, and so are (N·frames, F, H, W) and (N, frames·F, H, W), so no copies.
//   U-Net(in, F): per level l < depth: [3×3 conv + act]×2 (F·2^l) → 2×2 conv stride 2 + act;
//   bottom [3×3 conv + act]×2 (F·2^depth); up: nearest ×2 → 3×3 conv + act (F·2^l) → concat with
//   level l's features → [3×3 conv + act]×2 (F·2^l); out F channels.
//   Heads, each on the union U-Net's F features: 3×3 conv + act → 1×1 conv to its channels.
// Weights He-normal (convs before an activation) from Philox streams derived from `seed`.
class DecodeNet : public nn::Layer {
 public:
  DecodeNet(const NetConfig& config, uint64_t seed);

  nn::Tensor forward(const nn::Tensor& x, bool training) override;
  // Returns an undefined tensor: the input is data.
  nn::Tensor backward(const nn::Tensor& grad_out) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, nn::Layer*>> children() const override;

  const NetConfig& config() const { return config_; }

 private:
  NetConfig config_;
  std::unique_ptr<nn::Graph> frame_net_, union_net_;
  nn::Shape input_shape_{};
};

}  // namespace smlm::localization::nets::decode
