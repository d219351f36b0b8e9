// Tests of the pupil model's training frames: windows placed and summed with the background, the
// differentiable Poisson approximation's statistics and its gradient to the phase mask (and to the
// emitters) against central finite differences with ε fixed, the camera path against the
// simulator's camera chain, and the CUDA path against the CPU's (skipped without a GPU).
#include "simulation/pupil_frames.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/device_array.h"

namespace smlm::simulation {
namespace {

psf::PupilModelSettings small_model() {
  psf::PupilModelSettings ms;
  ms.optics.pupil_samples = 20;
  ms.optics.window_px = 15;
  ms.optics.mask = psf::PhaseMask::kTetrapod;
  ms.max_batch = 3;
  return ms;
}

constexpr int kW = 40, kH = 32;

TEST(PupilFrames, ExpectedFramesAreTheWindowsPlusBackground) {
  psf::PupilModel<double> model(small_model());
  PupilFrameRenderer<double> r(model, kW, kH);
  const std::vector<double> phi = model.initial_phase();
  const int side = model.output_size(), h = side / 2;
  // Frame 1 first in the list: the renderer sorts by frame. One emitter straddles the border.
  const std::vector<PupilFrameEmitter> em = {{1, 20.3, 11.6, 300.0, 2000.0, 0.0},
                                             {0, 10.2, 15.0, -500.0, 1000.0, 0.7},
                                             {1, 1.4, 30.2, 0.0, 1500.0, 0.0},
                                             {0, 13.9, 16.5, 900.0, 3000.0, 0.0}};
  std::vector<double> map(2 * kW * kH);
  for (size_t i = 0; i < map.size(); ++i) map[i] = 0.01 * (i % 17);
  std::vector<double> mu(2 * kW * kH);
  r.expected(phi.data(), em, 2, 5.0, map.data(), mu.data());
  std::vector<double> ref(mu.size());
  for (size_t i = 0; i < ref.size(); ++i) ref[i] = 5.0 + map[i];
  for (const auto& e : em) {
    const int x0 = int(std::floor(e.x + 0.5)) - h, y0 = int(std::floor(e.y + 0.5)) - h;
    std::vector<double> win(side * side);
    model.forward(phi.data(), {{e.x - x0, e.y - y0, e.z_nm, e.photons, e.blur_px}}, win.data());
    for (int b = 0; b < side; ++b)
      for (int a = 0; a < side; ++a) {
        const int x = x0 + a, y = y0 + b;
        if (x < 0 || x >= kW || y < 0 || y >= kH) continue;
        ref[(e.frame * kH + y) * kW + x] += win[b * side + a];
      }
  }
  for (size_t i = 0; i < mu.size(); ++i) ASSERT_NEAR(mu[i], ref[i], 1e-9) << i;
  // No emitters: the background alone.
  r.expected(phi.data(), {}, 2, 5.0, nullptr, mu.data());
  for (double v : mu) ASSERT_EQ(v, 5.0);
  EXPECT_THROW(r.expected(phi.data(), {{2, 5, 5, 0, 1, 0}}, 2, 0.0, nullptr, mu.data()), Error);
}

TEST(PupilFrames, ApproximateNoiseHasPoissonMomentsAndIsReproducible) {
  psf::PupilModel<double> model(small_model());
  PupilFrameRenderer<double> r(model, kW, kH);
  const int frames = 8, n = frames * kW * kH;
  std::vector<double> mu(n, 50.0), y(n), y2(n);
  r.approximate_noise(frames, mu.data(), 0.0, 42, y.data());
  r.approximate_noise(frames, mu.data(), 0.0, 42, y2.data());
  EXPECT_EQ(y, y2);
  double m = 0, v = 0;
  for (double x : y) m += x - 50.0;
  m /= n;
  for (double x : y) v += (x - 50.0 - m) * (x - 50.0 - m);
  v /= n - 1;
  EXPECT_NEAR(m, 0.0, 5 * std::sqrt(50.0 / n));
  EXPECT_NEAR(v, 50.0, 50.0 * 5 * std::sqrt(2.0 / n));
  // Read noise adds its variance.
  r.approximate_noise(frames, mu.data(), 3.0, 43, y.data());
  v = 0;
  for (double x : y) v += (x - 50.0) * (x - 50.0);
  EXPECT_NEAR(v / n, 59.0, 59.0 * 5 * std::sqrt(2.0 / n));
  r.approximate_noise(frames, mu.data(), 0.0, 44, y2.data());
  EXPECT_NE(y, y2);
}

TEST(PupilFrames, NoisyFrameGradientsMatchFiniteDifferencesWithEpsilonFixed) {
  psf::PupilModelSettings ms = small_model();
  ms.optics.n_sample = 1.33;
  ms.focal_plane_nm = 800;
  psf::PupilModel<double> model(ms);
  PupilFrameRenderer<double> r(model, kW, kH);
  const int frames = 2, n = frames * kW * kH;
  const uint64_t seed = 9;
  std::mt19937 rng(17);
  std::vector<double> phi = model.initial_phase();
  const std::vector<double> support = model.pupil_support();
  std::normal_distribution<double> normal(0.0, 0.2);
  for (size_t i = 0; i < phi.size(); ++i)
    if (support[i] != 0) phi[i] += normal(rng);
  const std::vector<PupilFrameEmitter> em = {{1, 20.3, 11.6, 300.0, 2000.0, 0.0},
                                             {0, 10.2, 15.0, 1200.0, 1000.0, 0.7},
                                             {0, 13.9, 16.5, 900.0, 3000.0, 0.0},
                                             {1, 2.2, 29.4, 500.0, 1500.0, 0.0}};
  std::vector<double> w(n);
  std::uniform_real_distribution<double> uw(-1.0, 1.0);
  for (double& x : w) x = uw(rng);
  // L = Σ w·y, y = μ + √μ·ε (+ read noise), μ = frames from φ.
  auto loss = [&](const std::vector<double>& p, const std::vector<PupilFrameEmitter>& e) {
    std::vector<double> mu(n), y(n);
    r.expected(p.data(), e, frames, 2.0, nullptr, mu.data());
    r.approximate_noise(frames, mu.data(), 1.5, seed, y.data());
    double l = 0;
    for (int i = 0; i < n; ++i) l += w[i] * y[i];
    return l;
  };
  std::vector<double> mu(n), d_mu(n), d_phi(phi.size());
  r.expected(phi.data(), em, frames, 2.0, nullptr, mu.data());
  r.approximate_noise_backward(frames, mu.data(), seed, w.data(), d_mu.data());
  std::vector<psf::PupilEmitterGrad> d_em;
  r.expected_backward(phi.data(), em, frames, d_mu.data(), d_phi.data(), &d_em);
  double scale = 0;
  for (double g : d_phi) scale = std::max(scale, std::fabs(g));
  ASSERT_GT(scale, 0);
  std::vector<int> inside;
  for (size_t i = 0; i < support.size(); ++i)
    if (support[i] != 0) inside.push_back(int(i));
  std::uniform_int_distribution<size_t> pick(0, inside.size() - 1);
  std::vector<int> picks;
  for (int k = 0; k < 6; ++k) picks.push_back(inside[pick(rng)]);
  picks.push_back(int(std::max_element(d_phi.begin(), d_phi.end()) - d_phi.begin()));
  const double hp = 1e-5;
  for (int i : picks) {
    std::vector<double> p = phi, m = phi;
    p[i] += hp;
    m[i] -= hp;
    const double fd = (loss(p, em) - loss(m, em)) / (2 * hp);
    EXPECT_NEAR(d_phi[i], fd, 1e-4 * std::max(std::fabs(fd), 0.05 * scale)) << "sample " << i;
  }
  // The emitters' gradients come back in the caller's order.
  for (size_t e = 0; e < em.size(); ++e) {
    auto fd = [&](auto member, double step) {
      std::vector<PupilFrameEmitter> p = em, m = em;
      p[e].*member += step;
      m[e].*member -= step;
      return (loss(phi, p) - loss(phi, m)) / (2 * step);
    };
    const double fz = fd(&PupilFrameEmitter::z_nm, 0.05);
    const double fx = fd(&PupilFrameEmitter::x, 1e-4);
    const double fn = fd(&PupilFrameEmitter::photons, 1.0);
    EXPECT_NEAR(d_em[e].z_nm, fz, 1e-4 * std::fabs(fz) + 1e-9) << e;
    EXPECT_NEAR(d_em[e].x, fx, 1e-4 * std::fabs(fx) + 1e-9) << e;
    EXPECT_NEAR(d_em[e].photons, fn, 1e-4 * std::fabs(fn) + 1e-9) << e;
  }
}

TEST(PupilFrames, CameraPathIsTheSimulatorsCameraChain) {
  psf::PupilModel<double> model(small_model());
  PupilFrameRenderer<double> r(model, kW, kH);
  const int frames = 2, n = frames * kW * kH;
  std::vector<double> mu(n);
  for (int i = 0; i < n; ++i) mu[i] = 0.5 * (i % 97);
  CameraModel cam;
  cam.em_gain = 100;
  cam.read_noise_e = 2;
  cam.photons_per_adu = 5;
  cam.qe = 0.9;
  const CameraNoise noise = CameraNoise::from(cam);
  std::vector<float> adu(n);
  r.camera(frames, mu.data(), noise, 77, adu.data(), 5);
  for (int i = 0; i < n; i += 13) {
    const int f = i / (kW * kH), p = i % (kW * kH);
    kernels::Rng rng(77, pixel_stream(5 + f, kW * kH, p));
    ASSERT_EQ(adu[i], noise.adu(mu[i], rng, p % kW, p / kW)) << i;
  }
}

TEST(PupilFrames, CudaAgreesWithTheCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  const auto gpu = kernels::Device::cuda(0);
  psf::PupilModel<double> cm(small_model()), gm(small_model(), gpu);
  PupilFrameRenderer<double> c(cm, kW, kH), g(gm, kW, kH);
  const int frames = 2, n = frames * kW * kH;
  const std::vector<double> phi = cm.initial_phase();
  const std::vector<PupilFrameEmitter> em = {{1, 20.3, 11.6, 300.0, 2000.0, 0.0},
                                             {0, 10.2, 15.0, -500.0, 1000.0, 0.7},
                                             {0, 13.9, 16.5, 900.0, 3000.0, 0.0}};
  std::vector<double> mu(n), y(n), d_mu(n), d_phi(phi.size()), w(n);
  for (int i = 0; i < n; ++i) w[i] = std::sin(0.1 * i);
  c.expected(phi.data(), em, frames, 3.0, nullptr, mu.data());
  c.approximate_noise(frames, mu.data(), 1.0, 5, y.data());
  c.approximate_noise_backward(frames, mu.data(), 5, w.data(), d_mu.data());
  c.expected_backward(phi.data(), em, frames, d_mu.data(), d_phi.data());
  std::vector<float> adu(n);
  const CameraNoise noise = CameraNoise::from(CameraModel{});
  c.camera(frames, mu.data(), noise, 6, adu.data());

  kernels::DeviceArray<double> phi_g(gpu, phi), mu_g(gpu, n), y_g(gpu, n), d_mu_g(gpu, n),
      w_g(gpu, w), d_phi_g(gpu, phi.size());
  kernels::DeviceArray<float> adu_g(gpu, n);
  g.expected(phi_g.data(), em, frames, 3.0, nullptr, mu_g.data());
  g.approximate_noise(frames, mu_g.data(), 1.0, 5, y_g.data());
  g.approximate_noise_backward(frames, mu_g.data(), 5, w_g.data(), d_mu_g.data());
  g.expected_backward(phi_g.data(), em, frames, d_mu_g.data(), d_phi_g.data());
  g.camera(frames, mu_g.data(), noise, 6, adu_g.data());
  const auto close = [](const std::vector<double>& a, const std::vector<double>& b, double tol) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
    return std::sqrt(num / std::max(den, 1e-300)) < tol;
  };
  EXPECT_TRUE(close(mu_g.to_host(), mu, 1e-12));
  EXPECT_TRUE(close(y_g.to_host(), y, 1e-12));
  EXPECT_TRUE(close(d_mu_g.to_host(), d_mu, 1e-12));
  EXPECT_TRUE(close(d_phi_g.to_host(), d_phi, 1e-10));
  // Same streams: the counts agree but for rare libm last-bit differences at a Poisson boundary.
  const std::vector<float> ag = adu_g.to_host();
  int differ = 0;
  for (int i = 0; i < n; ++i) differ += ag[i] != adu[i];
  EXPECT_LE(differ, n / 1000);
}

}  // namespace
}  // namespace smlm::simulation
