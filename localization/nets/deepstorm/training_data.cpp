// Patches and spike targets for Deep-STORM, from the simulator's per-pixel functor.
#include "localization/nets/deepstorm/training_data.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "simulation/frame_renderer.h"

namespace smlm::localization::nets::deepstorm {

void simulate_patch(const DataSettings& s, uint64_t seed, int64_t index, std::vector<float>& adu,
                    std::vector<PatchEmitter>& emitters) {
  const int p = s.patch;
  const double area_um2 = std::pow(p * s.camera.pixel_size_nm * 1e-3, 2);
  kernels::Rng rng(seed, static_cast<uint64_t>(index));
  const int n = static_cast<int>(rng.poisson(s.density * area_um2));
  emitters.resize(n);
  for (auto& e : emitters) {
    e.x = rng.uniform() * p - 0.5;
    e.y = rng.uniform() * p - 0.5;
    e.photons = s.photons * (1 + s.photon_spread * (2 * rng.uniform() - 1));
  }
  std::vector<simulation::FrameEmitter> sorted(n);
  for (int i = 0; i < n; ++i) sorted[i] = {emitters[i].x, emitters[i].y, emitters[i].photons};
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.y < b.y; });
  adu.resize(static_cast<size_t>(p) * p);
  simulation::FrameRenderer r;
  r.emitters = sorted.data();
  r.num_emitters = n;
  r.width = r.height = p;
  r.sigma_px = s.psf_sigma_nm / s.camera.pixel_size_nm;
  r.cutoff_px = std::max(6.0, 5 * r.sigma_px);
  r.background = s.background;
  r.camera = simulation::CameraNoise::from(s.camera);
  r.seed = seed ^ 0x5DEECE66DULL;
  r.frame = index;
  r.out = adu.data();
  r.table_side = simulation::FrameRenderer::table_side_for(r.cutoff_px);
  std::vector<double> tables(static_cast<size_t>(n) * 2 * r.table_side);
  r.tables = tables.data();
  for (int k = 0; k < n; ++k) r.fill_table(k);
  for (int64_t i = 0; i < int64_t{p} * p; ++i) r(i);
}

void spike_target(const std::vector<PatchEmitter>& emitters, int patch, int upsampling,
                  double spike_scale, float* target) {
  const int f = patch * upsampling;
  std::fill(target, target + int64_t{f} * f, 0.f);
  for (const auto& e : emitters) {
    const int kx = fine_index(e.x, upsampling), ky = fine_index(e.y, upsampling);
    if (kx < 0 || ky < 0 || kx >= f || ky >= f) continue;
    target[int64_t{ky} * f + kx] += static_cast<float>(spike_scale);
  }
}

Batch make_batch(const DataSettings& s, int upsampling, const Normalization& norm, uint64_t seed,
                 int64_t first_index, int n, std::vector<std::vector<PatchEmitter>>* emitters) {
  const int p = s.patch, f = p * upsampling;
  const int64_t in_size = int64_t{p} * p, out_size = int64_t{f} * f;
  std::vector<float> input(n * in_size), target(n * out_size);
  std::vector<std::vector<PatchEmitter>> truth(n);
  kernels::parallel_for(n, [&](int64_t b) {
    std::vector<float> adu;
    simulate_patch(s, seed, first_index + b, adu, truth[b]);
    normalize_frame(adu.data(), in_size, norm, input.data() + b * in_size);
    spike_target(truth[b], p, upsampling, s.spike_scale, target.data() + b * out_size);
  });
  if (emitters) *emitters = std::move(truth);
  return {nn::Tensor::from_host({n, 1, p, p}, input), nn::Tensor::from_host({n, 1, f, f}, target)};
}

Normalization estimate_normalization(const DataSettings& s, uint64_t seed, int samples) {
  const int64_t in_size = int64_t{s.patch} * s.patch;
  double sum = 0, sum2 = 0;
  std::vector<float> adu, x(in_size);
  std::vector<PatchEmitter> emitters;
  for (int i = 0; i < samples; ++i) {
    simulate_patch(s, seed, i, adu, emitters);
    normalize_frame(adu.data(), in_size, Normalization{}, x.data());
    for (float v : x) sum += v, sum2 += double{v} * v;
  }
  const double n = static_cast<double>(samples) * in_size;
  const double mean = sum / n, var = std::max(sum2 / n - mean * mean, 1e-12);
  return {mean, std::sqrt(var)};
}

}  // namespace smlm::localization::nets::deepstorm
