// DECODE's samples from the simulator's per-pixel functor.
#include "localization/nets/decode/training_data.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "simulation/frame_setup.h"

namespace smlm::localization::nets::decode {

void normalize_frame(const float* adu, int w, int h, const PixelCamera& c, const Scaling& s,
                     float* out) {
  adu_to_electrons(c, adu, w, h, out);
  const double to_photons = 1.0 / c.camera.qe, inv = 1.0 / s.input_scale;
  for (int64_t i = 0; i < int64_t{w} * h; ++i)
    out[i] = static_cast<float>((out[i] * to_photons - s.input_offset) * inv);
}

SampleSimulator::SampleSimulator(const DataSettings& d, int frames)
    : data_(d), frames_(frames), sim_(d.simulation()) {
  d.validate();
  SMLM_CHECK(frames == 1 || frames == 3, "DECODE samples have 1 or 3 frames, got " << frames);
}

void SampleSimulator::simulate(uint64_t seed, int64_t index, std::vector<float>& adu,
                               std::vector<SampleEmitter>& truth, double& background,
                               PixelCamera* camera) const {
  const DataSettings& d = data_;
  const int p = d.patch, first = frames_ == 3 ? -1 : 0, last = frames_ == 3 ? 1 : 0;
  const double area_um2 = std::pow(p * d.camera.pixel_size_nm * 1e-3, 2);
  const double tau = d.on_time, t_begin = first - 5 * tau, t_end = last + 1;
  kernels::Rng rng(seed, static_cast<uint64_t>(index));
  background = d.background_min + (d.background_max - d.background_min) * rng.uniform();
  const double rate = d.density * area_um2 / (1 + tau);
  const int n = static_cast<int>(rng.poisson(rate * (t_end - t_begin)));
  struct Molecule {
    double x, y, z_nm, flux, on, off;
  };
  std::vector<Molecule> molecules(n);
  for (auto& m : molecules) {
    m.x = rng.uniform() * p - 0.5;
    m.y = rng.uniform() * p - 0.5;
    m.z_nm = d.is_3d() ? d.z_min_nm + (d.z_max_nm - d.z_min_nm) * rng.uniform() : 0.0;
    m.flux = d.photons_min + (d.photons_max - d.photons_min) * rng.uniform();
    m.on = t_begin + (t_end - t_begin) * rng.uniform();
    m.off = m.on + rng.exponential(tau);
  }
  adu.resize(static_cast<size_t>(frames_) * p * p);
  truth.clear();
  simulation::FrameRenderer r = simulation::frame_renderer_for(sim_);
  r.width = r.height = p;
  r.background = background;
  r.seed = seed ^ 0x5DEECE66DULL;
  CameraMapsView maps;
  if (d.camera_maps) {
    // Drawn after every molecule, so that a sample's molecules do not depend on the maps.
    const int ox = static_cast<int>(rng.uniform() * (d.camera_maps->width - p + 1));
    const int oy = static_cast<int>(rng.uniform() * (d.camera_maps->height - p + 1));
    maps = d.camera_maps->view().shifted(std::min(ox, d.camera_maps->width - p),
                                         std::min(oy, d.camera_maps->height - p));
    r.camera = simulation::CameraNoise::from(d.camera, maps);
  }
  if (camera) *camera = PixelCamera{d.camera, maps};
  std::vector<simulation::FrameEmitter> emitters;
  std::vector<double> tables;
  for (int f = first; f <= last; ++f) {
    emitters.clear();
    for (const Molecule& m : molecules) {
      const double on = std::min(m.off, f + 1.0) - std::max(m.on, double(f));
      if (on <= 0) continue;
      const double photons = m.flux * on;
      emitters.push_back({m.x, m.y, photons, m.z_nm / d.camera.pixel_size_nm});
      if (f == 0) truth.push_back({m.x, m.y, m.z_nm, photons});
    }
    std::sort(emitters.begin(), emitters.end(),
              [](const auto& a, const auto& b) { return a.y < b.y; });
    r.emitters = emitters.data();
    r.num_emitters = static_cast<int64_t>(emitters.size());
    r.frame = index * frames_ + (f - first);
    r.out = adu.data() + static_cast<size_t>(f - first) * p * p;
    r.tables = nullptr;
    if (r.table_side > 0) {
      tables.resize(emitters.size() * 2 * static_cast<size_t>(r.table_side));
      r.tables = tables.data();
      for (int64_t k = 0; k < r.num_emitters; ++k) r.fill_table(k);
    }
    for (int64_t i = 0; i < int64_t{p} * p; ++i) r(i);
  }
}

Batch make_batch(const SampleSimulator& sim, const Scaling& scale, int dims, uint64_t seed,
                 int64_t first_index, int n, std::vector<std::vector<SampleEmitter>>* truth) {
  const DataSettings& d = sim.data();
  const int p = d.patch, frames = sim.frames();
  const int64_t plane = int64_t{p} * p;
  std::vector<float> input(n * frames * plane), bg(n * plane);
  std::vector<std::vector<SampleEmitter>> emitters(n);
  kernels::parallel_for(n, [&](int64_t b) {
    std::vector<float> adu;
    double background = 0;
    PixelCamera camera;
    sim.simulate(seed, first_index + b, adu, emitters[b], background, &camera);
    for (int f = 0; f < frames; ++f)
      normalize_frame(adu.data() + f * plane, p, p, camera, scale,
                      input.data() + (b * frames + f) * plane);
    std::fill_n(bg.data() + b * plane, plane, static_cast<float>(background / scale.bg_scale));
  });
  size_t m = 1;
  for (const auto& e : emitters) m = std::max(m, e.size());
  std::vector<float> targets(n * m * dims, 0.f), counts(n);
  for (int b = 0; b < n; ++b) {
    counts[b] = static_cast<float>(emitters[b].size());
    for (size_t j = 0; j < emitters[b].size(); ++j) {
      const SampleEmitter& e = emitters[b][j];
      float* t = targets.data() + (b * m + j) * dims;
      t[0] = static_cast<float>(e.photons / scale.photon_scale);
      t[1] = static_cast<float>(e.x);
      t[2] = static_cast<float>(e.y);
      if (dims == 4) t[3] = static_cast<float>(e.z_nm / scale.z_scale_nm);
    }
  }
  if (truth) *truth = std::move(emitters);
  const int64_t mm = static_cast<int64_t>(m);
  return {nn::Tensor::from_host({n, frames, p, p}, input),
          nn::Tensor::from_host({n, mm, dims, 1}, targets),
          nn::Tensor::from_host({n, 1, 1, 1}, counts), nn::Tensor::from_host({n, 1, p, p}, bg)};
}

}  // namespace smlm::localization::nets::decode
