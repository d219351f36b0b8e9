// DeepSTORM3D's frames from the simulator's per-pixel functor.
#include "localization/nets/deepstorm3d/training_data.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "simulation/frame_setup.h"

namespace smlm::localization::nets::deepstorm3d {

FrameSimulator::FrameSimulator(const DataSettings& d) : data_(d) {
  d.validate();
  sim_ = d.simulation();
}

void FrameSimulator::simulate(uint64_t seed, int64_t index, std::vector<float>& adu,
                              std::vector<VolumeEmitter>& truth) const {
  const DataSettings& d = data_;
  const int p = d.patch;
  const double area_um2 = std::pow(p * d.camera.pixel_size_nm * 1e-3, 2);
  kernels::Rng rng(seed, static_cast<uint64_t>(index));
  const double background =
      d.background_min + (d.background_max - d.background_min) * rng.uniform();
  const int n = static_cast<int>(rng.poisson(d.density * area_um2));
  truth.resize(n);
  for (auto& e : truth) {
    e.x = rng.uniform() * p - 0.5;
    e.y = rng.uniform() * p - 0.5;
    e.z_nm = d.z_min_nm + (d.z_max_nm - d.z_min_nm) * rng.uniform();
    e.photons = d.photons_min + (d.photons_max - d.photons_min) * rng.uniform();
  }
  std::vector<simulation::FrameEmitter> emitters;
  emitters.reserve(n);
  for (const auto& e : truth)
    emitters.push_back({e.x, e.y, e.photons, e.z_nm / d.camera.pixel_size_nm});
  std::sort(emitters.begin(), emitters.end(),
            [](const auto& a, const auto& b) { return a.y < b.y; });
  adu.resize(static_cast<size_t>(p) * p);
  simulation::FrameRenderer r = simulation::frame_renderer_for(sim_);
  r.width = r.height = p;
  r.background = background;
  r.seed = seed ^ 0x5DEECE66DULL;
  r.emitters = emitters.data();
  r.num_emitters = static_cast<int64_t>(emitters.size());
  r.frame = index;
  r.out = adu.data();
  std::vector<double> tables;
  r.tables = nullptr;
  if (r.table_side > 0) {
    tables.resize(emitters.size() * 2 * static_cast<size_t>(r.table_side));
    r.tables = tables.data();
    for (int64_t k = 0; k < r.num_emitters; ++k) r.fill_table(k);
  }
  for (int64_t i = 0; i < int64_t{p} * p; ++i) r(i);
}

VolumeGeometry geometry(const NetConfig& c, const DataSettings& d, int w, int h) {
  VolumeGeometry g;
  g.slices = c.slices, g.upsampling = c.upsampling, g.width = w, g.height = h;
  g.z_min_nm = d.z_min_nm, g.z_max_nm = d.z_max_nm;
  return g;
}

Batch make_batch(const FrameSimulator& sim, const NetConfig& c, const Normalization& norm,
                 uint64_t seed, int64_t first_index, int n,
                 std::vector<std::vector<VolumeEmitter>>* truth) {
  const DataSettings& d = sim.data();
  const int p = d.patch, f = p * c.upsampling;
  const VolumeGeometry g = geometry(c, d, p, p);
  const int64_t in_size = int64_t{p} * p, out_size = int64_t{c.slices} * f * f;
  std::vector<float> input(n * in_size), target(n * out_size);
  std::vector<std::vector<VolumeEmitter>> emitters(n);
  kernels::parallel_for(n, [&](int64_t b) {
    std::vector<float> adu;
    sim.simulate(seed, first_index + b, adu, emitters[b]);
    normalize_frame(adu.data(), in_size, norm, input.data() + b * in_size);
    spike_volume(emitters[b], g, d.scale, target.data() + b * out_size);
  });
  if (truth) *truth = std::move(emitters);
  return {nn::Tensor::from_host({n, 1, p, p}, input),
          nn::Tensor::from_host({n, c.slices, f, f}, target)};
}

Normalization estimate_normalization(const FrameSimulator& sim, uint64_t seed, int samples) {
  const int64_t in_size = int64_t{sim.data().patch} * sim.data().patch;
  double sum = 0, sum2 = 0;
  std::vector<float> adu, x(in_size);
  std::vector<VolumeEmitter> emitters;
  for (int i = 0; i < samples; ++i) {
    sim.simulate(seed, i, adu, emitters);
    normalize_frame(adu.data(), in_size, Normalization{}, x.data());
    for (float v : x) sum += v, sum2 += double{v} * v;
  }
  const double n = static_cast<double>(samples) * in_size;
  const double mean = sum / n, var = std::max(sum2 / n - mean * mean, 1e-12);
  return {mean, std::sqrt(var)};
}

}  // namespace smlm::localization::nets::deepstorm3d
