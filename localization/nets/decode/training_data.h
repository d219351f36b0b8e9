// DECODE's training data, simulated on the fly with the simulator's functors
// (simulation/frame_renderer.h): samples of `frames` consecutive P × P frames (t−1, t, t+1, or t)
// with blinking emitters, and the targets of the middle frame — each emitter's photons, x, y[, z]
// and the background.
//
// Blinking: molecules switch on at times uniform in [first frame − 5τ, last frame + 1) and stay on
// for an exponential time of mean τ (on_time), so a molecule seen in frame t is often seen in t−1
// or t+1 too, at the photons of the fraction of each frame it is on for. The rate is set so that
// `density` molecules per µm² show in a frame on average: r·(1 + τ) = density·area.
#pragma once

#include <cstdint>
#include <vector>

#include "localization/nets/decode/model.h"
#include "nn/tensor.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::decode {

// One emitter of a sample's middle frame: camera pixel coordinates (centres at integers), z [nm]
// (0 in 2D), photons emitted in that frame.
struct SampleEmitter {
  double x = 0, y = 0, z_nm = 0, photons = 0;
};

// ADU → photons → (photons − input_offset)/input_scale over a w × h region whose pixel (0, 0) is
// the camera's (the sCMOS maps' view shifted there); out may alias adu.
void normalize_frame(const float* adu, int w, int h, const PixelCamera& camera,
                     const Scaling& scale, float* out);

class SampleSimulator {
 public:
  // Loads the PSF of d (a 3D spline or calibration file is read once). Throws smlm::Error for
  // impossible settings.
  SampleSimulator(const DataSettings& d, int frames);

  // Sample `index` of stream `seed`: adu gets frames × P × P values (frame t − 1 first), truth the
  // middle frame's emitters, background its photons per pixel; camera, when given, the camera of
  // the sample's pixels (with sCMOS maps: the view at the sample's random origin on the sensor).
  // The same (settings, seed, index) give the same sample.
  void simulate(uint64_t seed, int64_t index, std::vector<float>& adu,
                std::vector<SampleEmitter>& truth, double& background,
                PixelCamera* camera = nullptr) const;

  const DataSettings& data() const { return data_; }
  int frames() const { return frames_; }

 private:
  DataSettings data_;
  int frames_;
  simulation::SimulationSettings sim_;  // owns the spline the renderer points into
};

// A batch for the net and the loss, on the CPU: input (n, frames, P, P) normalized, targets
// (n, M, D, 1) with M = max(1, most emitters in a sample) in the loss's units (photons /
// photon_scale, x, y [px], z / z_scale), counts (n, 1, 1, 1), background (n, 1, P, P) /
// bg_scale. Samples first_index … first_index + n − 1 of stream `seed`; truth, when given,
// receives each sample's emitters.
struct Batch {
  nn::Tensor input, targets, counts, background;
};
Batch make_batch(const SampleSimulator& sim, const Scaling& scale, int dims, uint64_t seed,
                 int64_t first_index, int n,
                 std::vector<std::vector<SampleEmitter>>* truth = nullptr);

}  // namespace smlm::localization::nets::decode
