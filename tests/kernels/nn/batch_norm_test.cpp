// Batch normalization on each device: training forward and backward against the reference
// loops, running statistics, inference forward and its backward pass.
#include "kernels/nn/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/kernels/nn/device_array.h"
#include "tests/kernels/nn/reference.h"

namespace smlm::test {
namespace {

using kernels::DeviceKind;
using kernels::nn::Shape;

class BatchNormTest : public testing::TestWithParam<DeviceKind> {};

TEST_P(BatchNormTest, TrainingMatchesReference) {
  SMLM_TEST_DEVICE(device, GetParam());
  const Shape s{3, 4, 5, 6};
  const float eps = 1e-5f, momentum = 0.1f;
  auto x = random_vector(s.numel(), 11, -2.f, 3.f);
  for (size_t i = 0; i < x.size(); ++i) x[i] += float((i / s.plane()) % s.c);  // channel offsets
  const auto gamma = random_vector(s.c, 12, 0.5f, 1.5f), beta = random_vector(s.c, 13);
  const auto dy = random_vector(s.numel(), 14);
  std::vector<float> rm0(s.c, 0.5f), rv0(s.c, 2.f);
  DeviceArray X(device, x), G(device, gamma), B(device, beta), DY(device, dy), Y(device, x.size());
  DeviceArray RM(device, rm0), RV(device, rv0), SM(device, s.c), SI(device, s.c);
  DeviceArray DX(device, x.size()), DG(device, s.c), DB(device, s.c);

  kernels::nn::batch_norm_forward_training(device, s, X.get(), G.get(), B.get(), eps, momentum,
                                           Y.get(), RM.get(), RV.get(), SM.get(), SI.get());
  std::vector<float> mean, var;
  EXPECT_LT(normalized_error(Y.host(),
                             reference::batch_norm_forward(s, x, gamma, beta, eps, &mean, &var)),
            1e-12);
  const double m = double(s.n * s.plane());
  const auto rm = RM.host(), rv = RV.host(), si = SI.host();
  for (int64_t c = 0; c < s.c; ++c) {
    EXPECT_NEAR(rm[c], 0.9 * 0.5 + 0.1 * mean[c], 1e-5);
    EXPECT_NEAR(rv[c], 0.9 * 2.0 + 0.1 * var[c] * m / (m - 1), 1e-5) << "unbiased running var";
    EXPECT_NEAR(si[c], 1.0 / std::sqrt(var[c] + eps), 1e-4);
  }

  kernels::nn::batch_norm_backward(device, s, X.get(), DY.get(), G.get(), SM.get(), SI.get(),
                                   DX.get(), DG.get(), DB.get());
  std::vector<float> dg, db;
  const auto dx = reference::batch_norm_backward(s, x, dy, gamma, eps, &dg, &db);
  EXPECT_LT(normalized_error(DX.host(), dx), 1e-10);
  EXPECT_LT(normalized_error(DG.host(), dg), 1e-12);
  EXPECT_LT(normalized_error(DB.host(), db), 1e-12);
}

TEST_P(BatchNormTest, Inference) {
  SMLM_TEST_DEVICE(device, GetParam());
  const Shape s{2, 3, 4, 4};
  const float eps = 1e-3f;
  const auto x = random_vector(s.numel(), 21), dy = random_vector(s.numel(), 22);
  const std::vector<float> gamma{1.f, 2.f, 0.5f}, beta{0.f, -1.f, 3.f}, rm{0.1f, -0.2f, 0.3f},
      rv{1.f, 0.25f, 4.f};
  DeviceArray X(device, x), G(device, gamma), B(device, beta), RM(device, rm), RV(device, rv);
  DeviceArray Y(device, x.size()), DY(device, dy), DX(device, x.size()), DG(device, 3),
      DB(device, 3);
  kernels::nn::batch_norm_forward_inference(device, s, X.get(), G.get(), B.get(), RM.get(),
                                            RV.get(), eps, Y.get());
  kernels::nn::batch_norm_backward_inference(device, s, X.get(), DY.get(), G.get(), RM.get(),
                                             RV.get(), eps, DX.get(), DG.get(), DB.get());
  const auto y = Y.host(), dx = DX.host(), dg = DG.host(), db = DB.host();
  std::vector<double> dg_ref(3, 0.0), db_ref(3, 0.0);
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t c = (i / s.plane()) % s.c;
    const double is = 1.0 / std::sqrt(rv[c] + eps), xhat = (x[i] - rm[c]) * is;
    EXPECT_NEAR(y[i], gamma[c] * xhat + beta[c], 1e-5);
    EXPECT_NEAR(dx[i], dy[i] * gamma[c] * is, 1e-5);
    dg_ref[c] += dy[i] * xhat;
    db_ref[c] += dy[i];
  }
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(dg[c], dg_ref[c], 1e-4);
    EXPECT_NEAR(db[c], db_ref[c], 1e-4);
  }
}

// Planes longer than the CPU's reduction chunk (1024) and not a multiple of the SIMD width, with a
// channel mean far from 0: the chunked two-part gradient sums and the per-plane scalars.
TEST_P(BatchNormTest, LargeOddPlanesMatchReference) {
  SMLM_TEST_DEVICE(device, GetParam());
  const Shape s{2, 3, 37, 41};
  const float eps = 1e-5f, momentum = 0.1f;
  auto x = random_vector(s.numel(), 31, -1.f, 2.f);
  for (size_t i = 0; i < x.size(); ++i) x[i] += 10.f * float((i / s.plane()) % s.c);
  const auto gamma = random_vector(s.c, 32, 0.5f, 1.5f), beta = random_vector(s.c, 33);
  const auto dy = random_vector(s.numel(), 34);
  DeviceArray X(device, x), G(device, gamma), B(device, beta), DY(device, dy), Y(device, x.size());
  DeviceArray RM(device, s.c), RV(device, std::vector<float>(s.c, 1.f)), SM(device, s.c),
      SI(device, s.c), DX(device, x.size()), DG(device, s.c), DB(device, s.c);
  kernels::nn::batch_norm_forward_training(device, s, X.get(), G.get(), B.get(), eps, momentum,
                                           Y.get(), RM.get(), RV.get(), SM.get(), SI.get());
  std::vector<float> mean, var, dg, db;
  EXPECT_LT(normalized_error(Y.host(),
                             reference::batch_norm_forward(s, x, gamma, beta, eps, &mean, &var)),
            1e-12);
  kernels::nn::batch_norm_backward(device, s, X.get(), DY.get(), G.get(), SM.get(), SI.get(),
                                   DX.get(), DG.get(), DB.get());
  const auto dx = reference::batch_norm_backward(s, x, dy, gamma, eps, &dg, &db);
  EXPECT_LT(normalized_error(DX.host(), dx), 1e-10);
  EXPECT_LT(normalized_error(DG.host(), dg), 1e-12);
  EXPECT_LT(normalized_error(DB.host(), db), 1e-12);

  // Inference with the batch statistics as running ones: the same y, dγ and dβ; dx = dy·γσ̂.
  DeviceArray M(device, mean), V(device, var), Y2(device, x.size());
  kernels::nn::batch_norm_forward_inference(device, s, X.get(), G.get(), B.get(), M.get(), V.get(),
                                            eps, Y2.get());
  EXPECT_LT(normalized_error(Y2.host(), Y.host()), 1e-12);
  kernels::nn::batch_norm_backward_inference(device, s, X.get(), DY.get(), G.get(), M.get(),
                                             V.get(), eps, DX.get(), DG.get(), DB.get());
  EXPECT_LT(normalized_error(DG.host(), dg), 1e-12);
  EXPECT_LT(normalized_error(DB.host(), db), 1e-12);
  std::vector<float> dx_inf(x.size());
  for (int64_t i = 0; i < s.numel(); ++i) {
    const int64_t c = (i / s.plane()) % s.c;
    dx_inf[i] = float(dy[i] * gamma[c] / std::sqrt(double(var[c]) + eps));
  }
  EXPECT_LT(normalized_error(DX.host(), dx_inf), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Devices, BatchNormTest, testing::ValuesIn(test_device_kinds()),
                         device_kind_name);

}  // namespace
}  // namespace smlm::test
