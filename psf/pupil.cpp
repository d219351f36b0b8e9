// Pupil-function rendering: the pupil's samples are precomputed once; each plane is one inverse
// FFT (field), |E|², then a forward and an inverse FFT that convolve exactly with the camera
// pixel's box (multiplying the band-limited spectrum by sinc·sinc).
#include "psf/pupil.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/lgamma.h"
#include "kernels/parallel_for.h"
#include "psf/pupil_fft.h"
#include "psf/pupil_grid.h"
#include "psf/zernike.h"

namespace smlm::psf {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Smallest n ≥ m of the form 2^a·3^b·5^c (FFTW's fast sizes), even.
int fft_friendly(int m) {
  for (int n = std::max(2, m);; ++n) {
    if (n % 2) continue;
    int r = n;
    for (int p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return n;
  }
}

// Generalized Laguerre polynomial L_p^a(x) by its three-term recurrence.
double laguerre(int p, double a, double x) {
  if (p == 0) return 1.0;
  double l0 = 1.0, l1 = 1.0 + a - x;
  for (int k = 1; k < p; ++k) {
    const double l2 = ((2.0 * k + 1.0 + a - x) * l1 - (k + a) * l0) / (k + 1.0);
    l0 = l1;
    l1 = l2;
  }
  return l1;
}

}  // namespace

void PupilSettings::validate() const {
  SMLM_CHECK(std::isfinite(wavelength_nm) && wavelength_nm > 0,
             "pupil: wavelength must be > 0 nm, got " << wavelength_nm);
  SMLM_CHECK(std::isfinite(n_immersion) && n_immersion >= 1,
             "pupil: immersion index must be >= 1, got " << n_immersion);
  SMLM_CHECK(std::isfinite(n_sample) && n_sample >= 1,
             "pupil: sample index must be >= 1, got " << n_sample);
  SMLM_CHECK(std::isfinite(na) && na > 0 && na <= n_immersion,
             "pupil: NA must be in (0, n_immersion = " << n_immersion << "], got " << na);
  SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
             "pupil: pixel size must be > 0 nm, got " << pixel_size_nm);
  SMLM_CHECK(oversampling >= 1 && oversampling <= 64,
             "pupil: oversampling must be 1..64, got " << oversampling);
  SMLM_CHECK(window_px >= 1 && window_px <= 1024,
             "pupil: window must be 1..1024 px, got " << window_px);
  SMLM_CHECK(pupil_samples >= 4 && pupil_samples <= 2048,
             "pupil: pupil samples must be 4..2048, got " << pupil_samples);
  for (const ZernikeTerm& t : aberrations) {
    SMLM_CHECK(t.noll >= 1, "pupil: Zernike Noll index must be >= 1, got " << t.noll);
    SMLM_CHECK(std::isfinite(t.waves), "pupil: Zernike Z" << t.noll << " amplitude is not finite");
  }
  SMLM_CHECK(std::isfinite(astigmatism_waves), "pupil: astigmatism amplitude is not finite");
  SMLM_CHECK(std::isfinite(tetrapod_waves), "pupil: tetrapod amplitude is not finite");
  SMLM_CHECK(std::isfinite(double_helix_waist) && double_helix_waist > 0,
             "pupil: double-helix waist must be > 0, got " << double_helix_waist);
  if (mask == PhaseMask::kCustom) {
    SMLM_CHECK(custom_phase.width() >= 2 && custom_phase.height() >= 2,
               "pupil: the custom phase mask must be at least 2x2 pixels, got "
                   << custom_phase.width() << "x" << custom_phase.height());
    for (float v : custom_phase.vec())
      SMLM_CHECK(std::isfinite(v), "pupil: the custom phase mask holds a non-finite value");
  }
}

double mask_phase(const PupilSettings& s, double rho, double theta) {
  switch (s.mask) {
    case PhaseMask::kAstigmatism:
      return 2 * kPi * s.astigmatism_waves * zernike(6, rho, theta);
    case PhaseMask::kTetrapod:
      return 2 * kPi * s.tetrapod_waves *
             (-0.755 * zernike(6, rho, theta) + zernike(12, rho, theta) +
              0.086 * zernike(24, rho, theta));
    case PhaseMask::kDoubleHelix: {
      const double r = rho / s.double_helix_waist, r2 = r * r;
      std::complex<double> u = 0;
      for (int p = 0; p <= 4; ++p) {
        const int m = 2 * p + 1;
        // Normalized LG_{p,m}: √(p!/(p+m)!)·(√2 r)^m·L_p^m(2r²)·e^{−r²}.
        const double norm = std::exp(0.5 * (log_gamma(p + 1.0) - log_gamma(p + m + 1.0)));
        const double radial =
            norm * std::pow(std::sqrt(2.0) * r, m) * laguerre(p, m, 2 * r2) * std::exp(-r2);
        u += radial * std::polar(1.0, m * theta);
      }
      return std::arg(u);
    }
    default:
      return 0.0;
  }
}

struct PupilPsf::Plans {
  fftw_plan backward = nullptr, forward = nullptr;
  ~Plans() {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    if (backward) fftw_destroy_plan(backward);
    if (forward) fftw_destroy_plan(forward);
  }
};

PupilGrid make_pupil_grid(const PupilSettings& s) {
  s.validate();
  PupilGrid g;
  const double dx = s.pixel_size_nm / s.oversampling;
  g.f_na = s.na / s.wavelength_nm;                                    // 1/nm
  const double f_max = std::min(s.na, s.n_sample) / s.wavelength_nm;  // pupil edge
  g.half = (s.window_px * s.oversampling) / 2;
  // Pupil radius in samples = f_max·N·dx; the field of view N·dx must also hold the window twice.
  const int n_pupil = static_cast<int>(std::ceil(s.pupil_samples / (g.f_na * dx)));
  const int n = fft_friendly(std::max({n_pupil, 4 * g.half + 4, 16}));
  SMLM_CHECK(n <= 8192, "pupil: the FFT grid would be " << n
                                                        << " samples wide; lower "
                                                           "--pupil-samples or the oversampling");
  g.n = n;
  g.df = 1.0 / (n * dx);
  const double df = g.df, f_na = g.f_na;

  // Custom phase mask sampling (bilinear, clamped at the border).
  auto custom = [&](double px, double py) {
    const ImageF& m = s.custom_phase;
    const double gx = std::clamp((px + 1) * 0.5 * m.width() - 0.5, 0.0, m.width() - 1.0);
    const double gy = std::clamp((py + 1) * 0.5 * m.height() - 0.5, 0.0, m.height() - 1.0);
    const int x0 = std::min(static_cast<int>(gx), m.width() - 2);
    const int y0 = std::min(static_cast<int>(gy), m.height() - 2);
    const double tx = gx - x0, ty = gy - y0;
    return (1 - ty) * ((1 - tx) * m(x0, y0) + tx * m(x0 + 1, y0)) +
           ty * ((1 - tx) * m(x0, y0 + 1) + tx * m(x0 + 1, y0 + 1));
  };

  const double n_over_lambda2 = std::pow(s.n_sample / s.wavelength_nm, 2);
  const double n_imm_over_lambda2 = std::pow(s.n_immersion / s.wavelength_nm, 2);
  for (int v = 0; v < n; ++v) {
    const double fy = signed_frequency(v, n) * df;
    for (int u = 0; u < n; ++u) {
      const double fx = signed_frequency(u, n) * df;
      const double f2 = fx * fx + fy * fy;
      if (f2 > f_max * f_max) continue;
      const double rho = std::sqrt(f2) / f_na, theta = std::atan2(fy, fx);
      double phi = 0;
      for (const ZernikeTerm& t : s.aberrations)
        phi += 2 * kPi * t.waves * zernike(t.noll, rho, theta);
      if (s.mask == PhaseMask::kCustom)
        phi += custom(fx / f_na, fy / f_na);
      else
        phi += mask_phase(s, rho, theta);
      g.index.push_back(v * n + u);
      g.phase.push_back(phi);
      g.kz.push_back(std::sqrt(std::max(0.0, n_over_lambda2 - f2)));
      g.kz_immersion.push_back(std::sqrt(std::max(0.0, n_imm_over_lambda2 - f2)));
    }
  }
  SMLM_CHECK(g.index.size() >= 4, "pupil: fewer than 4 pupil samples; raise --pupil-samples");

  // Box transfer of one camera pixel: sinc(f·pixel) per 1D frequency index.
  g.sinc.resize(n);
  for (int u = 0; u < n; ++u) {
    const double a = kPi * signed_frequency(u, n) * df * s.pixel_size_nm;
    g.sinc[u] = a == 0 ? 1.0 : std::sin(a) / a;
  }
  return g;
}

PupilPsf::PupilPsf(PupilSettings s) : s_(std::move(s)) {
  PupilGrid g = make_pupil_grid(s_);
  n_ = g.n;
  half_ = g.half;
  idx_ = std::move(g.index);
  phase_ = std::move(g.phase);
  kz_ = std::move(g.kz);
  sinc_ = std::move(g.sinc);

  plans_ = std::make_unique<Plans>();
  std::vector<std::complex<double>> tmp(static_cast<size_t>(n_) * n_);
  auto* p = reinterpret_cast<fftw_complex*>(tmp.data());
  std::lock_guard<std::mutex> lock(fftw_planner_mutex());
  plans_->backward = fftw_plan_dft_2d(n_, n_, p, p, FFTW_BACKWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  plans_->forward = fftw_plan_dft_2d(n_, n_, p, p, FFTW_FORWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  SMLM_CHECK(plans_->backward && plans_->forward,
             "pupil: FFTW could not plan a " << n_ << "x" << n_ << " FFT");
}

PupilPsf::~PupilPsf() = default;

void PupilPsf::field_intensity(double z_nm, std::vector<std::complex<double>>& buf) const {
  buf.assign(static_cast<size_t>(n_) * n_, 0.0);
  for (size_t k = 0; k < idx_.size(); ++k)
    buf[idx_[k]] = std::polar(1.0, phase_[k] + 2 * kPi * z_nm * kz_[k]);
  // New-array execution on any buffer: the plans are FFTW_UNALIGNED.
  auto* p = reinterpret_cast<fftw_complex*>(buf.data());
  fftw_execute_dft(plans_->backward, p, p);
  // Parseval: Σ|E|² = N²·Σ|P|² = N²·(pupil samples).
  const double norm = 1.0 / (static_cast<double>(n_) * n_ * static_cast<double>(idx_.size()));
  for (auto& e : buf) e = std::norm(e) * norm;
}

ImageF PupilPsf::intensity(double z_nm) const {
  std::vector<std::complex<double>> buf;
  field_intensity(z_nm, buf);
  ImageF out(n_, n_);
  for (int y = 0; y < n_; ++y)
    for (int x = 0; x < n_; ++x)
      out((x + n_ / 2) % n_, (y + n_ / 2) % n_) =
          static_cast<float>(buf[static_cast<size_t>(y) * n_ + x].real());
  return out;
}

ImageF PupilPsf::render(double z_nm) const {
  SMLM_CHECK(std::isfinite(z_nm), "pupil: z must be finite");
  std::vector<std::complex<double>> buf;
  field_intensity(z_nm, buf);
  auto* p = reinterpret_cast<fftw_complex*>(buf.data());
  fftw_execute_dft(plans_->forward, p, p);
  // Box convolution; the inverse FFT's N² and the oversampling² (samples per pixel area) folded in.
  const double k2 = static_cast<double>(s_.oversampling) * s_.oversampling;
  const double scale = k2 / (static_cast<double>(n_) * n_);
  for (int v = 0; v < n_; ++v)
    for (int u = 0; u < n_; ++u)
      buf[static_cast<size_t>(v) * n_ + u] *= sinc_[u] * sinc_[v] * scale;
  fftw_execute_dft(plans_->backward, p, p);
  const int side = 2 * half_ + 1;
  ImageF out(side, side);
  for (int b = 0; b < side; ++b) {
    const int v = ((b - half_) % n_ + n_) % n_;
    for (int a = 0; a < side; ++a) {
      const int u = ((a - half_) % n_ + n_) % n_;
      out(a, b) = static_cast<float>(buf[static_cast<size_t>(v) * n_ + u].real());
    }
  }
  return out;
}

std::vector<ImageF> PupilPsf::render_stack(const std::vector<double>& z_nm) const {
  for (double z : z_nm) SMLM_CHECK(std::isfinite(z), "pupil: z must be finite");
  std::vector<ImageF> out(z_nm.size());
  kernels::parallel_for(static_cast<int64_t>(z_nm.size()),
                        [&](int64_t i) { out[i] = render(z_nm[i]); });
  return out;
}

ImageF PupilPsf::pupil_phase() const {
  ImageF out(n_, n_);
  for (size_t k = 0; k < idx_.size(); ++k) {
    const int v = idx_[k] / n_, u = idx_[k] % n_;
    out((u + n_ / 2) % n_, (v + n_ / 2) % n_) = static_cast<float>(phase_[k]);
  }
  return out;
}

}  // namespace smlm::psf
