// BGNet's training ROIs, simulated on the fly with the simulator's functors: a PSF on a
// structured background through the camera (DataSettings), and that background as the target.
// Both in photoelectrons; the net sees them divided by the ROI's mean (normalization_scale), which
// makes it blind to the overall brightness: one model for any photon and background level.
#pragma once

#include <cstdint>
#include <vector>

#include "localization/nets/bgnet/model.h"
#include "nn/tensor.h"

namespace smlm::localization::nets::bgnet {

// The divisor of a ROI's pixels for the net: their mean, at least 1e-3 e⁻.
float normalization_scale(const float* roi, int64_t n);

class SampleSimulator {
 public:
  // Loads the PSF of d (a 3D spline or calibration file is read once). Throws smlm::Error for
  // impossible settings.
  explicit SampleSimulator(const DataSettings& d);

  // Sample `index` of stream `seed`: electrons and background get roi² values (photoelectrons:
  // the camera's ADU converted back, and the expected background). The same (settings, seed,
  // index) give the same sample.
  void simulate(uint64_t seed, int64_t index, std::vector<float>& electrons,
                std::vector<float>& background) const;

  const DataSettings& data() const { return data_; }

 private:
  DataSettings data_;
  simulation::SimulationSettings sim_;  // owns the spline the renderer points into
};

// A batch on the CPU: input (n, 1, S, S) and target (n, 1, S, S), each ROI divided by its
// normalization_scale; samples first_index … first_index + n − 1 of stream `seed`.
struct Batch {
  nn::Tensor input, target;
};
Batch make_batch(const SampleSimulator& sim, uint64_t seed, int64_t first_index, int n);

}  // namespace smlm::localization::nets::bgnet
