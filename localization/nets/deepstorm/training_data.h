// Deep-STORM's training data, simulated on the fly with the simulator's functors
// (simulation/frame_renderer.h, camera_noise.h): patches of camera pixels with emitters uniform at
// a given density, and their targets, one spike per emitter on the fine (upsampled) grid.
//
// Geometry: camera pixel i covers [i − ½, i + ½] in pixel coordinates (centre at i, as ImageF);
// fine pixel k (U per camera pixel) covers [k/U − ½, (k + 1)/U − ½], so its centre is at
// (k + ½)/U − ½ px, i.e. (k + ½)·pixel/U nm in ThunderSTORM's convention (x_nm = (x_px + ½)·pixel).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "localization/nets/deepstorm/model.h"
#include "nn/tensor.h"

namespace smlm::localization::nets::deepstorm {

// One emitter of a patch: position in camera pixel coordinates (centres at integers), photons.
struct PatchEmitter {
  double x = 0, y = 0, photons = 0;
};

// The fine-grid pixel an emitter at camera pixel coordinate x falls in: floor((x + ½)·U).
inline int fine_index(double x_px, int upsampling) {
  return static_cast<int>(std::floor((x_px + 0.5) * upsampling));
}
// The camera pixel coordinate of a (fractional) fine-grid index: (k + ½)/U − ½.
inline double fine_to_camera(double k, int upsampling) { return (k + 0.5) / upsampling - 0.5; }

// Simulates patch number `index` of the stream `seed`: a Poisson number (mean density × area) of
// emitters uniform over [−½, P − ½]² px with photons uniform in photons·[1 ± spread], rendered
// with the integrated Gaussian PSF, background and the camera chain. adu: P × P row-major ADU.
// The same (settings, seed, index) give the same patch.
void simulate_patch(const DataSettings& s, uint64_t seed, int64_t index, std::vector<float>& adu,
                    std::vector<PatchEmitter>& emitters);

// The spike target of one patch: (U·P)² values, spike_scale added at each emitter's fine pixel
// (emitters outside the grid are dropped).
void spike_target(const std::vector<PatchEmitter>& emitters, int patch, int upsampling,
                  double spike_scale, float* target);

// A batch for the net: input (n, 1, P, P) normalized patches, target (n, 1, U·P, U·P) spikes, on
// the CPU; patches first_index … first_index + n − 1 of stream `seed`. emitters, when given,
// receives each patch's truth.
struct Batch {
  nn::Tensor input, target;
};
Batch make_batch(const DataSettings& s, int upsampling, const Normalization& norm, uint64_t seed,
                 int64_t first_index, int n,
                 std::vector<std::vector<PatchEmitter>>* emitters = nullptr);

// The training set's normalization: mean and std of min-max-normalized patches, over `samples`
// patches of stream `seed`.
Normalization estimate_normalization(const DataSettings& s, uint64_t seed, int samples = 256);

}  // namespace smlm::localization::nets::deepstorm
