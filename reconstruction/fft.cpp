// FFTW3 wrappers. Planning is not thread-safe in FFTW, so plans are made and destroyed under one
// mutex; executing a plan is, so transforms themselves run concurrently.
#include "reconstruction/fft.h"

#include <fftw3.h>

#include <mutex>

#include "core/error.h"

namespace smlm::reconstruction {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

void destroy(fftw_plan plan) {
  std::lock_guard lock(planner_mutex());
  fftw_destroy_plan(plan);
}

}  // namespace

HalfSpectrum forward_fft(const ImageD& image) {
  SMLM_CHECK(image.width() > 0 && image.height() > 0,
             "FFT of an empty " << image.width() << "x" << image.height() << " image");
  HalfSpectrum s;
  s.nx = image.width();
  s.ny = image.height();
  s.data.resize(size_t(s.ny) * s.half_width());
  // FFTW_ESTIMATE leaves the arrays untouched while planning; r2c keeps its input.
  std::vector<double> in(image.vec());
  fftw_plan plan;
  {
    std::lock_guard lock(planner_mutex());
    plan = fftw_plan_dft_r2c_2d(s.ny, s.nx, in.data(),
                                reinterpret_cast<fftw_complex*>(s.data.data()), FFTW_ESTIMATE);
  }
  SMLM_CHECK(plan != nullptr, "FFTW could not plan a " << s.nx << "x" << s.ny << " transform");
  fftw_execute(plan);
  destroy(plan);
  return s;
}

ImageD inverse_fft(const HalfSpectrum& spectrum) {
  SMLM_ASSERT(spectrum.nx > 0 && spectrum.ny > 0 &&
              spectrum.data.size() == size_t(spectrum.ny) * spectrum.half_width());
  ImageD out(spectrum.nx, spectrum.ny);
  std::vector<std::complex<double>> in(spectrum.data);  // c2r overwrites its input
  fftw_plan plan;
  {
    std::lock_guard lock(planner_mutex());
    plan =
        fftw_plan_dft_c2r_2d(spectrum.ny, spectrum.nx, reinterpret_cast<fftw_complex*>(in.data()),
                             out.data(), FFTW_ESTIMATE);
  }
  SMLM_CHECK(plan != nullptr,
             "FFTW could not plan a " << spectrum.nx << "x" << spectrum.ny << " transform");
  fftw_execute(plan);
  destroy(plan);
  const double norm = 1.0 / (double(spectrum.nx) * spectrum.ny);
  for (double& v : out.vec()) v *= norm;
  return out;
}

int fft_friendly_size(int n) {
  SMLM_CHECK(n >= 1, "FFT size must be positive, got " << n);
  for (int m = n;; ++m) {
    int r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

}  // namespace smlm::reconstruction
