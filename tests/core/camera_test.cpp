#include "core/camera.h"

#include <gtest/gtest.h>

#include <cmath>

namespace smlm {
namespace {

TEST(CameraModel, ThunderstormConversion) {
  CameraModel c;
  c.photons_per_adu = 45;
  c.baseline_adu = 100;
  c.em_gain = 300;
  c.qe = 0.9;
  // photons = p (I − b) / g / QE
  EXPECT_NEAR(c.electrons_to_photons(c.adu_to_electrons(400)), 45.0 * 300 / 300 / 0.9, 1e-12);
  EXPECT_EQ(c.excess_noise_factor(), 2.0);
  c.em_gain = 1;
  EXPECT_EQ(c.excess_noise_factor(), 1.0);
}

TEST(CameraModel, RejectsImpossibleValues) {
  CameraModel c;
  c.validate();
  c.qe = 1.5;
  EXPECT_THROW(c.validate(), Error);
  c.qe = 1;
  c.pixel_size_nm = std::nan("");
  EXPECT_THROW(c.validate(), Error);
  c.pixel_size_nm = 100;
  c.em_gain = 0.5;
  EXPECT_THROW(c.validate(), Error);
}

}  // namespace
}  // namespace smlm
