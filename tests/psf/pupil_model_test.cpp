// Tests of the differentiable pupil model (DeepSTORM3D's physical layer): agreement with PupilPsf
// for the engineered masks, exact shifts, photon conservation for any mask, the gradients against
// central finite differences (mask, x, y, z, photons), the index-mismatch defocus, and the CUDA
// path against the CPU's (skipped without a GPU).
#include "psf/pupil_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/device_array.h"
#include "psf/pupil.h"

namespace smlm::psf {
namespace {

// A small grid (n = 90, ~1300 pupil samples) that keeps every test fast.
PupilSettings small_optics() {
  PupilSettings s;
  s.pupil_samples = 20;
  s.window_px = 15;
  return s;
}

// φ of the settings' mask evaluated with psf::mask_phase at the model's pupil samples (centred
// layout), independently of the model's own initial_phase().
std::vector<double> mask_on_grid(const PupilSettings& s, const PupilModel<double>& m) {
  const int n = m.fft_size();
  const double df = 1.0 / (n * s.pixel_size_nm), f_na = s.na / s.wavelength_nm;
  const std::vector<double> support = m.pupil_support();
  std::vector<double> phi(support.size(), 0.0);
  for (int b = 0; b < n; ++b)
    for (int a = 0; a < n; ++a) {
      if (support[b * n + a] == 0) continue;
      const double fx = (a - n / 2) * df, fy = (b - n / 2) * df;
      phi[b * n + a] = mask_phase(s, std::hypot(fx, fy) / f_na, std::atan2(fy, fx));
    }
  return phi;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

TEST(PupilModel, MatchesPupilPsfForTheTetrapodAndTheDoubleHelix) {
  for (PhaseMask mask : {PhaseMask::kTetrapod, PhaseMask::kDoubleHelix}) {
    PupilSettings s = small_optics();
    s.mask = mask;
    s.window_px = 21;
    const PupilPsf psf(s);
    PupilModelSettings ms;
    ms.optics = s;
    ms.optics.mask = PhaseMask::kNone;  // the mask comes in as φ only
    PupilModel<double> model(ms);
    ASSERT_EQ(model.fft_size(), psf.fft_size());
    ASSERT_EQ(model.output_size(), psf.output_size());
    const std::vector<double> phi = mask_on_grid(s, model);
    const int side = model.output_size(), h = side / 2;
    for (double z : {-900.0, -250.0, 0.0, 700.0}) {
      const ImageF ref = psf.render(z);
      std::vector<double> out(side * side);
      model.forward(phi.data(), {{double(h), double(h), z, 1.0, 0.0}}, out.data());
      double peak = 0, worst = 0, sum_ref = 0, sum = 0;
      for (int i = 0; i < side * side; ++i) {
        peak = std::max(peak, static_cast<double>(ref.vec()[i]));
        worst = std::max(worst, std::fabs(out[i] - ref.vec()[i]));
        sum_ref += ref.vec()[i];
        sum += out[i];
      }
      // PupilPsf stores float: its own rounding (~6e-8 of a value) is the floor.
      EXPECT_LT(worst, 1e-6 * peak) << "mask " << int(mask) << " z " << z;
      EXPECT_NEAR(sum, sum_ref, 1e-6 * sum_ref) << "mask " << int(mask) << " z " << z;
      // N photons scale the image linearly.
      std::vector<double> bright(side * side);
      model.forward(phi.data(), {{double(h), double(h), z, 2500.0, 0.0}}, bright.data());
      for (int i = 0; i < side * side; ++i) ASSERT_NEAR(bright[i], 2500.0 * out[i], 1e-9 * 2500);
    }
    // The model's own initial phase is the same mask (the grid code PupilPsf shares).
    PupilModelSettings with_mask = ms;
    with_mask.optics.mask = mask;
    const std::vector<double> init = PupilModel<double>(with_mask).initial_phase();
    for (size_t i = 0; i < phi.size(); ++i) ASSERT_NEAR(init[i], phi[i], 1e-12);
  }
}

TEST(PupilModel, AnIntegerShiftMovesTheImageByWholePixels) {
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.optics.mask = PhaseMask::kTetrapod;
  PupilModel<double> model(ms);
  const std::vector<double> phi = model.initial_phase();
  const int side = model.output_size(), h = side / 2;
  std::vector<double> centre(side * side), moved(side * side);
  model.forward(phi.data(), {{h + 0.3, h - 0.2, 400.0, 100.0, 0.0}}, centre.data());
  model.forward(phi.data(), {{h + 2.3, h - 1.2, 400.0, 100.0, 0.0}}, moved.data());
  // Shifted by (+2, −1) px: moved(a + 2, b − 1) = centre(a, b).
  for (int b = 1; b < side; ++b)
    for (int a = 0; a + 2 < side; ++a)
      ASSERT_NEAR(moved[(b - 1) * side + a + 2], centre[b * side + a], 1e-10) << a << "," << b;
}

TEST(PupilModel, ConservesPhotonsOverTheWholePlaneForAnyMask) {
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.max_batch = 3;
  PupilModel<double> model(ms);
  PupilModel<float> model_f(ms);
  const int n = model.fft_size();
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-M_PI, M_PI);
  std::vector<PupilEmitter> em = {{40.2, 47.9, -1200.0, 1000.0, 0.0},
                                  {45.0, 45.0, 0.0, 1.0, 1.3},
                                  {51.7, 38.4, 800.0, 5000.0, 0.6},
                                  {44.5, 46.5, 2500.0, 250.0, 0.0}};
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<double> phi(size_t(n) * n);
    for (double& p : phi) p = trial == 0 ? 0.0 : 3 * u(rng);
    std::vector<double> out(em.size() * n * n);
    model.forward(phi.data(), em, out.data(), n);
    std::vector<float> phi_f(phi.begin(), phi.end()), out_f(out.size());
    model_f.forward(phi_f.data(), em, out_f.data(), n);
    for (size_t e = 0; e < em.size(); ++e) {
      double sum = 0, sum_f = 0;
      for (int i = 0; i < n * n; ++i) sum += out[e * n * n + i], sum_f += out_f[e * n * n + i];
      EXPECT_NEAR(sum, em[e].photons, 1e-9 * em[e].photons) << "trial " << trial << " e " << e;
      EXPECT_NEAR(sum_f, em[e].photons, 1e-5 * em[e].photons) << "trial " << trial << " e " << e;
    }
  }
}

// L = Σ w·images for fixed random weights.
struct Loss {
  PupilModel<double>& model;
  std::vector<double> w;
  double operator()(const std::vector<double>& phi, const std::vector<PupilEmitter>& em) const {
    std::vector<double> out(w.size());
    model.forward(phi.data(), em, out.data());
    double l = 0;
    for (size_t i = 0; i < w.size(); ++i) l += w[i] * out[i];
    return l;
  }
};

TEST(PupilModel, GradientsMatchCentralFiniteDifferences) {
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.optics.mask = PhaseMask::kTetrapod;
  ms.optics.n_sample = 1.33;  // with the index mismatch and a focal plane
  ms.focal_plane_nm = 900;
  ms.max_batch = 2;  // three emitters: a full pair of batches, then an odd one alone
  PupilModel<double> model(ms);
  const int n = model.fft_size(), side = model.output_size(), h = side / 2;
  std::mt19937 rng(11);
  std::vector<double> phi = model.initial_phase();
  const std::vector<double> support = model.pupil_support();
  std::normal_distribution<double> normal(0.0, 0.3);
  for (size_t i = 0; i < phi.size(); ++i)
    if (support[i] != 0) phi[i] += normal(rng);
  const std::vector<PupilEmitter> em = {{h + 0.31, h - 0.27, 600.0, 1500.0, 0.0},
                                        {h - 0.45, h + 0.12, 1400.0, 800.0, 0.9},
                                        {h + 0.05, h + 0.4, 250.0, 2000.0, 0.5}};
  Loss loss{model, std::vector<double>(em.size() * side * side)};
  std::uniform_real_distribution<double> uw(-1.0, 1.0);
  for (double& w : loss.w) w = uw(rng);

  std::vector<double> d_phi(phi.size(), 7.0);  // overwritten, 0 outside the pupil
  std::vector<PupilEmitterGrad> d_em;
  model.backward(phi.data(), em, loss.w.data(), d_phi.data(), &d_em);
  const double scale = max_abs(d_phi);
  ASSERT_GT(scale, 0);
  for (size_t i = 0; i < phi.size(); ++i) {
    if (support[i] == 0) {
      ASSERT_EQ(d_phi[i], 0.0);
    }
  }

  // Mask: the samples with the largest gradients and random ones.
  std::vector<int> inside;
  for (int i = 0; i < n * n; ++i)
    if (support[i] != 0) inside.push_back(i);
  std::vector<int> picks;
  std::uniform_int_distribution<size_t> pick(0, inside.size() - 1);
  for (int k = 0; k < 8; ++k) picks.push_back(inside[pick(rng)]);
  picks.push_back(int(std::max_element(d_phi.begin(), d_phi.end()) - d_phi.begin()));
  picks.push_back(int(std::min_element(d_phi.begin(), d_phi.end()) - d_phi.begin()));
  const double hp = 1e-5;
  for (int i : picks) {
    std::vector<double> p = phi, m = phi;
    p[i] += hp;
    m[i] -= hp;
    const double fd = (loss(p, em) - loss(m, em)) / (2 * hp);
    EXPECT_NEAR(d_phi[i], fd, 1e-4 * std::max(std::fabs(fd), 0.05 * scale)) << "sample " << i;
  }
  // Emitters: x, y [px], z [nm], photons.
  for (size_t e = 0; e < em.size(); ++e) {
    auto fd = [&](auto member, double step) {
      std::vector<PupilEmitter> p = em, m = em;
      p[e].*member += step;
      m[e].*member -= step;
      return (loss(phi, p) - loss(phi, m)) / (2 * step);
    };
    const double fx = fd(&PupilEmitter::x, 1e-4), fy = fd(&PupilEmitter::y, 1e-4);
    const double fz = fd(&PupilEmitter::z_nm, 0.05), fn = fd(&PupilEmitter::photons, 1.0);
    EXPECT_NEAR(d_em[e].x, fx, 1e-4 * std::fabs(fx)) << e;
    EXPECT_NEAR(d_em[e].y, fy, 1e-4 * std::fabs(fy)) << e;
    EXPECT_NEAR(d_em[e].z_nm, fz, 1e-4 * std::fabs(fz)) << e;
    EXPECT_NEAR(d_em[e].photons, fn, 1e-6 * std::fabs(fn)) << e;
  }
  // Accumulation adds; a second call with accumulate doubles the gradient.
  std::vector<double> twice = d_phi;
  model.backward(phi.data(), em, loss.w.data(), twice.data(), nullptr, 0, true);
  for (size_t i = 0; i < phi.size(); ++i) ASSERT_NEAR(twice[i], 2 * d_phi[i], 1e-12 * scale);
}

TEST(PupilModel, WithMatchedIndicesTheFocalPlaneOnlyShiftsZ) {
  PupilModelSettings plain;
  plain.optics = small_optics();
  plain.optics.mask = PhaseMask::kDoubleHelix;
  PupilModelSettings nfp = plain;
  nfp.focal_plane_nm = 1500;
  PupilModel<double> a(plain), b(nfp);
  const PupilPsf psf(plain.optics);
  const std::vector<double> phi = a.initial_phase();
  const int side = a.output_size(), h = side / 2;
  for (double depth : {700.0, 1500.0, 2600.0}) {
    std::vector<double> ra(side * side), rb(side * side);
    a.forward(phi.data(), {{double(h), double(h), depth - 1500, 1.0, 0.0}}, ra.data());
    b.forward(phi.data(), {{double(h), double(h), depth, 1.0, 0.0}}, rb.data());
    const ImageF ref = psf.render(depth - 1500);
    double peak = 0;
    for (double v : ra) peak = std::max(peak, v);
    for (int i = 0; i < side * side; ++i) {
      ASSERT_NEAR(rb[i], ra[i], 1e-9 * peak) << depth;
      ASSERT_NEAR(rb[i], ref.vec()[i], 1e-6 * peak) << depth;
    }
  }
}

TEST(PupilModel, IndexMismatchMovesTheFocusTowardsTheCoverslip) {
  // Water sample, oil objective focused 3 µm past the coverslip: the emitter in best focus (the
  // brightest central pixel) sits shallower than 3 µm, by a factor between the paraxial
  // n_s/n_i = 0.88 and the high-angle ~0.7, and with no mismatch at 3 µm.
  for (double n_sample : {1.518, 1.33}) {
    PupilModelSettings ms;
    ms.optics = small_optics();
    ms.optics.n_sample = n_sample;
    ms.optics.na = 1.2;
    ms.focal_plane_nm = 3000;
    PupilModel<double> model(ms);
    const std::vector<double> phi = model.initial_phase();
    const int side = model.output_size(), h = side / 2;
    double best_z = 0, best = 0;
    for (double z = 1500; z <= 3500; z += 10) {
      std::vector<double> out(side * side);
      model.forward(phi.data(), {{double(h), double(h), z, 1.0, 0.0}}, out.data());
      if (out[h * side + h] > best) best = out[h * side + h], best_z = z;
    }
    std::printf("n_sample %.3f, NFP 3000 nm: best focus at %.0f nm\n", n_sample, best_z);
    if (n_sample == 1.518) {
      EXPECT_NEAR(best_z, 3000, 10);
    } else {
      EXPECT_GT(best_z, 0.7 * 3000);
      EXPECT_LT(best_z, 0.88 * 3000);
    }
  }
}

TEST(PupilModel, RejectsImpossibleSettingsAndArguments) {
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.optics.oversampling = 2;
  EXPECT_THROW(PupilModel<double>{ms}, Error);
  ms.optics.oversampling = 1;
  ms.max_batch = 0;
  EXPECT_THROW(PupilModel<double>{ms}, Error);
  ms.max_batch = 4;
  PupilModel<double> model(ms);
  const std::vector<double> phi = model.initial_phase();
  std::vector<double> out(model.fft_size() * model.fft_size() * 2);
  EXPECT_THROW(model.forward(phi.data(), {{0, 0, 0, 1, -1.0}}, out.data()), Error);
  EXPECT_THROW(model.forward(phi.data(), {{0, 0, NAN, 1, 0}}, out.data()), Error);
  EXPECT_THROW(model.forward(phi.data(), {{0, 0, 0, 1, 0}}, out.data(), model.fft_size() + 1),
               Error);
  // No emitters: the gradient is zero.
  std::vector<double> d(phi.size(), 3.0);
  model.backward(phi.data(), {}, nullptr, d.data());
  EXPECT_EQ(max_abs(d), 0.0);
  EXPECT_THROW(PupilModel<double>(ms, kernels::Device::cuda(kernels::cuda_device_count())), Error);
}

// Relative L2 distance.
template <class A, class B>
double rel_l2(const std::vector<A>& a, const std::vector<B>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = double(a[i]) - double(b[i]);
    num += d * d;
    den += double(b[i]) * double(b[i]);
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

template <class Real>
void cuda_against_cpu(double tol) {
  const auto gpu = kernels::Device::cuda(0);
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.optics.mask = PhaseMask::kTetrapod;
  ms.optics.n_sample = 1.33;
  ms.focal_plane_nm = 1000;
  ms.max_batch = 4;
  PupilModel<double> cpu(ms);
  PupilModel<Real> dev(ms, gpu);
  const int n = cpu.fft_size(), side = cpu.output_size(), h = side / 2;
  const std::vector<double> phi = cpu.initial_phase();
  std::vector<PupilEmitter> em;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  for (int i = 0; i < 7; ++i)
    em.push_back({h + u(rng), h + u(rng), 1000 + 2000 * u(rng), 1000.0 + 500 * i, i % 3 * 0.5});
  std::vector<double> out(em.size() * side * side), w(out.size()), d_phi(n * n);
  for (double& x : w) x = u(rng);
  cpu.forward(phi.data(), em, out.data());
  std::vector<PupilEmitterGrad> d_em;
  cpu.backward(phi.data(), em, w.data(), d_phi.data(), &d_em);

  kernels::DeviceArray<Real> phi_g(gpu, std::vector<Real>(phi.begin(), phi.end()));
  kernels::DeviceArray<Real> out_g(gpu, out.size()), d_phi_g(gpu, d_phi.size());
  kernels::DeviceArray<Real> w_g(gpu, std::vector<Real>(w.begin(), w.end()));
  dev.forward(phi_g.data(), em, out_g.data());
  std::vector<PupilEmitterGrad> d_em_g;
  dev.backward(phi_g.data(), em, w_g.data(), d_phi_g.data(), &d_em_g);
  EXPECT_LT(rel_l2(out_g.to_host(), out), tol);
  EXPECT_LT(rel_l2(d_phi_g.to_host(), d_phi), tol);
  for (size_t e = 0; e < em.size(); ++e) {
    EXPECT_NEAR(d_em_g[e].x, d_em[e].x, tol * 10 * std::fabs(d_em[e].x) + 1e-9) << e;
    EXPECT_NEAR(d_em_g[e].z_nm, d_em[e].z_nm, tol * 10 * std::fabs(d_em[e].z_nm) + 1e-9) << e;
    EXPECT_NEAR(d_em_g[e].photons, d_em[e].photons, tol * 10 * std::fabs(d_em[e].photons) + 1e-9)
        << e;
  }
}

TEST(PupilModel, FloatAgreesWithDouble) {
  PupilModelSettings ms;
  ms.optics = small_optics();
  ms.optics.mask = PhaseMask::kDoubleHelix;
  ms.max_batch = 4;
  PupilModel<double> md(ms);
  PupilModel<float> mf(ms);
  const int n = md.fft_size(), side = md.output_size(), h = side / 2;
  const std::vector<double> phi = md.initial_phase();
  const std::vector<float> phi_f(phi.begin(), phi.end());
  std::vector<PupilEmitter> em;
  for (int i = 0; i < 5; ++i)
    em.push_back({h + 0.1 * i, h - 0.07 * i, -600.0 + 300 * i, 2000, 0.4 * (i % 2)});
  std::vector<double> out(em.size() * side * side), w(out.size()), d(n * n);
  std::vector<float> out_f(out.size()), w_f(out.size()), d_f(n * n);
  for (size_t i = 0; i < w.size(); ++i) w_f[i] = static_cast<float>(w[i] = std::cos(0.37 * i));
  md.forward(phi.data(), em, out.data());
  mf.forward(phi_f.data(), em, out_f.data());
  std::vector<PupilEmitterGrad> g, g_f;
  md.backward(phi.data(), em, w.data(), d.data(), &g);
  mf.backward(phi_f.data(), em, w_f.data(), d_f.data(), &g_f);
  EXPECT_LT(rel_l2(out_f, out), 1e-5);
  EXPECT_LT(rel_l2(d_f, d), 1e-4);
  for (size_t e = 0; e < em.size(); ++e) {
    EXPECT_NEAR(g_f[e].z_nm, g[e].z_nm, 1e-3 * std::fabs(g[e].z_nm)) << e;
    EXPECT_NEAR(g_f[e].photons, g[e].photons, 1e-4 * std::fabs(g[e].photons)) << e;
  }
}

TEST(PupilModel, CudaAgreesWithTheCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  cuda_against_cpu<double>(1e-12);
  cuda_against_cpu<float>(2e-5);
}

}  // namespace
}  // namespace smlm::psf
