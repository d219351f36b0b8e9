// DeepSTORM3D's joint mask and net learning through the differentiable pupil model.
#include "localization/nets/deepstorm3d/psf_design.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/random.h"
#include "localization/nets/deepstorm3d/loss.h"
#include "localization/nets/deepstorm3d/training_data.h"
#include "simulation/pupil_spline.h"

namespace smlm::localization::nets::deepstorm3d {

namespace {

psf::PupilModelSettings optics_for(const psf::PupilSettings& optics) {
  psf::PupilModelSettings m;
  m.optics = optics;
  return m;
}

psf::PupilSettings default_optics(const std::string& kind, double pixel_nm, int samples,
                                  int window) {
  psf::PupilSettings o = simulation::default_pupil(kind, pixel_nm);
  o.pupil_samples = samples;
  o.window_px = window;
  return o;
}

}  // namespace

void DesignSettings::validate() const {
  net.validate();
  DataSettings d = data;
  if (d.psf_spec.empty()) d.psf_spec = "pupil:none";
  d.validate();
  SMLM_CHECK(pupil_samples >= 8 && pupil_samples <= 128,
             "pupil samples must be in [8, 128], got " << pupil_samples);
  SMLM_CHECK(window_px >= 5 && window_px <= 129 && window_px % 2 == 1,
             "PSF window must be odd in [5, 129] px, got " << window_px);
  SMLM_CHECK(batch >= 1 && batch <= 256, "batch must be in [1, 256], got " << batch);
  SMLM_CHECK(lr > 0 && mask_lr > 0, "learning rates must be positive");
  simulation::default_pupil(initial_mask, data.camera.pixel_size_nm);  // throws for a bad name
}

PsfDesigner::PsfDesigner(const DesignSettings& s) : s_(s) {
  s_.validate();
  optics_ = std::make_unique<psf::PupilModel<float>>(optics_for(default_optics(
      s_.initial_mask, s_.data.camera.pixel_size_nm, s_.pupil_samples, s_.window_px)));
  frames_ = std::make_unique<simulation::PupilFrameRenderer<float>>(*optics_, s_.data.patch,
                                                                    s_.data.patch);
  phase_ = optics_->initial_phase();
  support_ = optics_->pupil_support();
  m_.assign(phase_.size(), 0.f);
  v_.assign(phase_.size(), 0.f);
  model_ = std::make_unique<Model>(s_.net, s_.seed);
  model_->data = s_.data;
  nn::AdamOptions o;
  o.lr = static_cast<float>(s_.lr);
  adam_ = std::make_unique<nn::Adam>(model_->net->parameters(), o);
  // The input scale: a typical frame's level and spread (background plus one emitter's peak).
  const double bg = 0.5 * (s_.data.background_min + s_.data.background_max);
  const double n = 0.5 * (s_.data.photons_min + s_.data.photons_max);
  input_mean_ = bg;
  input_std_ = std::max(1.0, 0.02 * n + std::sqrt(bg));
}

PsfDesigner::~PsfDesigner() = default;

double PsfDesigner::step() {
  const DataSettings& d = s_.data;
  const int p = d.patch, b = s_.batch;
  const int64_t plane = int64_t{p} * p;
  const double area_um2 = std::pow(p * d.camera.pixel_size_nm * 1e-3, 2);
  std::vector<simulation::PupilFrameEmitter> emitters;
  std::vector<std::vector<VolumeEmitter>> truth(b);
  std::vector<float> bg(b * plane);
  for (int f = 0; f < b; ++f) {
    kernels::Rng rng(s_.seed, static_cast<uint64_t>(step_ * b + f));
    const double background =
        d.background_min + (d.background_max - d.background_min) * rng.uniform();
    std::fill_n(bg.data() + f * plane, plane, static_cast<float>(background));
    const int n = static_cast<int>(rng.poisson(d.density * area_um2));
    for (int i = 0; i < n; ++i) {
      VolumeEmitter e;
      e.x = rng.uniform() * p - 0.5;
      e.y = rng.uniform() * p - 0.5;
      e.z_nm = d.z_min_nm + (d.z_max_nm - d.z_min_nm) * rng.uniform();
      e.photons = d.photons_min + (d.photons_max - d.photons_min) * rng.uniform();
      truth[f].push_back(e);
      emitters.push_back({f, e.x, e.y, e.z_nm, e.photons, 0.0});
    }
  }
  std::vector<float> mu(b * plane), y(b * plane);
  frames_->expected(phase_.data(), emitters, b, 0.0, bg.data(), mu.data());
  const uint64_t noise_seed = s_.seed ^ 0x9E3779B97F4A7C15ULL;
  frames_->approximate_noise(b, mu.data(), 0.0, noise_seed, y.data(), step_ * b);
  std::vector<float> x(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    x[i] = static_cast<float>((y[i] - input_mean_) / input_std_);
  const VolumeGeometry g = geometry(s_.net, d, p, p);
  const int64_t vol = int64_t{s_.net.slices} * p * s_.net.upsampling * p * s_.net.upsampling;
  std::vector<float> target(b * vol);
  for (int f = 0; f < b; ++f) spike_volume(truth[f], g, d.scale, target.data() + f * vol);

  adam_->zero_grad();
  const nn::Tensor pred = model_->net->forward(nn::Tensor::from_host({b, 1, p, p}, x), true);
  const VolumeLoss l =
      volume_loss(pred,
                  nn::Tensor::from_host(
                      {b, s_.net.slices, p * s_.net.upsampling, p * s_.net.upsampling}, target),
                  d.scale, true);
  SMLM_CHECK(std::isfinite(l.value), "PSF design diverged at step " << step_);
  std::vector<float> dy = model_->net->backward(l.grad).host();
  adam_->step();
  for (float& v : dy) v = static_cast<float>(v / input_std_);
  frames_->approximate_noise_backward(b, mu.data(), noise_seed, dy.data(), dy.data(), step_ * b);
  std::vector<float> dphi(phase_.size());
  frames_->expected_backward(phase_.data(), emitters, b, dy.data(), dphi.data());
  // Adam on φ (inside the pupil only).
  ++step_;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const double c1 = 1 - std::pow(b1, double(step_)), c2 = 1 - std::pow(b2, double(step_));
  for (size_t k = 0; k < phase_.size(); ++k) {
    if (support_[k] == 0) continue;
    m_[k] = static_cast<float>(b1 * m_[k] + (1 - b1) * dphi[k]);
    v_[k] = static_cast<float>(b2 * v_[k] + (1 - b2) * double{dphi[k]} * dphi[k]);
    phase_[k] -= static_cast<float>(s_.mask_lr * (m_[k] / c1) / (std::sqrt(v_[k] / c2) + eps));
  }
  return l.value;
}

ImageF PsfDesigner::mask_image() const {
  const int n = optics_->fft_size();
  int lo = n, hi = -1;
  for (int a = 0; a < n; ++a)
    for (int c = 0; c < n; ++c)
      if (support_[int64_t{a} * n + c] != 0) lo = std::min(lo, a), hi = std::max(hi, a);
  SMLM_CHECK(hi >= lo, "the pupil has no samples");
  // The support is symmetric about n/2: the same bounds hold for columns.
  const int side = hi - lo + 1;
  ImageF m(side, side);
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      const int64_t k = int64_t{lo + r} * n + (lo + c);
      m(c, r) = support_[k] != 0 ? phase_[k] : 0.f;
    }
  return m;
}

std::vector<ImageF> mask_psf_stack(const ImageF& mask, double pixel_size_nm,
                                   const std::vector<double>& z_nm, int window_px) {
  psf::PupilSettings o = simulation::default_pupil("none", pixel_size_nm);
  o.mask = psf::PhaseMask::kCustom;
  o.custom_phase = mask;
  o.window_px = window_px;
  return psf::PupilPsf(o).render_stack(z_nm);
}

std::vector<Crlb> pupil_crlb(const ImageF& mask, const std::string& kind, double pixel_size_nm,
                             const std::vector<double>& z_nm, double photons, double background,
                             int window_px) {
  psf::PupilSettings o = simulation::default_pupil(mask.width() > 0 ? "none" : kind, pixel_size_nm);
  if (mask.width() > 0) o.mask = psf::PhaseMask::kCustom, o.custom_phase = mask;
  o.window_px = window_px;
  psf::PupilModel<double> model(optics_for(o));
  const std::vector<double> phi = model.initial_phase();
  const int side = model.output_size();
  const double c = side / 2;
  const int64_t np = int64_t{side} * side;
  std::vector<Crlb> out;
  for (double z : z_nm) {
    // Rows: centre, x ±, y ±, z ±.
    const double hx = 0.01, hz = 5;
    const std::vector<psf::PupilEmitter> em = {
        {c, c, z, photons, 0},      {c + hx, c, z, photons, 0}, {c - hx, c, z, photons, 0},
        {c, c + hx, z, photons, 0}, {c, c - hx, z, photons, 0}, {c, c, z + hz, photons, 0},
        {c, c, z - hz, photons, 0}};
    std::vector<double> img(em.size() * np);
    model.forward(phi.data(), em, img.data());
    // Parameters x [nm], y [nm], z [nm], N, b.
    double fisher[5][5] = {};
    const double px = pixel_size_nm;
    for (int64_t k = 0; k < np; ++k) {
      const double mu = img[k] + background;
      const double d[5] = {(img[np + k] - img[2 * np + k]) / (2 * hx * px),
                           (img[3 * np + k] - img[4 * np + k]) / (2 * hx * px),
                           (img[5 * np + k] - img[6 * np + k]) / (2 * hz), img[k] / photons, 1.0};
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j) fisher[i][j] += d[i] * d[j] / std::max(mu, 1e-12);
    }
    // Inverse diagonal by Gauss–Jordan on [F | I].
    double a[5][10] = {};
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 5; ++j) a[i][j] = fisher[i][j];
      a[i][5 + i] = 1;
    }
    for (int col = 0; col < 5; ++col) {
      int piv = col;
      for (int r = col + 1; r < 5; ++r)
        if (std::abs(a[r][col]) > std::abs(a[piv][col])) piv = r;
      std::swap(a[piv], a[col]);
      const double inv = 1 / a[col][col];
      for (double& v : a[col]) v *= inv;
      for (int r = 0; r < 5; ++r)
        if (r != col) {
          const double f = a[r][col];
          for (int j = 0; j < 10; ++j) a[r][j] -= f * a[col][j];
        }
    }
    out.push_back({std::sqrt(a[0][5]), std::sqrt(a[1][6]), std::sqrt(a[2][7])});
  }
  return out;
}

}  // namespace smlm::localization::nets::deepstorm3d
