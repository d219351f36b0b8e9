// BGNet's training ROIs from the simulator's per-pixel functors.
#include "localization/nets/bgnet/training_data.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "simulation/background_structure.h"
#include "simulation/frame_setup.h"

namespace smlm::localization::nets::bgnet {

float normalization_scale(const float* roi, int64_t n) {
  double sum = 0;
  for (int64_t k = 0; k < n; ++k) sum += roi[k];
  return static_cast<float>(std::max(1e-3, sum / static_cast<double>(std::max<int64_t>(n, 1))));
}

SampleSimulator::SampleSimulator(const DataSettings& d) : data_(d) {
  d.validate();
  sim_ = d.simulation();
}

void SampleSimulator::simulate(uint64_t seed, int64_t index, std::vector<float>& electrons,
                               std::vector<float>& background) const {
  const DataSettings& d = data_;
  const int s = d.roi;
  const int64_t npix = int64_t{s} * s;
  kernels::Rng rng(seed, static_cast<uint64_t>(index));
  // The background: base + amplitude·u(x, y), u fractal Perlin noise at a random place of its
  // plane, so that no two samples share structure.
  const double base = d.background_min + (d.background_max - d.background_min) * rng.uniform();
  simulation::PerlinSettings p;
  p.amplitude = rng.uniform() < 0.1 ? 0.0 : d.structure_max * base * rng.uniform();
  p.scale_px = d.scale_min_px * std::pow(d.scale_max_px / d.scale_min_px, rng.uniform());
  p.octaves = 1 + static_cast<int>(rng.uniform() * 5);
  p.persistence = 0.3 + 0.5 * rng.uniform();
  p.seed = simulation::mix64(seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(index));
  const ImageF map =
      simulation::perlin_background(p, base, s, s, 1e4 * rng.uniform(), 1e4 * rng.uniform());
  // The emitters: one near the centre, sometimes a neighbour anywhere.
  std::vector<simulation::FrameEmitter> emitters;
  const double c = 0.5 * (s - 1);
  for (int k = 0; k < 2; ++k) {
    const bool present = rng.uniform() < (k == 0 ? d.emitter_probability : d.neighbour_probability);
    // The same draws either way, so that a sample's background does not depend on its emitters.
    const double u = rng.uniform(), v = rng.uniform(), z = rng.uniform(), n = rng.uniform();
    if (!present) continue;
    simulation::FrameEmitter e;
    e.x = k == 0 ? c + 3 * u - 1.5 : u * s - 0.5;
    e.y = k == 0 ? c + 3 * v - 1.5 : v * s - 0.5;
    e.photons = d.photons_min + (d.photons_max - d.photons_min) * n;
    e.z = d.is_3d() ? (d.z_min_nm + (d.z_max_nm - d.z_min_nm) * z) / d.camera.pixel_size_nm : 0;
    emitters.push_back(e);
  }
  std::sort(emitters.begin(), emitters.end(),
            [](const auto& a, const auto& b) { return a.y < b.y; });

  std::vector<float> adu(static_cast<size_t>(npix));
  simulation::FrameRenderer r = simulation::frame_renderer_for(sim_);
  r.width = r.height = s;
  r.background_map = map.data();
  r.seed = seed ^ 0x5DEECE66DULL;
  r.emitters = emitters.data();
  r.num_emitters = static_cast<int64_t>(emitters.size());
  r.frame = index;
  r.out = adu.data();
  std::vector<double> tables;
  if (r.table_side > 0) {
    tables.resize(emitters.size() * 2 * static_cast<size_t>(r.table_side));
    r.tables = tables.data();
    for (int64_t k = 0; k < r.num_emitters; ++k) r.fill_table(k);
  }
  for (int64_t i = 0; i < npix; ++i) r(i);

  electrons.resize(static_cast<size_t>(npix));
  background.resize(static_cast<size_t>(npix));
  for (int64_t i = 0; i < npix; ++i) {
    electrons[i] = static_cast<float>(d.camera.adu_to_electrons(adu[i]));
    background[i] = static_cast<float>(map.data()[i] * d.camera.qe);
  }
}

Batch make_batch(const SampleSimulator& sim, uint64_t seed, int64_t first_index, int n) {
  const int s = sim.data().roi;
  const int64_t npix = int64_t{s} * s;
  std::vector<float> in(static_cast<size_t>(n * npix)), target(in.size());
  kernels::parallel_for(n, [&](int64_t i) {
    std::vector<float> e, b;
    sim.simulate(seed, first_index + i, e, b);
    const float scale = normalization_scale(e.data(), npix);
    for (int64_t k = 0; k < npix; ++k) {
      in[i * npix + k] = e[k] / scale;
      target[i * npix + k] = b[k] / scale;
    }
  });
  Batch batch;
  batch.input = nn::Tensor::from_host({n, 1, s, s}, in);
  batch.target = nn::Tensor::from_host({n, 1, s, s}, target);
  return batch;
}

}  // namespace smlm::localization::nets::bgnet
