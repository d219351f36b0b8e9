// PupilFrameRenderer: windows from the pupil model, then per-pixel SMLM_HD functors (gather of
// the frame's windows, noise, camera) run by parallel_for on either device. nvcc compiles this
// file in a CUDA build (simulation/CMakeLists.txt).
#include "simulation/pupil_frames.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/hd.h"
#include "kernels/device_array.h"
#include "kernels/parallel_for_device.h"
#include "kernels/random.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

namespace {

SMLM_HD_INLINE uint64_t approx_stream(int64_t frame, int64_t pixels_per_frame, int64_t pixel) {
  return streams::kApproxNoise +
         ((static_cast<uint64_t>(frame) * static_cast<uint64_t>(pixels_per_frame) +
           static_cast<uint64_t>(pixel)) &
          streams::kIndexMask);
}

// The windows of one batch, sorted by frame: window e's pixel (a, b) is frame pixel
// (x0[e] + a, y0[e] + b); the windows of frame f are offsets[f] .. offsets[f + 1].
struct WindowView {
  int width, height, side;
  const int* offsets;
  const int* frame_of;
  const int* x0;
  const int* y0;
};

// mu[f, y, x] = background + Σ windows over the pixel; over frames·height·width.
template <class Real>
struct GatherFrame {
  WindowView v;
  double background;
  const Real* background_map;
  const Real* windows;
  Real* mu;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t wh = static_cast<int64_t>(v.width) * v.height;
    const int64_t f = i / wh;
    const int p = static_cast<int>(i - f * wh), y = p / v.width, x = p - y * v.width;
    const int64_t s2 = static_cast<int64_t>(v.side) * v.side;
    double s = background + (background_map ? static_cast<double>(background_map[i]) : 0.0);
    for (int e = v.offsets[f]; e < v.offsets[f + 1]; ++e) {
      const int a = x - v.x0[e], b = y - v.y0[e];
      if (a >= 0 && a < v.side && b >= 0 && b < v.side)
        s += windows[e * s2 + static_cast<int64_t>(b) * v.side + a];
    }
    mu[i] = static_cast<Real>(s);
  }
};

// The adjoint: window e's gradient is d_mu at its pixels, 0 outside the frame; over emitters·side².
template <class Real>
struct ScatterFrame {
  WindowView v;
  const Real* d_mu;
  Real* d_windows;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t s2 = static_cast<int64_t>(v.side) * v.side;
    const int64_t e = i / s2;
    const int q = static_cast<int>(i - e * s2), b = q / v.side, a = q - b * v.side;
    const int x = v.x0[e] + a, y = v.y0[e] + b;
    Real g = 0;
    if (x >= 0 && x < v.width && y >= 0 && y < v.height)
      g = d_mu[(static_cast<int64_t>(v.frame_of[e]) * v.height + y) * v.width + x];
    d_windows[i] = g;
  }
};

template <class Real>
struct ApproximateNoise {
  int64_t wh, first_frame;
  uint64_t seed;
  double read_noise;
  const Real* mu;
  Real* y;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t f = i / wh;
    kernels::Rng rng(seed, approx_stream(first_frame + f, wh, i - f * wh));
    const double eps = rng.normal();
    const double m = mu[i];
    double v = m + std::sqrt(m > 0 ? m : 0.0) * eps;
    if (read_noise > 0) v += read_noise * rng.normal();
    y[i] = static_cast<Real>(v);
  }
};

template <class Real>
struct ApproximateNoiseBackward {
  int64_t wh, first_frame;
  uint64_t seed;
  const Real* mu;
  const Real* d_y;
  Real* d_mu;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t f = i / wh;
    kernels::Rng rng(seed, approx_stream(first_frame + f, wh, i - f * wh));
    const double eps = rng.normal();
    const double m = mu[i];
    const double dy = d_y[i];
    d_mu[i] = static_cast<Real>(m > 0 ? dy * (1.0 + eps / (2.0 * std::sqrt(m))) : dy);
  }
};

template <class Real>
struct CameraFrame {
  int width;
  int64_t wh, first_frame;
  uint64_t seed;
  CameraNoise camera;
  const Real* mu;
  float* adu;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t f = i / wh, p = i - f * wh;
    const int y = static_cast<int>(p / width),
              x = static_cast<int>(p - static_cast<int64_t>(y) * width);
    kernels::Rng rng(seed, pixel_stream(first_frame + f, wh, p));
    adu[i] = camera.adu(static_cast<double>(mu[i]), rng, x, y);
  }
};

}  // namespace

template <class Real>
struct PupilFrameRenderer<Real>::Impl {
  kernels::DeviceArray<int> offsets, frame_of, x0, y0;
  kernels::DeviceArray<Real> windows;
  std::vector<int> order;  // sorted position → caller's index
  std::vector<psf::PupilEmitter> local;

  // Sorts the emitters by frame, uploads their windows' placement and returns the view.
  WindowView place(const kernels::Device& device, const std::vector<PupilFrameEmitter>& em,
                   int frames, int width, int height, int side) {
    SMLM_CHECK(frames >= 0, "pupil frames: frame count must be >= 0, got " << frames);
    for (size_t i = 0; i < em.size(); ++i) {
      SMLM_CHECK(em[i].frame >= 0 && em[i].frame < frames, "pupil frames: emitter "
                                                               << i << " is in frame "
                                                               << em[i].frame << " of " << frames);
      SMLM_CHECK(std::isfinite(em[i].x) && std::isfinite(em[i].y) && std::fabs(em[i].x) < 1e6 &&
                     std::fabs(em[i].y) < 1e6,
                 "pupil frames: emitter " << i << " has no usable position");
    }
    order.resize(em.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return em[a].frame < em[b].frame; });
    const int n = static_cast<int>(em.size()), half = side / 2;
    std::vector<int> off(frames + 1, 0), fr(n), xs(n), ys(n);
    local.resize(n);
    for (int k = 0; k < n; ++k) {
      const PupilFrameEmitter& e = em[order[k]];
      const int cx = static_cast<int>(std::floor(e.x + 0.5)),
                cy = static_cast<int>(std::floor(e.y + 0.5));
      xs[k] = cx - half;
      ys[k] = cy - half;
      fr[k] = e.frame;
      ++off[e.frame + 1];
      local[k] = {e.x - xs[k], e.y - ys[k], e.z_nm, e.photons, e.blur_px};
    }
    for (int f = 0; f < frames; ++f) off[f + 1] += off[f];
    offsets.upload(device, off);
    // Empty vectors would leave null pointers; the kernels never read them then.
    frame_of.upload(device, fr);
    x0.upload(device, xs);
    y0.upload(device, ys);
    windows.resize(device, static_cast<size_t>(std::max(n, 1)) * side * side);
    return {width, height, side, offsets.data(), frame_of.data(), x0.data(), y0.data()};
  }
};

template <class Real>
PupilFrameRenderer<Real>::PupilFrameRenderer(psf::PupilModel<Real>& model, int width, int height)
    : model_(model), width_(width), height_(height), impl_(std::make_unique<Impl>()) {
  SMLM_CHECK(width >= 1 && height >= 1 && width <= 65536 && height <= 65536,
             "pupil frames: frame size must be 1..65536 px, got " << width << "x" << height);
}

template <class Real>
PupilFrameRenderer<Real>::~PupilFrameRenderer() = default;

template <class Real>
void PupilFrameRenderer<Real>::expected(const Real* phase,
                                        const std::vector<PupilFrameEmitter>& emitters, int frames,
                                        double background_photons, const Real* background_map,
                                        Real* mu) {
  SMLM_CHECK(std::isfinite(background_photons),
             "pupil frames: background must be finite, got " << background_photons);
  const auto& device = model_.device();
  const int side = model_.output_size();
  const WindowView v = impl_->place(device, emitters, frames, width_, height_, side);
  model_.forward(phase, impl_->local, impl_->windows.data(), side);
  kernels::parallel_for(
      device, static_cast<int64_t>(frames) * width_ * height_,
      GatherFrame<Real>{v, background_photons, background_map, impl_->windows.data(), mu});
}

template <class Real>
void PupilFrameRenderer<Real>::expected_backward(const Real* phase,
                                                 const std::vector<PupilFrameEmitter>& emitters,
                                                 int frames, const Real* d_mu, Real* d_phase,
                                                 std::vector<psf::PupilEmitterGrad>* d_emitters,
                                                 bool accumulate) {
  const auto& device = model_.device();
  const int side = model_.output_size();
  const WindowView v = impl_->place(device, emitters, frames, width_, height_, side);
  kernels::parallel_for(device, static_cast<int64_t>(emitters.size()) * side * side,
                        ScatterFrame<Real>{v, d_mu, impl_->windows.data()});
  std::vector<psf::PupilEmitterGrad> sorted;
  model_.backward(phase, impl_->local, impl_->windows.data(), d_phase,
                  d_emitters ? &sorted : nullptr, side, accumulate);
  if (!d_emitters) return;
  d_emitters->assign(emitters.size(), {});
  for (size_t k = 0; k < sorted.size(); ++k) (*d_emitters)[impl_->order[k]] = sorted[k];
}

template <class Real>
void PupilFrameRenderer<Real>::approximate_noise(int frames, const Real* mu, double read_noise,
                                                 uint64_t seed, Real* y,
                                                 int64_t first_frame) const {
  SMLM_CHECK(std::isfinite(read_noise) && read_noise >= 0,
             "pupil frames: read noise must be >= 0, got " << read_noise);
  const int64_t wh = static_cast<int64_t>(width_) * height_;
  kernels::parallel_for(model_.device(), frames * wh,
                        ApproximateNoise<Real>{wh, first_frame, seed, read_noise, mu, y});
}

template <class Real>
void PupilFrameRenderer<Real>::approximate_noise_backward(int frames, const Real* mu, uint64_t seed,
                                                          const Real* d_y, Real* d_mu,
                                                          int64_t first_frame) const {
  const int64_t wh = static_cast<int64_t>(width_) * height_;
  kernels::parallel_for(model_.device(), frames * wh,
                        ApproximateNoiseBackward<Real>{wh, first_frame, seed, mu, d_y, d_mu});
}

template <class Real>
void PupilFrameRenderer<Real>::camera(int frames, const Real* mu, const CameraNoise& camera,
                                      uint64_t seed, float* adu, int64_t first_frame) const {
  const int64_t wh = static_cast<int64_t>(width_) * height_;
  kernels::parallel_for(model_.device(), frames * wh,
                        CameraFrame<Real>{width_, wh, first_frame, seed, camera, mu, adu});
}

template class PupilFrameRenderer<float>;
template class PupilFrameRenderer<double>;

}  // namespace smlm::simulation
