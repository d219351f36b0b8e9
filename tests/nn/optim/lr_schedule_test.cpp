// Learning-rate schedules: StepLR, and ReduceLROnPlateau with patience and a floor.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "nn/optim/adam.h"
#include "nn/optim/lr_schedule.h"
#include "nn/optim/sgd.h"
#include "tests/nn/optim/bowl.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

TEST(LrSchedules, StepLR) {
  Bowl b;
  Sgd sgd(b.params(), SgdOptions{1.f, 0.f, 0.f});
  StepLR s(sgd, 3, 0.5f);
  for (int e = 0; e < 7; ++e) s.step();
  EXPECT_FLOAT_EQ(sgd.lr(), 0.25f);
}

TEST(LrSchedules, ReduceOnPlateau) {
  Bowl b;
  Adam adam(b.params());
  ReduceLROnPlateauOptions o;
  o.factor = 0.1f, o.patience = 2, o.min_lr = 5e-5f;
  ReduceLROnPlateau s(adam, o);
  EXPECT_FALSE(s.step(1.0));
  EXPECT_FALSE(s.step(0.5));  // improving
  EXPECT_FALSE(s.step(0.6));
  EXPECT_FALSE(s.step(0.5));  // two bad epochs: at the patience
  EXPECT_TRUE(s.step(0.7));   // third: reduce
  EXPECT_FLOAT_EQ(adam.lr(), 1e-4f);
  for (int e = 0; e < 3; ++e) s.step(0.9);
  EXPECT_FLOAT_EQ(adam.lr(), 5e-5f) << "never below min_lr";
  for (int e = 0; e < 3; ++e) EXPECT_FALSE(s.step(0.9)) << "already at min_lr";
  EXPECT_DOUBLE_EQ(s.best(), 0.5);
}

}  // namespace
}  // namespace smlm::test
