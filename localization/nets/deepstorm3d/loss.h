// DeepSTORM3D's target and loss (Nehme et al. 2020): the truth as spikes in a voxel volume, and
//   L = mean((G∗p − G∗t)²) + Dice(p/s, t/s),   Dice(a, b) = 1 − (2Σab + 1)/(Σa² + Σb² + 1)
// with G the separable 3D Gaussian of σ = 1 voxel (radius 3, peak 1: a blurred spike keeps its
// height), zero-padded at the volume's faces, and s the target's spike value (scale). The Dice
// term, summed over the whole batch as the published code flattens it, rewards overlap of the
// predicted and true supports; the blurred MSE tolerates a voxel's misplacement.
// Volumes are (N, D, H, W) float tensors (z slice as channel), computed on the host.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/tensor.h"

namespace smlm::localization::nets::deepstorm3d {

// One emitter of a training frame: camera pixel coordinates (centres at integers), z [nm], photons.
struct VolumeEmitter {
  double x = 0, y = 0, z_nm = 0, photons = 0;
};

// The volume's geometry: D slices over [z_min, z_max) and U fine pixels per camera pixel.
struct VolumeGeometry {
  int slices = 1, upsampling = 1, width = 0, height = 0;  // width, height: camera px
  double z_min_nm = 0, z_max_nm = 1;

  double slice_nm() const { return (z_max_nm - z_min_nm) / slices; }
  // The voxel of an emitter (false when it lies outside the volume).
  bool voxel(const VolumeEmitter& e, int& kz, int& ky, int& kx) const;
  // Fractional voxel indices → camera pixel coordinates and z [nm] (voxel centres at k + ½).
  double x_px(double kx) const { return (kx + 0.5) / upsampling - 0.5; }
  double z_nm(double kz) const { return z_min_nm + (kz + 0.5) * slice_nm(); }
};

// Adds `scale` at each emitter's voxel of one D × (U·H) × (U·W) volume (zeroed first).
void spike_volume(const std::vector<VolumeEmitter>& emitters, const VolumeGeometry& g, double scale,
                  float* volume);

// In place: the separable Gaussian G (σ = 1 voxel, radius 3, peak 1, zero padding) over each of
// n volumes of d × h × w. G is symmetric, so it is its own adjoint.
void blur_volumes(int64_t n, int d, int h, int w, float* v);

struct VolumeLoss {
  double value = 0, mse = 0, dice = 0;  // value = mse + dice
  nn::Tensor grad;  // ∂value/∂prediction (need_grad), on the prediction's device
};
// The loss of a batch of predicted volumes against spike targets (same shape, any device).
VolumeLoss volume_loss(const nn::Tensor& prediction, const nn::Tensor& target, double scale,
                       bool need_grad);

}  // namespace smlm::localization::nets::deepstorm3d
