// PupilModel: the per-sample and per-pixel math as SMLM_HD functors (run by parallel_for on the
// CPU or as kernels), the FFTs through PlaneFft. Emitters go through in batches of max_batch; a
// pair of emitters shares the transfer FFTs (real and imaginary parts). nvcc compiles this file
// in a CUDA build (psf/CMakeLists.txt).
#include "psf/pupil_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/hd.h"
#include "kernels/device_array.h"
#include "kernels/parallel_for_device.h"
#include "psf/pupil_fft.h"
#include "psf/pupil_grid.h"

namespace smlm::psf {

namespace {

constexpr double kTwoPi = 6.283185307179586;

template <class Real>
struct Cx {
  Real re, im;
};

// One emitter of a batch as the kernels read it.
struct EmitterTerms {
  double dx, dy;  // shift from the window's centre pixel [px]
  double z;       // [nm]
  double scale;   // N/(n²·K): |E|² → photons
  double sigma;   // blur [px]
};

// The pupil and its grid, as the kernels take it by value (pointers in the device's memory).
struct PupilView {
  int n = 0, samples = 0;
  const int* grid = nullptr;       // per sample: FFT-order index v·n + u
  const int* sample_of = nullptr;  // per grid point: its sample, or −1 outside the pupil
  const double* kz = nullptr;      // per sample √((n_s/λ)² − f²) [1/nm]
  const double* kzi = nullptr;     // per sample √((n_i/λ)² − f²) [1/nm]
  const double* sinc = nullptr;    // pixel-box transfer per 1D frequency index
  double nfp = 0;                  // nominal focal plane [nm]

  // Index of FFT-order grid point r in φ's centred layout.
  SMLM_HD int centred(int r) const {
    const int u = r % n, v = r / n;
    return ((v + n / 2) % n) * n + (u + n / 2) % n;
  }
  // ψ_k of an emitter (see pupil_model.h), sample k at grid point r, mask phase phi.
  SMLM_HD double phase(int k, int r, double phi, const EmitterTerms& e) const {
    const double fx = static_cast<double>(signed_frequency(r % n, n)) / n;
    const double fy = static_cast<double>(signed_frequency(r / n, n)) / n;
    return phi + kTwoPi * (e.z * kz[k] - nfp * kzi[k]) - kTwoPi * (fx * e.dx + fy * e.dy);
  }
  // Pixel box × Gaussian of sigma px along one axis at frequency index u: real and even; the
  // 2D transfer is the product of the two axes'.
  SMLM_HD double transfer_1d(double sigma, int u) const {
    const double f = static_cast<double>(signed_frequency(u, n)) / n;
    return sigma > 0 ? sinc[u] * std::exp(-0.5 * kTwoPi * kTwoPi * sigma * sigma * f * f) : sinc[u];
  }
};

// field[e, r] = P_k·exp(iψ_k) inside the pupil, 0 outside; over batch·n².
template <class Real>
struct AssembleField {
  PupilView p;
  int64_t n2;
  const Real* phase;
  const EmitterTerms* em;
  Cx<Real>* field;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t e = i / n2;
    const int r = static_cast<int>(i - e * n2);
    const int k = p.sample_of[r];
    if (k < 0) {
      field[i] = {Real(0), Real(0)};
      return;
    }
    const double psi = p.phase(k, r, static_cast<double>(phase[p.centred(r)]), em[e]);
    field[i] = {static_cast<Real>(std::cos(psi)), static_cast<Real>(std::sin(psi))};
  }
};

// pack[q, r] = (I_{2q}(r), I_{2q+1}(r)), I = scale·|E|² (0 for a missing odd emitter); over
// pairs·n².
template <class Real>
struct PackIntensity {
  int64_t n2;
  int batch;
  const EmitterTerms* em;
  const Cx<Real>* field;
  Cx<Real>* pack;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t q = i / n2, r = i - q * n2;
    const int64_t e0 = 2 * q, e1 = e0 + 1;
    const Cx<Real> a = field[e0 * n2 + r];
    const double ia =
        em[e0].scale * (static_cast<double>(a.re) * a.re + static_cast<double>(a.im) * a.im);
    double ib = 0;
    if (e1 < batch) {
      const Cx<Real> b = field[e1 * n2 + r];
      ib = em[e1].scale * (static_cast<double>(b.re) * b.re + static_cast<double>(b.im) * b.im);
    }
    pack[i] = {static_cast<Real>(ia), static_cast<Real>(ib)};
  }
};

// axis[e, u] = emitter e's 1D transfer at frequency index u; over batch·n.
struct AxisTransfer {
  PupilView p;
  const EmitterTerms* em;
  double* axis;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t e = i / p.n;
    axis[i] = p.transfer_1d(em[e].sigma, static_cast<int>(i - e * p.n));
  }
};

// The spectrum Z of a packed pair (I₀ + i·I₁) becomes T₀·Î₀ + i·T₁·Î₁ (divided by n² for the
// inverse FFT), with Î₀ = (Z(k) + conj Z(−k))/2 and i·Î₁ = (Z(k) − conj Z(−k))/2:
//   W(k) = (T₀ + T₁)/2·Z(k) + (T₀ − T₁)/2·conj Z(−k).
// The thread of the lower index of each pair {k, −k} writes both; over pairs·n².
template <class Real>
struct ApplyTransfer {
  int n;
  int64_t n2;
  int batch;
  const double* axis;
  Cx<Real>* pack;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t q = i / n2;
    const int r = static_cast<int>(i - q * n2);
    const int u = r % n, v = r / n;
    const int j = ((n - v) % n) * n + (n - u) % n;
    if (j < r) return;
    const double* a0 = axis + 2 * q * n;
    const double* a1 = 2 * q + 1 < batch ? a0 + n : a0;
    const double t0 = a0[u] * a0[v], t1 = a1[u] * a1[v];
    const double inv = 1.0 / static_cast<double>(n2);
    const double a = 0.5 * (t0 + t1) * inv, d = 0.5 * (t0 - t1) * inv;
    Cx<Real>* plane = pack + q * n2;
    const Cx<Real> zr = plane[r], zj = plane[j];
    plane[r] = {static_cast<Real>(a * zr.re + d * zj.re), static_cast<Real>(a * zr.im - d * zj.im)};
    if (j != r)
      plane[j] = {static_cast<Real>(a * zj.re + d * zr.re),
                  static_cast<Real>(a * zj.im - d * zr.im)};
  }
};

// out[e, b, a] = emitter e's part of pack at grid ((a − h) mod n, (b − h) mod n); over batch·side².
template <class Real>
struct CropWindow {
  int n, side, half;
  int64_t n2;
  const Cx<Real>* pack;
  Real* out;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t s2 = static_cast<int64_t>(side) * side;
    const int64_t e = i / s2;
    const int q = static_cast<int>(i - e * s2);
    const int b = q / side, a = q - b * side;
    const int u = (a - half + n) % n, v = (b - half + n) % n;
    const Cx<Real> c = pack[(e / 2) * n2 + static_cast<int64_t>(v) * n + u];
    out[i] = (e & 1) ? c.im : c.re;
  }
};

// The adjoint of CropWindow: pack[q, r] = (G_{2q}, G_{2q+1}) at the window pixel of grid point r,
// 0 where r is outside the window; over pairs·n².
template <class Real>
struct ScatterWindow {
  int n, side, half;
  int64_t n2;
  int batch;
  const Real* g;
  Cx<Real>* pack;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t q = i / n2;
    const int r = static_cast<int>(i - q * n2);
    const int a = (r % n + half) % n, b = (r / n + half) % n;
    Real ga = 0, gb = 0;
    if (a < side && b < side) {
      const int64_t s2 = static_cast<int64_t>(side) * side, at = static_cast<int64_t>(b) * side + a;
      ga = g[2 * q * s2 + at];
      if (2 * q + 1 < batch) gb = g[(2 * q + 1) * s2 + at];
    }
    pack[i] = {ga, gb};
  }
};

// γ = 2·scale·g·E into field (E consumed), and pack ← (g·|E|²/(n²K)) per emitter: the terms of
// dL/dN; over pairs·n², both emitters of a pair in one thread (they share pack's element).
template <class Real>
struct FieldAdjoint {
  int64_t n2;
  int batch;
  double inv_n2k;
  const EmitterTerms* em;
  Cx<Real>* field;
  Cx<Real>* pack;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t q = i / n2, r = i - q * n2;
    const Cx<Real> g = pack[i];
    double t[2] = {0, 0};
    const double gv[2] = {static_cast<double>(g.re), static_cast<double>(g.im)};
    for (int s = 0; s < 2; ++s) {
      const int64_t e = 2 * q + s;
      if (e >= batch) break;
      Cx<Real>& f = field[e * n2 + r];
      const double re = f.re, im = f.im, w = 2 * em[e].scale * gv[s];
      t[s] = gv[s] * (re * re + im * im) * inv_n2k;
      f = {static_cast<Real>(w * re), static_cast<Real>(w * im)};
    }
    pack[i] = {static_cast<Real>(t[0]), static_cast<Real>(t[1])};
  }
};

// dψ[e, k] = Im(Γ_k·conj P_k); over batch·K.
template <class Real>
struct PhaseAdjoint {
  PupilView p;
  int64_t n2;
  const Real* phase;
  const EmitterTerms* em;
  const Cx<Real>* gamma;
  double* dpsi;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t e = i / p.samples;
    const int k = static_cast<int>(i - e * p.samples);
    const int r = p.grid[k];
    const double psi = p.phase(k, r, static_cast<double>(phase[p.centred(r)]), em[e]);
    const Cx<Real> g = gamma[e * n2 + r];
    dpsi[i] = static_cast<double>(g.im) * std::cos(psi) - static_cast<double>(g.re) * std::sin(psi);
  }
};

// d_phase at grid point r: Σ_e dψ[e, k] (+ the old value when accumulating); 0 outside the
// pupil unless accumulating; over n².
template <class Real>
struct SumOverEmitters {
  PupilView p;
  int batch;
  bool accumulate;
  const double* dpsi;
  Real* d_phase;
  SMLM_HD void operator()(int64_t i) const {
    const int r = static_cast<int>(i);
    const int c = p.centred(r), k = p.sample_of[r];
    if (k < 0) {
      if (!accumulate) d_phase[c] = 0;
      return;
    }
    double s = accumulate ? static_cast<double>(d_phase[c]) : 0.0;
    for (int e = 0; e < batch; ++e) s += dpsi[static_cast<int64_t>(e) * p.samples + k];
    d_phase[c] = static_cast<Real>(s);
  }
};

// Partial sums of emitter e's gradient over chunk c of the samples (x, y, z) and of the grid (N);
// over batch·chunks.
template <class Real>
struct EmitterPartials {
  PupilView p;
  int64_t n2;
  int chunks;
  const double* dpsi;
  const Cx<Real>* pack;
  double* partial;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t e = i / chunks;
    const int c = static_cast<int>(i - e * chunks), n = p.n;
    const int64_t k0 = static_cast<int64_t>(p.samples) * c / chunks;
    const int64_t k1 = static_cast<int64_t>(p.samples) * (c + 1) / chunks;
    double sx = 0, sy = 0, sz = 0, sn = 0;
    for (int64_t k = k0; k < k1; ++k) {
      const double d = dpsi[e * p.samples + k];
      const int r = p.grid[k];
      sx += d * signed_frequency(r % n, n);
      sy += d * signed_frequency(r / n, n);
      sz += d * p.kz[k];
    }
    const Cx<Real>* plane = pack + (e / 2) * n2;
    const bool odd = e & 1;
    for (int64_t r = n2 * c / chunks, end = n2 * (c + 1) / chunks; r < end; ++r)
      sn += odd ? plane[r].im : plane[r].re;
    double* out = partial + 4 * i;
    out[0] = -kTwoPi * sx / n;
    out[1] = -kTwoPi * sy / n;
    out[2] = kTwoPi * sz;
    out[3] = sn;
  }
};

template <class Real>
struct Zero {
  Real* x;
  SMLM_HD void operator()(int64_t i) const { x[i] = 0; }
};

}  // namespace

void PupilModelSettings::validate() const {
  optics.validate();
  SMLM_CHECK(optics.oversampling == 1,
             "pupil model: the output is the camera grid, oversampling must be 1, got "
                 << optics.oversampling);
  SMLM_CHECK(std::isfinite(focal_plane_nm),
             "pupil model: the nominal focal plane must be finite, got " << focal_plane_nm);
  SMLM_CHECK(max_batch >= 1 && max_batch <= 4096,
             "pupil model: max_batch must be 1..4096, got " << max_batch);
}

template <class Real>
struct PupilModel<Real>::Impl {
  kernels::Device device;
  PupilGrid grid;
  kernels::DeviceArray<int> grid_index, sample_of;
  kernels::DeviceArray<double> kz, kzi, sinc;
  PlaneFft<Real> fft;
  // Workspace: fields (max_batch planes), packed pairs, dψ, the batch's emitters, partial sums.
  kernels::DeviceArray<Cx<Real>> field, pack;
  kernels::DeviceArray<double> axis, dpsi, partial;
  kernels::DeviceArray<EmitterTerms> em;
  std::vector<EmitterTerms> host_em;
  std::vector<double> host_partial;
  int chunks = 1;

  Impl(const kernels::Device& d, PupilGrid g) : device(d), grid(std::move(g)), fft(d, grid.n) {}

  PupilView view(double nfp) const {
    PupilView v;
    v.n = grid.n;
    v.samples = static_cast<int>(grid.index.size());
    v.grid = grid_index.data();
    v.sample_of = sample_of.data();
    v.kz = kz.data();
    v.kzi = kzi.data();
    v.sinc = sinc.data();
    v.nfp = nfp;
    return v;
  }
};

template <class Real>
PupilModel<Real>::PupilModel(PupilModelSettings s, kernels::Device device)
    : s_(std::move(s)), device_(device) {
  s_.validate();
  if (device_.is_cuda()) kernels::use_cuda_device(device_.index, "pupil model");
  PupilGrid g = make_pupil_grid(s_.optics);
  n_ = g.n;
  half_ = g.half;
  samples_ = static_cast<int>(g.index.size());
  impl_ = std::make_unique<Impl>(device_, std::move(g));
  Impl& m = *impl_;
  const int64_t n2 = static_cast<int64_t>(n_) * n_;
  std::vector<int> sample_of(n2, -1);
  for (int k = 0; k < samples_; ++k) sample_of[m.grid.index[k]] = k;
  m.grid_index.upload(device_, m.grid.index);
  m.sample_of.upload(device_, sample_of);
  m.kz.upload(device_, m.grid.kz);
  m.kzi.upload(device_, m.grid.kz_immersion);
  m.sinc.upload(device_, m.grid.sinc);
  const int b = s_.max_batch, pairs = (b + 1) / 2;
  m.chunks = std::clamp(samples_ / 512, 1, 64);
  m.field.resize(device_, static_cast<size_t>(b) * n2);
  m.pack.resize(device_, static_cast<size_t>(pairs) * n2);
  m.axis.resize(device_, static_cast<size_t>(b) * n_);
  m.dpsi.resize(device_, static_cast<size_t>(b) * samples_);
  m.partial.resize(device_, static_cast<size_t>(b) * m.chunks * 4);
  m.em.resize(device_, b);
}

template <class Real>
PupilModel<Real>::~PupilModel() = default;

template <class Real>
std::vector<Real> PupilModel<Real>::pupil_support() const {
  std::vector<Real> out(static_cast<size_t>(n_) * n_, Real(0));
  PupilView v;
  v.n = n_;
  for (int r : impl_->grid.index) out[v.centred(r)] = Real(1);
  return out;
}

template <class Real>
std::vector<Real> PupilModel<Real>::initial_phase() const {
  std::vector<Real> out(static_cast<size_t>(n_) * n_, Real(0));
  PupilView v;
  v.n = n_;
  for (int k = 0; k < samples_; ++k)
    out[v.centred(impl_->grid.index[k])] = static_cast<Real>(impl_->grid.phase[k]);
  return out;
}

namespace {

void check_emitters(const std::vector<PupilEmitter>& emitters) {
  for (size_t i = 0; i < emitters.size(); ++i) {
    const PupilEmitter& e = emitters[i];
    SMLM_CHECK(std::isfinite(e.x) && std::isfinite(e.y) && std::isfinite(e.z_nm) &&
                   std::isfinite(e.photons),
               "pupil model: emitter " << i << " has a non-finite position or photon count");
    SMLM_CHECK(std::isfinite(e.blur_px) && e.blur_px >= 0,
               "pupil model: emitter " << i << " blur must be >= 0 px, got " << e.blur_px);
  }
}

}  // namespace

template <class Real>
void PupilModel<Real>::forward(const Real* phase, const std::vector<PupilEmitter>& emitters,
                               Real* images, int side) {
  if (side == 0) side = output_size();
  SMLM_CHECK(side >= 1 && side <= n_,
             "pupil model: window side must be 1.." << n_ << ", got " << side);
  check_emitters(emitters);
  Impl& m = *impl_;
  const PupilView pv = m.view(s_.focal_plane_nm);
  const int64_t n2 = static_cast<int64_t>(n_) * n_, s2 = static_cast<int64_t>(side) * side;
  const int half = side / 2, total = static_cast<int>(emitters.size());
  const double scale = 1.0 / (static_cast<double>(n2) * samples_);
  for (int start = 0; start < total; start += s_.max_batch) {
    const int b = std::min(s_.max_batch, total - start), pairs = (b + 1) / 2;
    m.host_em.resize(b);
    for (int e = 0; e < b; ++e) {
      const PupilEmitter& pe = emitters[start + e];
      m.host_em[e] = {pe.x - half, pe.y - half, pe.z_nm, pe.photons * scale, pe.blur_px};
    }
    m.em.copy_from_host(m.host_em.data(), b);
    Cx<Real>* field = m.field.data();
    Cx<Real>* pack = m.pack.data();
    kernels::parallel_for(device_, b * n2, AssembleField<Real>{pv, n2, phase, m.em.data(), field});
    m.fft.backward(reinterpret_cast<Real*>(field), b);
    kernels::parallel_for(device_, pairs * n2,
                          PackIntensity<Real>{n2, b, m.em.data(), field, pack});
    m.fft.forward(reinterpret_cast<Real*>(pack), pairs);
    kernels::parallel_for(device_, int64_t{b} * n_, AxisTransfer{pv, m.em.data(), m.axis.data()});
    kernels::parallel_for(device_, pairs * n2, ApplyTransfer<Real>{n_, n2, b, m.axis.data(), pack});
    m.fft.backward(reinterpret_cast<Real*>(pack), pairs);
    kernels::parallel_for(device_, b * s2,
                          CropWindow<Real>{n_, side, half, n2, pack, images + start * s2});
  }
}

template <class Real>
void PupilModel<Real>::backward(const Real* phase, const std::vector<PupilEmitter>& emitters,
                                const Real* d_images, Real* d_phase,
                                std::vector<PupilEmitterGrad>* d_emitters, int side,
                                bool accumulate) {
  if (side == 0) side = output_size();
  SMLM_CHECK(side >= 1 && side <= n_,
             "pupil model: window side must be 1.." << n_ << ", got " << side);
  check_emitters(emitters);
  Impl& m = *impl_;
  const PupilView pv = m.view(s_.focal_plane_nm);
  const int64_t n2 = static_cast<int64_t>(n_) * n_, s2 = static_cast<int64_t>(side) * side;
  const int half = side / 2, total = static_cast<int>(emitters.size());
  const double scale = 1.0 / (static_cast<double>(n2) * samples_);
  if (d_emitters) d_emitters->assign(total, PupilEmitterGrad{});
  if (total == 0 && !accumulate) kernels::parallel_for(device_, n2, Zero<Real>{d_phase});
  for (int start = 0; start < total; start += s_.max_batch) {
    const int b = std::min(s_.max_batch, total - start), pairs = (b + 1) / 2;
    m.host_em.resize(b);
    for (int e = 0; e < b; ++e) {
      const PupilEmitter& pe = emitters[start + e];
      m.host_em[e] = {pe.x - half, pe.y - half, pe.z_nm, pe.photons * scale, pe.blur_px};
    }
    m.em.copy_from_host(m.host_em.data(), b);
    const EmitterTerms* em = m.em.data();
    Cx<Real>* field = m.field.data();
    Cx<Real>* pack = m.pack.data();
    // E again, and g = 𝒦 crop*(G) in the packed pairs.
    kernels::parallel_for(device_, b * n2, AssembleField<Real>{pv, n2, phase, em, field});
    m.fft.backward(reinterpret_cast<Real*>(field), b);
    kernels::parallel_for(device_, pairs * n2,
                          ScatterWindow<Real>{n_, side, half, n2, b, d_images + start * s2, pack});
    m.fft.forward(reinterpret_cast<Real*>(pack), pairs);
    kernels::parallel_for(device_, int64_t{b} * n_, AxisTransfer{pv, em, m.axis.data()});
    kernels::parallel_for(device_, pairs * n2, ApplyTransfer<Real>{n_, n2, b, m.axis.data(), pack});
    m.fft.backward(reinterpret_cast<Real*>(pack), pairs);
    // γ = 2c·g·E, Γ = F(γ), dψ = Im(Γ·conj P).
    kernels::parallel_for(device_, pairs * n2, FieldAdjoint<Real>{n2, b, scale, em, field, pack});
    m.fft.forward(reinterpret_cast<Real*>(field), b);
    kernels::parallel_for(device_, static_cast<int64_t>(b) * samples_,
                          PhaseAdjoint<Real>{pv, n2, phase, em, field, m.dpsi.data()});
    kernels::parallel_for(
        device_, n2, SumOverEmitters<Real>{pv, b, accumulate || start > 0, m.dpsi.data(), d_phase});
    if (!d_emitters) continue;
    kernels::parallel_for(
        device_, static_cast<int64_t>(b) * m.chunks,
        EmitterPartials<Real>{pv, n2, m.chunks, m.dpsi.data(), pack, m.partial.data()});
    m.host_partial.resize(static_cast<size_t>(b) * m.chunks * 4);
    m.partial.copy_to_host(m.host_partial.data(), m.host_partial.size());
    for (int e = 0; e < b; ++e) {
      PupilEmitterGrad& g = (*d_emitters)[start + e];
      for (int c = 0; c < m.chunks; ++c) {
        const double* p = &m.host_partial[(static_cast<size_t>(e) * m.chunks + c) * 4];
        g.x += p[0];
        g.y += p[1];
        g.z_nm += p[2];
        g.photons += p[3];
      }
      // dL/dN was summed as Σ g·|E|²/(n²K) = Σ G·out/N: already per photon.
    }
  }
}

template class PupilModel<float>;
template class PupilModel<double>;

}  // namespace smlm::psf
