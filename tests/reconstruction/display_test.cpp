// Tests of to_display(): the percentile maps to full scale, zero to zero, linear in between.
#include "reconstruction/display.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace smlm::reconstruction {
namespace {

// 201 positive pixels 1…201 (so the 99.5th percentile is exactly 200), then zeros, a negative
// value and a NaN.
ImageF ramp() {
  ImageF im(16, 16);
  for (int k = 0; k < 201; ++k) im.vec()[k] = static_cast<float>(k + 1);
  im.vec()[250] = -7.0f;
  im.vec()[251] = std::numeric_limits<float>::quiet_NaN();
  return im;
}

TEST(Display, PercentileMapsToFullScale8Bit) {
  const Image<uint16_t> d = to_display(ramp(), 8);
  ASSERT_EQ(d.width(), 16);
  ASSERT_EQ(d.height(), 16);
  EXPECT_EQ(d.vec()[199], 255);  // value 200: the percentile
  EXPECT_EQ(d.vec()[200], 255);  // value 201: clamped
  EXPECT_EQ(d.vec()[49], 64);    // value 50: 50/200·255 = 63.75
  EXPECT_EQ(d.vec()[0], 1);      // value 1: 1.275
  EXPECT_EQ(d.vec()[210], 0);    // zero
  EXPECT_EQ(d.vec()[250], 0);    // negative
  EXPECT_EQ(d.vec()[251], 0);    // NaN
}

TEST(Display, PercentileMapsToFullScale16Bit) {
  const Image<uint16_t> d = to_display(ramp(), 16);
  EXPECT_EQ(d.vec()[199], 65535);
  EXPECT_EQ(d.vec()[200], 65535);
  EXPECT_EQ(d.vec()[49], 16384);  // 50/200·65535 = 16383.75
  EXPECT_EQ(d.vec()[210], 0);
}

TEST(Display, OtherPercentilesInterpolate) {
  // Median of 1…201 is 101; 100th percentile is the maximum.
  Image<uint16_t> d = to_display(ramp(), 8, 50);
  EXPECT_EQ(d.vec()[100], 255);
  EXPECT_EQ(d.vec()[99], 252);  // 100/101·255 = 252.48
  d = to_display(ramp(), 8, 100);
  EXPECT_EQ(d.vec()[200], 255);
  EXPECT_EQ(d.vec()[199], 254);  // 200/201·255 = 253.73
  // Between order statistics: 1…4 at the 50th percentile → 2.5.
  ImageF small(4, 1);
  for (int k = 0; k < 4; ++k) small.vec()[k] = static_cast<float>(k + 1);
  d = to_display(small, 8, 50);
  EXPECT_EQ(d.vec()[1], 204);  // 2/2.5·255
}

TEST(Display, EmptyImageAndBadArguments) {
  const Image<uint16_t> d = to_display(ImageF(5, 3), 8);
  for (uint16_t v : d.vec()) EXPECT_EQ(v, 0);
  EXPECT_THROW(to_display(ramp(), 0), Error);
  EXPECT_THROW(to_display(ramp(), 17), Error);
  EXPECT_THROW(to_display(ramp(), 8, 0), Error);
  EXPECT_THROW(to_display(ramp(), 8, 101), Error);
  EXPECT_THROW(to_display(ramp(), 8, std::numeric_limits<double>::quiet_NaN()), Error);
}

}  // namespace
}  // namespace smlm::reconstruction
