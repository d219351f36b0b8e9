// BGNet (Möckl et al., PNAS 2020): a small U-Net that reads one single-molecule ROI and predicts
// the background under the PSF, pixel by pixel, so that the MLE fit that follows is not biased by
// structure in it (localization/roi_background.h).
//   block(in, out) = 3×3 conv (padding 1) → BatchNorm → ReLU
//   encoder: [block]×2 (F) → 2×2 max pool → [block]×2 (2F) → 2×2 max pool → [block]×2 (8F)
//   decoder: nearest ×2 → concat with the 2F features → [block]×2 (2F) → nearest ×2 → concat
//            with the F features → [block]×2 (F) → 1×1 conv → 1 channel (no activation)
// F = 16 is the published net (16, 32, 128 features). Input (N, 1, S, S) ROIs divided by their
// mean, output the background over the same mean; S a multiple of 4 (any such S: the net is fully
// convolutional, so one model serves 12 px Gaussian ROIs and 40 px tetrapod ones).
#pragma once

#include <cstdint>
#include <memory>

#include "nn/layers/graph.h"

namespace smlm::localization::nets::bgnet {

struct NetConfig {
  static constexpr int kMaxWidth = 256;
  static constexpr int kMultiple = 4;  // ROI sides must be multiples of this (two poolings)
  int width = 16;                      // F

  // Throws smlm::Error unless width ∈ [1, kMaxWidth].
  void validate() const;
};

// The net; weights He-normal from Philox streams derived from `seed`.
std::unique_ptr<nn::Graph> build_net(const NetConfig& c, uint64_t seed);

}  // namespace smlm::localization::nets::bgnet
