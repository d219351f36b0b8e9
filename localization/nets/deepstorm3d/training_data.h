// DeepSTORM3D's training frames, simulated on the fly with the simulator's renderer and camera
// chain (simulation/frame_setup.h, the PSF of the data's psf_spec): emitters uniform in x, y over
// the frame and in z over the range, photons and background uniform in their ranges; and their
// targets, spike volumes (loss.h).
#pragma once

#include <cstdint>
#include <vector>

#include "localization/nets/deepstorm3d/loss.h"
#include "localization/nets/deepstorm3d/model.h"
#include "nn/tensor.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::deepstorm3d {

class FrameSimulator {
 public:
  // Loads the PSF of d once. Throws smlm::Error for impossible settings or a PSF that cannot be
  // made.
  explicit FrameSimulator(const DataSettings& d);

  // Frame `index` of stream `seed`: adu gets P × P values, truth its emitters. The same
  // (settings, seed, index) give the same frame.
  void simulate(uint64_t seed, int64_t index, std::vector<float>& adu,
                std::vector<VolumeEmitter>& truth) const;

  const DataSettings& data() const { return data_; }

 private:
  DataSettings data_;
  simulation::SimulationSettings sim_;  // owns the spline the renderer points into
};

// The volume geometry of a model for frames of w × h camera pixels.
VolumeGeometry geometry(const NetConfig& c, const DataSettings& d, int w, int h);

// A batch on the CPU: input (n, 1, P, P) normalized frames, target (n, D, U·P, U·P) spikes of
// d.scale; frames first_index … first_index + n − 1 of stream `seed`; truth, when given, receives
// each frame's emitters.
struct Batch {
  nn::Tensor input, target;
};
Batch make_batch(const FrameSimulator& sim, const NetConfig& c, const Normalization& norm,
                 uint64_t seed, int64_t first_index, int n,
                 std::vector<std::vector<VolumeEmitter>>* truth = nullptr);

// The training set's normalization: mean and std of min-max-normalized frames of stream `seed`.
Normalization estimate_normalization(const FrameSimulator& sim, uint64_t seed, int samples = 64);

}  // namespace smlm::localization::nets::deepstorm3d
