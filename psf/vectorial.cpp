// Fixed-dipole vectorial PSF: the pupil's per-sample field coefficients g_cj are precomputed once;
// a plane is one inverse FFT per field component, |E|², then psf/pupil.cpp's exact pixel-box
// convolution (two real images share each forward/inverse FFT pair).
#include "psf/vectorial.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "psf/pupil_fft.h"
#include "psf/pupil_grid.h"

namespace smlm::psf {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kFields = 5;  // g_xx, g_xy (= g_yx), g_xz, g_yy, g_yz
enum { kGxx = 0, kGxy, kGxz, kGyy, kGyz };

// inv = a⁻¹ of a symmetric positive-definite n × n matrix by Cholesky; false when a is not
// positive definite to working precision.
bool invert_spd(const std::vector<double>& a, int n, std::vector<double>& inv) {
  std::vector<double> l(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (int k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 1e-12 * std::fabs(a[i * n + i]) && s > 0)) return false;
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  // Columns of a⁻¹: solve L·Lᵀ·x = e_c.
  inv.assign(static_cast<size_t>(n) * n, 0.0);
  std::vector<double> y(n);
  for (int c = 0; c < n; ++c) {
    for (int i = 0; i < n; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (int k = 0; k < i; ++k) s -= l[i * n + k] * y[k];
      y[i] = s / l[i * n + i];
    }
    for (int i = n - 1; i >= 0; --i) {
      double s = y[i];
      for (int k = i + 1; k < n; ++k) s -= l[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / l[i * n + i];
    }
  }
  return true;
}

}  // namespace

void DipoleSettings::validate() const {
  optics.validate();
  SMLM_CHECK(std::isfinite(focal_plane_nm), "dipole PSF: the focal plane (NFP) must be finite");
}

std::array<double, 3> dipole_vector(double theta, double phi) {
  return {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
}

std::array<double, 6> dipole_basis_weights(double theta, double phi) {
  const auto m = dipole_vector(theta, phi);
  return {m[0] * m[0], m[1] * m[1], m[2] * m[2], m[0] * m[1], m[0] * m[2], m[1] * m[2]};
}

ImageD DipoleBasis::combine(const std::array<double, 6>& w) const {
  SMLM_CHECK(!images[0].empty(), "dipole basis: no images");
  double e = 0;
  for (int k = 0; k < 6; ++k) e += w[k] * energy[k];
  SMLM_CHECK(e > 0 && std::isfinite(e),
             "dipole basis: the weights give no power through the pupil (" << e << ")");
  ImageD out(images[0].width(), images[0].height());
  for (int k = 0; k < 6; ++k) {
    if (w[k] == 0) continue;
    const double c = w[k] / e;
    const std::vector<double>& b = images[k].vec();
    for (size_t i = 0; i < b.size(); ++i) out.vec()[i] += c * b[i];
  }
  return out;
}

ImageD DipoleBasis::orientation(double theta, double phi) const {
  return combine(dipole_basis_weights(theta, phi));
}

ImageD DipoleBasis::isotropic() const { return combine({1, 1, 1, 0, 0, 0}); }

struct DipolePsf::Plans {
  fftw_plan backward = nullptr, forward = nullptr;
  ~Plans() {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    if (backward) fftw_destroy_plan(backward);
    if (forward) fftw_destroy_plan(forward);
  }
};

DipolePsf::DipolePsf(DipoleSettings s) : s_(std::move(s)) {
  s_.validate();
  // PupilPsf's grid, its pupil reaching the NA even when n_sample < NA (supercritical light).
  PupilSettings wide = s_.optics;
  wide.n_sample = std::max(wide.n_sample, wide.na);
  PupilGrid g = make_pupil_grid(wide);
  n_ = g.n;
  half_ = g.half;
  df_ = g.df;
  idx_ = std::move(g.index);
  phase_ = std::move(g.phase);
  sinc_ = std::move(g.sinc);

  const double lambda = s_.optics.wavelength_nm;
  const double ns = s_.optics.n_sample, ni = s_.optics.n_immersion;
  const size_t m = idx_.size();
  fx_.resize(m);
  fy_.resize(m);
  kz_s_.resize(m);
  kz_i_.resize(m);
  for (auto& gk : g_) gk.resize(m);
  for (size_t k = 0; k < m; ++k) {
    const double fx = signed_frequency(idx_[k] % n_, n_) * df_;
    const double fy = signed_frequency(idx_[k] / n_, n_) * df_;
    fx_[k] = fx;
    fy_[k] = fy;
    const double rho = lambda * std::hypot(fx, fy);  // n·sinθ in every medium
    const double sin_s = rho / ns, sin_i = rho / ni;
    const double cos_i = std::sqrt(std::max(0.0, 1 - sin_i * sin_i));
    Complex cos_s;
    if (sin_s <= 1) {
      cos_s = std::sqrt(1 - sin_s * sin_s);
    } else {
      cos_s = Complex(0, std::sqrt(sin_s * sin_s - 1));
      supercritical_ = true;
    }
    kz_s_[k] = ns / lambda * cos_s;
    kz_i_[k] = ni / lambda * cos_i;
    // a = √cosθ_i·t/cosθ_s with the cosθ_s of t's numerator cancelled: finite at the critical
    // angle.
    const double root = std::sqrt(cos_i);
    const Complex ap = root * 2 * ns / (ns * cos_i + ni * cos_s);
    const Complex as = root * 2 * ns / (ns * cos_s + ni * cos_i);
    const double az = std::atan2(fy, fx), c = std::cos(az), sn = std::sin(az);
    g_[kGxx][k] = ap * cos_s * c * c + as * sn * sn;
    g_[kGxy][k] = (ap * cos_s - as) * c * sn;
    g_[kGxz][k] = ap * sin_s * c;
    g_[kGyy][k] = ap * cos_s * sn * sn + as * c * c;
    g_[kGyz][k] = ap * sin_s * sn;
  }

  plans_ = std::make_unique<Plans>();
  std::vector<Complex> tmp(static_cast<size_t>(n_) * n_);
  auto* p = reinterpret_cast<fftw_complex*>(tmp.data());
  std::lock_guard<std::mutex> lock(fftw_planner_mutex());
  plans_->backward = fftw_plan_dft_2d(n_, n_, p, p, FFTW_BACKWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  plans_->forward = fftw_plan_dft_2d(n_, n_, p, p, FFTW_FORWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  SMLM_CHECK(plans_->backward && plans_->forward,
             "dipole PSF: FFTW could not plan a " << n_ << "x" << n_ << " FFT");
}

DipolePsf::~DipolePsf() = default;

void DipolePsf::pupil_factor(double z_nm, double dx_px, double dy_px,
                             std::vector<Complex>& out) const {
  SMLM_CHECK(std::isfinite(z_nm) && std::isfinite(dx_px) && std::isfinite(dy_px),
             "dipole PSF: z and the shift must be finite");
  SMLM_CHECK(!supercritical_ || z_nm >= 0, "dipole PSF: with supercritical light (n_sample "
                                               << s_.optics.n_sample << " < NA " << s_.optics.na
                                               << ") z is the distance from the "
                                                  "coverslip and must be >= 0, got "
                                               << z_nm);
  const double pixel = s_.optics.pixel_size_nm, nfp = s_.focal_plane_nm;
  out.resize(idx_.size());
  for (size_t k = 0; k < idx_.size(); ++k) {
    const double psi = phase_[k] + 2 * kPi * (z_nm * kz_s_[k].real() - nfp * kz_i_[k]) -
                       2 * kPi * pixel * (fx_[k] * dx_px + fy_[k] * dy_px);
    out[k] = std::polar(std::exp(-2 * kPi * z_nm * kz_s_[k].imag()), psi);
  }
}

double DipolePsf::fields(double theta, double phi, double z_nm, double dx_px, double dy_px,
                         std::vector<Complex>& ex, std::vector<Complex>& ey) const {
  std::vector<Complex> f;
  pupil_factor(z_nm, dx_px, dy_px, f);
  const auto mu = dipole_vector(theta, phi);
  ex.assign(static_cast<size_t>(n_) * n_, 0.0);
  ey.assign(static_cast<size_t>(n_) * n_, 0.0);
  double power = 0;
  for (size_t k = 0; k < idx_.size(); ++k) {
    const Complex x = (g_[kGxx][k] * mu[0] + g_[kGxy][k] * mu[1] + g_[kGxz][k] * mu[2]) * f[k];
    const Complex y = (g_[kGxy][k] * mu[0] + g_[kGyy][k] * mu[1] + g_[kGyz][k] * mu[2]) * f[k];
    ex[idx_[k]] = x;
    ey[idx_[k]] = y;
    power += std::norm(x) + std::norm(y);
  }
  SMLM_CHECK(power > 0, "dipole PSF: no light passes the pupil");
  fftw_execute_dft(plans_->backward, reinterpret_cast<fftw_complex*>(ex.data()),
                   reinterpret_cast<fftw_complex*>(ex.data()));
  fftw_execute_dft(plans_->backward, reinterpret_cast<fftw_complex*>(ey.data()),
                   reinterpret_cast<fftw_complex*>(ey.data()));
  return power;
}

void DipolePsf::pixel_box(Complex* plane) const {
  auto* p = reinterpret_cast<fftw_complex*>(plane);
  fftw_execute_dft(plans_->forward, p, p);
  // The transfer is real and even: the real and imaginary images stay apart.
  const double k2 = static_cast<double>(s_.optics.oversampling) * s_.optics.oversampling;
  const double scale = k2 / (static_cast<double>(n_) * n_);
  for (int v = 0; v < n_; ++v)
    for (int u = 0; u < n_; ++u)
      plane[static_cast<size_t>(v) * n_ + u] *= sinc_[u] * sinc_[v] * scale;
  fftw_execute_dft(plans_->backward, p, p);
}

ImageD DipolePsf::crop(const Complex* plane, bool imag) const {
  const int side = 2 * half_ + 1;
  ImageD out(side, side);
  for (int b = 0; b < side; ++b) {
    const int v = ((b - half_) % n_ + n_) % n_;
    for (int a = 0; a < side; ++a) {
      const int u = ((a - half_) % n_ + n_) % n_;
      const Complex c = plane[static_cast<size_t>(v) * n_ + u];
      out(a, b) = imag ? c.imag() : c.real();
    }
  }
  return out;
}

ImageD DipolePsf::render(double theta, double phi, double z_nm, double dx_px, double dy_px) const {
  SMLM_CHECK(std::isfinite(theta) && std::isfinite(phi), "dipole PSF: angles must be finite");
  std::vector<Complex> ex, ey;
  const double power = fields(theta, phi, z_nm, dx_px, dy_px, ex, ey);
  // Parseval: Σ_r |E|² = n²·(pupil power).
  const double norm = 1.0 / (static_cast<double>(n_) * n_ * power);
  for (size_t i = 0; i < ex.size(); ++i) ex[i] = (std::norm(ex[i]) + std::norm(ey[i])) * norm;
  pixel_box(ex.data());
  return crop(ex.data(), false);
}

ImageD DipolePsf::intensity(double theta, double phi, double z_nm) const {
  SMLM_CHECK(std::isfinite(theta) && std::isfinite(phi), "dipole PSF: angles must be finite");
  std::vector<Complex> ex, ey;
  const double power = fields(theta, phi, z_nm, 0, 0, ex, ey);
  const double norm = 1.0 / (static_cast<double>(n_) * n_ * power);
  ImageD out(n_, n_);
  for (int y = 0; y < n_; ++y)
    for (int x = 0; x < n_; ++x) {
      const size_t i = static_cast<size_t>(y) * n_ + x;
      out((x + n_ / 2) % n_, (y + n_ / 2) % n_) = (std::norm(ex[i]) + std::norm(ey[i])) * norm;
    }
  return out;
}

double DipolePsf::collection_efficiency(double theta, double phi, double z_nm) const {
  SMLM_CHECK(std::isfinite(theta) && std::isfinite(phi), "dipole PSF: angles must be finite");
  std::vector<Complex> f;
  pupil_factor(z_nm, 0, 0, f);
  const auto mu = dipole_vector(theta, phi);
  double power = 0;
  for (size_t k = 0; k < idx_.size(); ++k) {
    const double amp2 = std::norm(f[k]);  // |e^{iψ}|²: the evanescent decay only
    power += amp2 * (std::norm(g_[kGxx][k] * mu[0] + g_[kGxy][k] * mu[1] + g_[kGxz][k] * mu[2]) +
                     std::norm(g_[kGxy][k] * mu[0] + g_[kGyy][k] * mu[1] + g_[kGyz][k] * mu[2]));
  }
  const double ns = s_.optics.n_sample, ni = s_.optics.n_immersion;
  const double k2 = std::pow(ns / s_.optics.wavelength_nm, 2);
  return ni / ns * power * df_ * df_ / (k2 * 8 * kPi / 3);
}

DipoleBasis DipolePsf::basis(double z_nm, double dx_px, double dy_px) const {
  std::vector<Complex> f;
  pupil_factor(z_nm, dx_px, dy_px, f);
  const size_t plane = static_cast<size_t>(n_) * n_;
  std::vector<Complex> buf(kFields * plane, 0.0);
  // Pupil powers of the six terms (Parseval gives each image's whole-plane sum).
  double e[6] = {0, 0, 0, 0, 0, 0};
  for (size_t k = 0; k < idx_.size(); ++k) {
    Complex p[kFields];
    for (int j = 0; j < kFields; ++j) {
      p[j] = g_[j][k] * f[k];
      buf[j * plane + idx_[k]] = p[j];
    }
    e[kBasisXX] += std::norm(p[kGxx]) + std::norm(p[kGxy]);
    e[kBasisYY] += std::norm(p[kGxy]) + std::norm(p[kGyy]);
    e[kBasisZZ] += std::norm(p[kGxz]) + std::norm(p[kGyz]);
    e[kBasisXY] += 2 * std::real(p[kGxx] * std::conj(p[kGxy]) + p[kGxy] * std::conj(p[kGyy]));
    e[kBasisXZ] += 2 * std::real(p[kGxx] * std::conj(p[kGxz]) + p[kGxy] * std::conj(p[kGyz]));
    e[kBasisYZ] += 2 * std::real(p[kGxy] * std::conj(p[kGxz]) + p[kGyy] * std::conj(p[kGyz]));
  }
  const double iso = (e[kBasisXX] + e[kBasisYY] + e[kBasisZZ]) / 3;
  SMLM_CHECK(iso > 0, "dipole PSF: no light passes the pupil");
  for (int j = 0; j < kFields; ++j) {
    auto* p = reinterpret_cast<fftw_complex*>(buf.data() + j * plane);
    fftw_execute_dft(plans_->backward, p, p);
  }
  // Per pixel the six terms from the five fields (E_y's x part is g_yx = g_xy), packed in pairs
  // into the first three planes (each pixel reads its own values before writing them).
  const double norm = 1.0 / (static_cast<double>(n_) * n_ * iso);
  for (size_t r = 0; r < plane; ++r) {
    const Complex xx = buf[r], xy = buf[plane + r], xz = buf[2 * plane + r],
                  yy = buf[3 * plane + r], yz = buf[4 * plane + r];
    const double bxx = std::norm(xx) + std::norm(xy), byy = std::norm(xy) + std::norm(yy);
    const double bzz = std::norm(xz) + std::norm(yz);
    const double bxy = 2 * std::real(xx * std::conj(xy) + xy * std::conj(yy));
    const double bxz = 2 * std::real(xx * std::conj(xz) + xy * std::conj(yz));
    const double byz = 2 * std::real(xy * std::conj(xz) + yy * std::conj(yz));
    buf[r] = Complex(bxx, byy) * norm;
    buf[plane + r] = Complex(bzz, bxy) * norm;
    buf[2 * plane + r] = Complex(bxz, byz) * norm;
  }
  DipoleBasis out;
  for (int j = 0; j < 3; ++j) pixel_box(buf.data() + j * plane);
  const int order[3][2] = {{kBasisXX, kBasisYY}, {kBasisZZ, kBasisXY}, {kBasisXZ, kBasisYZ}};
  for (int j = 0; j < 3; ++j) {
    out.images[order[j][0]] = crop(buf.data() + j * plane, false);
    out.images[order[j][1]] = crop(buf.data() + j * plane, true);
  }
  for (int k = 0; k < 6; ++k) out.energy[k] = e[k] / iso;
  return out;
}

std::vector<DipoleBasis> DipolePsf::basis_stack(const std::vector<double>& z_nm) const {
  for (double z : z_nm) SMLM_CHECK(std::isfinite(z), "dipole PSF: z must be finite");
  std::vector<DipoleBasis> out(z_nm.size());
  kernels::parallel_for(static_cast<int64_t>(z_nm.size()),
                        [&](int64_t i) { out[i] = basis(z_nm[i]); });
  return out;
}

DipoleCrlb dipole_crlb(const DipolePsf& psf, const DipoleEmitter& e) {
  SMLM_CHECK(psf.settings().optics.oversampling == 1,
             "dipole CRLB: the PSF's oversampling must be 1 (its window is the ROI)");
  SMLM_CHECK(std::isfinite(e.photons) && e.photons > 0,
             "dipole CRLB: photons must be > 0, got " << e.photons);
  SMLM_CHECK(std::isfinite(e.background) && e.background >= 0,
             "dipole CRLB: background must be >= 0, got " << e.background);
  constexpr int kParams = 7;  // x, y, z, θ, φ, N, bg
  const double h_xy = 1e-3, h_z = 1.0, h_angle = 1e-3;
  auto at = [&](double dx, double dy, double dz, double dth, double dph) {
    return psf.render(e.theta + dth, e.phi + dph, e.z_nm + dz, e.x_px + dx, e.y_px + dy).vec();
  };
  auto central = [](const std::vector<double>& plus, const std::vector<double>& minus, double h) {
    std::vector<double> d(plus.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = (plus[i] - minus[i]) / (2 * h);
    return d;
  };
  const std::vector<double> p0 = at(0, 0, 0, 0, 0);
  std::vector<std::vector<double>> dpsf(5);
  dpsf[0] = central(at(h_xy, 0, 0, 0, 0), at(-h_xy, 0, 0, 0, 0), h_xy);
  dpsf[1] = central(at(0, h_xy, 0, 0, 0), at(0, -h_xy, 0, 0, 0), h_xy);
  if (psf.supercritical() && e.z_nm < h_z) {
    // z ≥ 0 there: the second-order one-sided difference.
    const std::vector<double> a = at(0, 0, h_z, 0, 0), b = at(0, 0, 2 * h_z, 0, 0);
    dpsf[2].resize(p0.size());
    for (size_t i = 0; i < p0.size(); ++i) dpsf[2][i] = (-3 * p0[i] + 4 * a[i] - b[i]) / (2 * h_z);
  } else {
    dpsf[2] = central(at(0, 0, h_z, 0, 0), at(0, 0, -h_z, 0, 0), h_z);
  }
  dpsf[3] = central(at(0, 0, 0, h_angle, 0), at(0, 0, 0, -h_angle, 0), h_angle);
  dpsf[4] = central(at(0, 0, 0, 0, h_angle), at(0, 0, 0, 0, -h_angle), h_angle);

  std::vector<double> fisher(kParams * kParams, 0.0);
  double d[kParams];
  for (size_t i = 0; i < p0.size(); ++i) {
    const double mu = std::max(e.photons * p0[i] + e.background, 1e-12);
    for (int a = 0; a < 5; ++a) d[a] = e.photons * dpsf[a][i];
    d[5] = p0[i];
    d[6] = 1.0;
    for (int a = 0; a < kParams; ++a)
      for (int b = 0; b < kParams; ++b) fisher[a * kParams + b] += d[a] * d[b] / mu;
  }
  std::vector<double> inv;
  SMLM_CHECK(invert_spd(fisher, kParams, inv),
             "dipole CRLB: the Fisher information is singular (is the azimuth undefined at "
             "theta = 0, or the ROI empty?)");
  auto sd = [&](int a) { return std::sqrt(inv[a * kParams + a]); };
  const double pixel = psf.settings().optics.pixel_size_nm;
  DipoleCrlb c;
  c.x_nm = sd(0) * pixel;
  c.y_nm = sd(1) * pixel;
  c.z_nm = sd(2);
  c.theta = sd(3);
  c.phi = sd(4);
  c.photons = sd(5);
  c.background = sd(6);
  return c;
}

}  // namespace smlm::psf
