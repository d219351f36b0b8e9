// Tests of merging: the linking rules (distance, off frames, one localization per track and
// frame), the merged values, and the molecule count of a simulated sparse blinking data set.
#include "reconstruction/merge.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/random.h"

#include "core/error.h"

namespace smlm::reconstruction {
namespace {

LocalizationTable table(const std::vector<double>& f, const std::vector<double>& x,
                        const std::vector<double>& y) {
  LocalizationTable t;
  t.add_column(col::frame) = f;
  t.add_column(col::x) = x;
  t.add_column(col::y) = y;
  t.resize(f.size());
  return t;
}

TEST(LinkTracks, DistanceAndGapRules) {
  // Molecule A at (0, 0): frames 0, 1, 3 (one off frame: bridged), 6 (two off frames: new).
  // Molecule B at (100, 0): frames 1, 2 — 100 nm from A, never joins it.
  // C at (15, 0) in frame 1: A's track already took (0, 0) in frame 1, so C starts its own.
  const LocalizationTable t =
      table({0, 1, 1, 1, 2, 3, 6}, {0, 1, 100, 15, 101, 2, 1}, {0, 0, 0, 0, 1, 1, 0});
  const std::vector<int64_t> id = link_tracks(t, {20, 1});
  ASSERT_EQ(id.size(), 7u);
  EXPECT_EQ(id[0], 0);
  EXPECT_EQ(id[1], 0);
  EXPECT_EQ(id[5], 0);  // frame 3 after frame 1
  EXPECT_NE(id[6], 0);  // frame 6 after frame 3: gap of 2
  EXPECT_EQ(id[2], id[4]);
  EXPECT_NE(id[2], 0);
  EXPECT_NE(id[3], 0);
  EXPECT_NE(id[3], id[2]);
  // Numbered by first appearance: A 0, then frame 1's new tracks in row order.
  EXPECT_EQ(id[2], 1);
  EXPECT_EQ(id[3], 2);
  EXPECT_EQ(id[6], 3);
  // max_gap 0: frame 3 no longer joins frame 1.
  const std::vector<int64_t> strict = link_tracks(t, {20, 0});
  EXPECT_NE(strict[5], strict[1]);
  EXPECT_THROW(link_tracks(t, {0, 1}), Error);
  EXPECT_THROW(link_tracks(t, {20, -1}), Error);
}

TEST(LinkTracks, NearestPairsWinAndInvalidRowsStandAlone) {
  // Two tracks 18 nm apart; in frame 1 their localizations swap order in the table: each must
  // continue the nearer track.
  const LocalizationTable t = table({0, 0, 1, 1, NAN}, {0, 18, 17, 1, 5}, {0, 0, 0, 0, 0});
  const std::vector<int64_t> id = link_tracks(t, {20, 1});
  EXPECT_EQ(id[3], id[0]);
  EXPECT_EQ(id[2], id[1]);
  EXPECT_EQ(id[4], 2);  // the NaN-frame row: its own track, numbered last
}

TEST(MergeTracks, WeightsSumsAndCounts) {
  LocalizationTable t = table({3, 4, 9}, {10, 20, 500}, {0, 6, 0});
  t.add_column(col::intensity) = {100, 300, 50};
  t.add_column(col::uncertainty_xy) = {10, 5, 7};
  t.add_column(col::sigma) = {100, 120, 130};
  const LocalizationTable m = merge_tracks(t, {0, 0, 1});
  ASSERT_EQ(m.size(), 2u);
  // Weights 1/100 and 1/25: x = (10/100 + 20/25) / (1/100 + 1/25) = 18.
  EXPECT_DOUBLE_EQ(m[col::x][0], 18);
  EXPECT_NEAR(m[col::y][0], 4.8, 1e-12);
  EXPECT_NEAR(m[col::uncertainty_xy][0], 1 / std::sqrt(0.01 + 0.04), 1e-12);
  EXPECT_DOUBLE_EQ(m[col::intensity][0], 400);
  EXPECT_DOUBLE_EQ(m[col::frame][0], 3);
  EXPECT_DOUBLE_EQ(m[col::sigma][0], 110);
  EXPECT_DOUBLE_EQ(m[col::detections][0], 2);
  EXPECT_DOUBLE_EQ(m[col::detections][1], 1);
  EXPECT_DOUBLE_EQ(m[col::x][1], 500);
  EXPECT_DOUBLE_EQ(m[col::uncertainty_xy][1], 7);

  // Merging the merged table adds up detections; without uncertainties: plain means.
  LocalizationTable plain = table({0, 1}, {0, 30}, {0, 0});
  const LocalizationTable pm = merge_tracks(plain, {0, 0});
  EXPECT_DOUBLE_EQ(pm[col::x][0], 15);
  const LocalizationTable twice = merge_tracks(m, {0, 0});
  EXPECT_DOUBLE_EQ(twice[col::detections][0], 3);
  EXPECT_THROW(merge_tracks(t, {0, 1}), Error);
}

TEST(MergeLocalizations, RecoversTheMoleculeCountOfABlinkingDataSet) {
  // 3000 molecules, uniform in 20 × 20 µm, each on once: from a random frame for a geometric
  // number of consecutive frames (mean 3), each on frame detected with probability 0.9 (so
  // single off frames occur inside an on-time), localization noise 5 nm per axis.
  // Merging within 25 nm and 1 off frame should give back about one row per molecule: a
  // link breaks only when two localizations of a molecule lie > 25 nm apart (Rayleigh tail
  // exp(−25²/(2·(5√2)²)) ≈ 0.2%) or two consecutive detections are missed (1%), and ~3
  // molecules are on in any frame, so different molecules almost never meet.
  kernels::Rng rng(21, 0);
  const int molecules = 3000, frames = 3000;
  std::vector<double> f, x, y, u, in;
  std::vector<double> mx, my;
  int detected = 0;
  for (int m = 0; m < molecules; ++m) {
    const double px = rng.uniform() * 20000, py = rng.uniform() * 20000;
    const int start = static_cast<int>(rng.uniform() * frames);
    int on = 1;
    while (rng.uniform() < 2.0 / 3.0) ++on;  // geometric, mean 3
    bool any = false;
    for (int k = 0; k < on; ++k) {
      if (rng.uniform() >= 0.9) continue;
      f.push_back(start + k);
      x.push_back(px + 5 * rng.normal());
      y.push_back(py + 5 * rng.normal());
      u.push_back(5);
      in.push_back(1000);
      any = true;
    }
    detected += any;
    mx.push_back(px), my.push_back(py);
  }
  LocalizationTable t;
  t.add_column(col::frame) = f;
  t.add_column(col::x) = x;
  t.add_column(col::y) = y;
  t.add_column(col::uncertainty_xy) = u;
  t.add_column(col::intensity) = in;
  t.resize(f.size());
  t.sort_by_frame();
  const LocalizationTable merged = merge_localizations(t, {25, 1});
  const double error = (double(merged.size()) - detected) / detected;
  std::printf("merge: %zu localizations of %d detected molecules → %zu rows (%+.2f%%)\n", t.size(),
              detected, merged.size(), 100 * error);
  EXPECT_LE(std::fabs(error), 0.05);
  double detections = 0;
  for (double d : merged[col::detections]) detections += d;
  EXPECT_DOUBLE_EQ(detections, double(t.size()));
  // Merged rows are at least as precise as single ones: their mean uncertainty is below 5 nm.
  double mean_u = 0;
  for (double v : merged[col::uncertainty_xy]) mean_u += v / merged.size();
  EXPECT_LT(mean_u, 4.5);
  // Without merging off frames the count rises (single misses now split molecules).
  const LocalizationTable strict = merge_localizations(t, {25, 0});
  EXPECT_GT(strict.size(), merged.size());
}

}  // namespace
}  // namespace smlm::reconstruction
