// DECODE's loss: its gradient against central differences (2D and 3D heads, with empty samples),
// its value against a direct evaluation of the definition, the minimum where it should be, and
// the same numbers from the GPU (skipped without one).
#include "nn/losses/pixel_gmm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/device.h"
#include "kernels/nn/pixel_gmm_math.h"

namespace smlm::nn {
namespace {

struct Case {
  int64_t n = 3, h = 5, w = 6, m = 4;
  int dims = 3;
  std::vector<float> out, targets, counts, bg;
};

Case make_case(int dims, unsigned seed) {
  Case c;
  c.dims = dims;
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1.5f, 1.5f), unit(0.f, 1.f);
  c.out.resize(c.n * (2 + 2 * dims) * c.h * c.w);
  for (float& v : c.out) v = u(g);
  c.targets.assign(c.n * c.m * dims, 0.f);
  c.counts = {3, 0, 1};  // an empty sample too
  for (int64_t b = 0; b < c.n; ++b)
    for (int64_t j = 0; j < c.counts[b]; ++j) {
      float* t = &c.targets[(b * c.m + j) * dims];
      t[0] = unit(g);
      t[1] = unit(g) * (c.w - 1);
      t[2] = unit(g) * (c.h - 1);
      if (dims == 4) t[3] = 2 * unit(g) - 1;
    }
  c.bg.resize(c.n * c.h * c.w);
  for (float& v : c.bg) v = unit(g);
  return c;
}

PixelGmmResult run(const Case& c, const std::vector<float>& out, bool grad,
                   const kernels::Device& d = kernels::Device::cpu()) {
  const Tensor o = Tensor::from_host({c.n, 2 + 2 * c.dims, c.h, c.w}, out, d);
  const Tensor t = Tensor::from_host({c.n, c.m, c.dims, 1}, c.targets, d);
  const Tensor k = Tensor::from_host({c.n, 1, 1, 1}, c.counts, d);
  const Tensor bg = Tensor::from_host({c.n, 1, c.h, c.w}, c.bg, d);
  return pixel_gmm_loss(o, t, k, bg, 0.7, grad);
}

// The definition, written out directly on the host in double.
double reference_loss(const Case& c) {
  const int C = 2 + 2 * c.dims;
  const int64_t plane = c.h * c.w;
  double total = 0;
  for (int64_t b = 0; b < c.n; ++b) {
    const float* o = c.out.data() + b * C * plane;
    double P = 0, V = kernels::nn::kGmmVarEps, B = 0;
    std::vector<kernels::nn::GmmPixel> px(plane);
    for (int64_t k = 0; k < plane; ++k) {
      px[k] = kernels::nn::gmm_pixel(o + k, plane, c.dims, k / c.w, k % c.w);
      P += px[k].p;
      V += px[k].p * (1 - px[k].p);
      const double d = px[k].bg - c.bg[b * plane + k];
      B += d * d;
    }
    const double E = c.counts[b];
    double loss = E * (0.5 * std::log(2 * M_PI * V) + (E - P) * (E - P) / (2 * V)) + 0.7 * B;
    for (int j = 0; j < E; ++j) {
      const float* t = &c.targets[(b * c.m + j) * c.dims];
      double z = 0;
      for (int64_t k = 0; k < plane; ++k) {
        double dens = px[k].p / P;
        for (int d = 0; d < c.dims; ++d) {
          const double s = px[k].sigma[d], e = (t[d] - px[k].mu[d]) / s;
          dens *= std::exp(-0.5 * e * e) / (s * std::sqrt(2 * M_PI));
        }
        z += dens;
      }
      loss -= std::log(z);
    }
    total += loss;
  }
  return total / c.n;
}

class PixelGmmLoss : public ::testing::TestWithParam<int> {};

TEST_P(PixelGmmLoss, ValueIsTheDefinition) {
  const Case c = make_case(GetParam(), 11);
  const PixelGmmResult r = run(c, c.out, false);
  EXPECT_NEAR(r.parts.value, reference_loss(c), 1e-9 * std::fabs(reference_loss(c)) + 1e-9);
  EXPECT_FALSE(r.grad.defined());
}

TEST_P(PixelGmmLoss, GradientMatchesCentralDifferences) {
  const Case c = make_case(GetParam(), 12);
  const std::vector<float> g = run(c, c.out, true).grad.host();
  double err2 = 0, ref2 = 0;
  const float eps = 1e-2f;
  for (size_t i = 0; i < c.out.size(); ++i) {
    std::vector<float> up = c.out, down = c.out;
    up[i] += eps;
    down[i] -= eps;
    const double fd = (run(c, up, false).parts.value - run(c, down, false).parts.value) /
                      (double(up[i]) - double(down[i]));
    err2 += (fd - g[i]) * (fd - g[i]);
    ref2 += fd * fd;
  }
  // Every output channel of every pixel, central differences of step 0.01 in float inputs.
  EXPECT_LT(std::sqrt(err2 / ref2), 2e-3);
}

INSTANTIATE_TEST_SUITE_P(Dims, PixelGmmLoss, ::testing::Values(3, 4),
                         [](const auto& info) { return info.param == 3 ? "2D" : "3D"; });

// One emitter in a 5×5 frame: the loss is lower when the head puts its probability on the
// emitter's pixel and its mean on the emitter than when it points one pixel away.
TEST(PixelGmmLossMinimum, PrefersTheTruth) {
  Case c;
  c.n = 1, c.h = 5, c.w = 5, c.m = 1, c.dims = 3;
  c.counts = {1};
  c.targets = {0.5f, 2.2f, 1.9f};  // photons/scale, x, y
  c.bg.assign(25, 0.2f);
  auto head = [&](int px, int py) {
    std::vector<float> o(8 * 25, 0.f);
    for (int k = 0; k < 25; ++k) {
      o[k] = (k == py * 5 + px) ? 6.f : -6.f;                // p
      o[5 * 25 + k] = o[6 * 25 + k] = o[7 * 25 + k] = -3.f;  // small σ
      o[7 * 25 + k] = std::log(0.2f / 0.8f);                 // bg = 0.2
    }
    o[5 * 25 + py * 5 + px] = -3.f;
    return o;
  };
  std::vector<float> good = head(2, 2), bad = head(3, 2);
  // μ: photons 0.5 (logit 0), offsets toward the emitter where p is.
  good[2 * 25 + 12] = std::atanh(0.2f), good[3 * 25 + 12] = std::atanh(-0.1f);
  const double l_good = run(c, good, false).parts.value, l_bad = run(c, bad, false).parts.value;
  EXPECT_LT(l_good, l_bad - 5);
  // The background term vanishes when bg matches its target.
  EXPECT_NEAR(run(c, good, false).parts.background, 0, 1e-9);
}

TEST(PixelGmmLossDevice, GpuAgreesWithCpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  for (int dims : {3, 4}) {
    const Case c = make_case(dims, 21);
    const PixelGmmResult cpu = run(c, c.out, true);
    const PixelGmmResult gpu = run(c, c.out, true, kernels::Device::cuda(0));
    EXPECT_NEAR(gpu.parts.value, cpu.parts.value, 1e-9 * std::fabs(cpu.parts.value));
    const auto a = cpu.grad.host(), b = gpu.grad.host();
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f + 1e-5f * std::fabs(a[i]));
  }
}

TEST(PixelGmmLossChecks, RefusesBadShapes) {
  const Case c = make_case(3, 1);
  const Tensor o = Tensor::from_host({c.n, 8, c.h, c.w}, c.out);
  const Tensor t = Tensor::from_host({c.n, c.m, 3, 1}, c.targets);
  const Tensor too_many = Tensor::from_host({c.n, 1, 1, 1}, std::vector<float>{5, 0, 1});
  EXPECT_THROW(pixel_gmm_loss(o, t, too_many, Tensor(), 1, false), Error);
  const Tensor wrong_dims = Tensor::from_host({c.n, c.m, 4, 1}, std::vector<float>(c.n * c.m * 4));
  const Tensor k = Tensor::from_host({c.n, 1, 1, 1}, c.counts);
  EXPECT_THROW(pixel_gmm_loss(o, wrong_dims, k, Tensor(), 1, false), Error);
}

}  // namespace
}  // namespace smlm::nn
