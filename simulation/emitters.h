// Emitter layouts: where the simulated molecules sit. Uniformly at random over the field, or along
// filaments (random smooth worm-like chains crossing the field, like microtubules).
//
// Conventions: positions are in nm in ThunderSTORM's frame, origin at the field's top-left corner:
// the field of a w × h pixel camera is [0, w·pixel] × [0, h·pixel] nm, and pixel i's centre is at
// (i + 0.5)·pixel. Every layout is a pure function of its seed: molecule i's position comes from
// its own random stream, so the same seed gives the same molecules whatever the thread count.
#pragma once

#include <cstdint>
#include <vector>

namespace smlm::simulation {

enum class Structure { uniform, filaments };

struct Position {
  double x_nm = 0, y_nm = 0;
  double z_nm = 0;  // axial position (3D PSFs; the layouts leave it 0, the simulator draws it)
};

// The rectangle molecules live in, [0, width_nm] × [0, height_nm].
struct Field {
  double width_nm = 0, height_nm = 0;
};

// A filament: a polyline of points `step_nm` apart, all inside the field.
struct Filament {
  std::vector<Position> points;
  double length_nm() const;
};

struct FilamentOptions {
  int count = 0;                        // filaments; 0 = about one per 2 µm of field side
  double persistence_length_nm = 5000;  // worm-like chain stiffness (bending per step ~ √(step/Lp))
  double step_nm = 20;                  // polyline resolution
  double jitter_nm = 8;                 // rms offset of a label from the filament axis (per axis)
};

// n molecules uniform over the field.
std::vector<Position> uniform_layout(int64_t n, const Field& field, uint64_t seed);

// Random filaments: each starts at a uniform point with a uniform direction and grows both ways
// as a discretized worm-like chain (the direction diffuses by N(0, step/Lp) rad² per step) until
// it would leave the field.
std::vector<Filament> random_filaments(const Field& field, const FilamentOptions& options,
                                       uint64_t seed);

// n molecules uniform in arc length along the filaments, offset by N(0, jitter²) per axis and
// clamped to the field. Throws smlm::Error if n > 0 and the filaments have no length.
std::vector<Position> place_along(const std::vector<Filament>& filaments, int64_t n,
                                  const Field& field, double jitter_nm, uint64_t seed);

// The layout named by `structure` (filaments with default options).
std::vector<Position> make_layout(Structure structure, int64_t n, const Field& field,
                                  uint64_t seed);

}  // namespace smlm::simulation
