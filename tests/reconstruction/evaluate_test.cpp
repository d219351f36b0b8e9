// Tests of evaluate(): exact metrics on constructed offsets, the efficiency formula, edge cases
// and the JSON report.
#include "reconstruction/evaluate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace smlm::reconstruction {
namespace {

LocalizationTable table_with_rows(size_t n) {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.resize(n);
  return t;
}

// 10 frames × 10 emitters 1 µm apart. 8 per frame found at (+3, −4) nm, 2 per frame missed, and
// 2 spurious localizations per frame far from any emitter.
void known_case(LocalizationTable& locs, LocalizationTable& truth) {
  truth = table_with_rows(100);
  locs = table_with_rows(100);
  size_t l = 0;
  for (int f = 0; f < 10; ++f)
    for (int k = 0; k < 10; ++k) {
      const size_t r = f * 10 + k;
      truth[col::frame][r] = f;
      truth[col::x][r] = 1000.0 * k;
      truth[col::y][r] = 500.0 + 7 * f;
      locs[col::frame][l] = f;
      if (k < 8) {
        locs[col::x][l] = truth[col::x][r] + 3;
        locs[col::y][l] = truth[col::y][r] - 4;
      } else {
        locs[col::x][l] = 1000.0 * k;
        locs[col::y][l] = 5000.0;
      }
      ++l;
    }
}

TEST(Evaluate, ExactMetricsForKnownOffsets) {
  LocalizationTable locs, truth;
  known_case(locs, truth);
  const Evaluation e = evaluate(locs, truth, {250});
  EXPECT_EQ(e.true_positives, 80);
  EXPECT_EQ(e.false_positives, 20);
  EXPECT_EQ(e.false_negatives, 20);
  EXPECT_DOUBLE_EQ(e.recall, 0.8);
  EXPECT_DOUBLE_EQ(e.precision, 0.8);
  EXPECT_DOUBLE_EQ(e.jaccard, 80.0 / 120.0);
  EXPECT_NEAR(e.rmse_lateral_nm, 5.0, 1e-9);
  EXPECT_NEAR(e.bias_x_nm, 3.0, 1e-9);
  EXPECT_NEAR(e.bias_y_nm, -4.0, 1e-9);
  // SMLM challenge: JI = 66.67 %, E = 100 − √(33.33² + 5²).
  EXPECT_NEAR(e.efficiency_lateral, 100.0 - std::sqrt(10000.0 / 9.0 + 25.0), 1e-9);
  EXPECT_NEAR(e.efficiency_lateral, 66.2938, 1e-4);
}

TEST(Evaluate, PerfectAndEmptyCases) {
  LocalizationTable locs, truth;
  known_case(locs, truth);
  Evaluation e = evaluate(truth, truth, {250});
  EXPECT_EQ(e.true_positives, 100);
  EXPECT_EQ(e.false_positives + e.false_negatives, 0);
  EXPECT_DOUBLE_EQ(e.jaccard, 1.0);
  EXPECT_DOUBLE_EQ(e.rmse_lateral_nm, 0.0);
  EXPECT_DOUBLE_EQ(e.efficiency_lateral, 100.0);

  e = evaluate(locs, table_with_rows(0), {250});
  EXPECT_EQ(e.true_positives, 0);
  EXPECT_EQ(e.false_positives, 100);
  EXPECT_EQ(e.false_negatives, 0);
  EXPECT_EQ(e.recall, 0.0);
  EXPECT_EQ(e.precision, 0.0);
  EXPECT_EQ(e.jaccard, 0.0);
  EXPECT_EQ(e.efficiency_lateral, 0.0);

  e = evaluate(table_with_rows(0), table_with_rows(0), {250});
  EXPECT_EQ(e.true_positives + e.false_positives + e.false_negatives, 0);
}

double json_number(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const size_t p = json.find(k);
  EXPECT_NE(p, std::string::npos) << key << " missing in " << json;
  if (p == std::string::npos) return std::nan("");
  const char* begin = json.c_str() + p + k.size();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  EXPECT_NE(end, begin) << key << " is not a number in " << json;
  return v;
}

TEST(Evaluate, JsonHasEveryMetric) {
  LocalizationTable locs, truth;
  known_case(locs, truth);
  const Evaluation e = evaluate(locs, truth, {250});
  const std::string j = e.to_json();
  ASSERT_EQ(j.front(), '{');
  ASSERT_EQ(j.back(), '}');
  EXPECT_EQ(json_number(j, "recall"), e.recall);
  EXPECT_EQ(json_number(j, "precision"), e.precision);
  EXPECT_EQ(json_number(j, "jaccard"), e.jaccard);
  EXPECT_EQ(json_number(j, "rmse_lateral_nm"), e.rmse_lateral_nm);
  EXPECT_EQ(json_number(j, "bias_x_nm"), e.bias_x_nm);
  EXPECT_EQ(json_number(j, "bias_y_nm"), e.bias_y_nm);
  EXPECT_EQ(json_number(j, "efficiency_lateral"), e.efficiency_lateral);
  EXPECT_EQ(json_number(j, "true_positives"), 80);
  EXPECT_EQ(json_number(j, "false_positives"), 20);
  EXPECT_EQ(json_number(j, "false_negatives"), 20);
  // Non-finite values become null, keeping the JSON valid.
  Evaluation bad;
  bad.rmse_lateral_nm = std::nan("");
  EXPECT_NE(bad.to_json().find("\"rmse_lateral_nm\": null"), std::string::npos);
}

}  // namespace
}  // namespace smlm::reconstruction
