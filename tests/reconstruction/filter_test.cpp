// Tests of filtering: expression values and precedence, aliases, NaN handling, error messages
// (unknown column named with the list, syntax errors with their position), the density filter
// and duplicate removal.
#include "reconstruction/filter.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

#include <cmath>
#include <functional>

#include "core/error.h"

namespace smlm::reconstruction {
namespace {

using test::error_of;

LocalizationTable sample() {
  LocalizationTable t;
  t.add_column(col::frame) = {0, 5, 100, 150};
  t.add_column(col::x) = {10, 20, 30, 40};
  t.add_column(col::y) = {1, 2, 3, 4};
  t.add_column(col::intensity) = {400, 600, 700, NAN};
  t.add_column(col::uncertainty_xy) = {10, 30, 15, 5};
  t.add_column(col::offset) = {1, 2, 3, 4};
  t.resize(4);
  return t;
}

double value(const std::string& expr) {
  LocalizationTable one;
  one.add_column(col::x) = {2};
  one.resize(1);
  return evaluate_expression(one, expr)[0];
}

TEST(FilterExpression, ArithmeticAndPrecedence) {
  EXPECT_DOUBLE_EQ(value("1 + 2 * 3"), 7);
  EXPECT_DOUBLE_EQ(value("(1 + 2) * 3"), 9);
  EXPECT_DOUBLE_EQ(value("10 - 4 - 3"), 3);  // left associative
  EXPECT_DOUBLE_EQ(value("8 / 4 / 2"), 1);
  EXPECT_DOUBLE_EQ(value("-x * 3"), -6);
  EXPECT_DOUBLE_EQ(value("- -x"), 2);
  EXPECT_DOUBLE_EQ(value("2e3 + .5"), 2000.5);
  EXPECT_DOUBLE_EQ(value("1 + 2 > 2"), 1);    // arithmetic before comparison
  EXPECT_DOUBLE_EQ(value("1 || 0 && 0"), 1);  // && before ||
  EXPECT_DOUBLE_EQ(value("(1 || 0) && 0"), 0);
  EXPECT_DOUBLE_EQ(value("0 && 1 || 1"), 1);
  EXPECT_DOUBLE_EQ(value("!0 && !(x > 5)"), 1);
  EXPECT_DOUBLE_EQ(value("x != 2"), 0);
  EXPECT_DOUBLE_EQ(value("x == 2 & x = 2 | 0"), 1);
  EXPECT_DOUBLE_EQ(value("x >= 2 && x <= 2 && !(x < 2) && !(x > 2)"), 1);
  EXPECT_DOUBLE_EQ(value("3 > 2 > 0"), 1);  // (3 > 2) > 0
}

TEST(FilterExpression, FiltersRowsWithAliasesAndNaN) {
  LocalizationTable t = sample();
  filter_expression(t, "intensity > 500 && uncertainty_xy < 20 || frame >= 150");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_DOUBLE_EQ(t[col::x][0], 30);
  EXPECT_DOUBLE_EQ(t[col::x][1], 40);  // NaN intensity, but frame >= 150

  LocalizationTable a = sample();
  filter_expression(a, "photons >= 600 & uncertainty < 20 & bg > 0");  // ThunderSTORM names
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[col::x][0], 30);

  LocalizationTable n = sample();
  filter_expression(n, "intensity != 1e9");  // NaN != anything is true
  EXPECT_EQ(n.size(), 4u);
  filter_expression(n, "intensity > 0");  // NaN > 0 is false
  EXPECT_EQ(n.size(), 3u);
}

TEST(FilterExpression, UnknownColumnIsNamedWithTheList) {
  LocalizationTable t = sample();
  const std::string e = error_of([&] { filter_expression(t, "intensity > 5 && sigmaa < 3"); });
  EXPECT_NE(e.find("unknown column 'sigmaa'"), std::string::npos) << e;
  EXPECT_NE(e.find("frame, x, y, intensity, uncertainty_xy, offset"), std::string::npos) << e;
  EXPECT_EQ(t.size(), 4u);  // untouched
  // An alias whose column is missing is unknown too.
  LocalizationTable bare;
  bare.add_column(col::x);
  EXPECT_NE(error_of([&] { filter_expression(bare, "photons > 1"); }).find("'photons'"),
            std::string::npos);
}

TEST(FilterExpression, SyntaxErrorsGiveThePosition) {
  LocalizationTable t = sample();
  auto err = [&](const std::string& expr) { return error_of([&] { filter_expression(t, expr); }); };
  std::string e = err("intensity > > 5");
  EXPECT_NE(e.find("at character 13"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a number, a column name or '('"), std::string::npos) << e;
  e = err("(x > 1");
  EXPECT_NE(e.find("expected ')' to close the '(' at character 1, found the end"),
            std::string::npos)
      << e;
  e = err("x > 1)");
  EXPECT_NE(e.find("at character 6"), std::string::npos) << e;
  e = err("x 3");
  EXPECT_NE(e.find("at character 3"), std::string::npos) << e;
  EXPECT_NE(e.find("expected an operator"), std::string::npos) << e;
  e = err("x > ");
  EXPECT_NE(e.find("found the end"), std::string::npos) << e;
  e = err("x > 1 # 2");
  EXPECT_NE(e.find("at character 7"), std::string::npos) << e;
  EXPECT_NE(err("   ").find("empty"), std::string::npos);
}

TEST(FilterExpression, NestingIsBoundedWithAClearError) {
  LocalizationTable t = sample();
  auto err = [&](const std::string& expr) { return error_of([&] { filter_expression(t, expr); }); };
  const std::string deep_parens = std::string(10000, '(') + "x" + std::string(10000, ')');
  const std::string many_nots = std::string(100000, '!') + "x";
  const std::string many_minus = std::string(100000, '-') + "x";
  std::string chain = "x";
  for (int i = 0; i < 100000; ++i) chain += "+x";
  const std::string long_chain = chain;
  for (const std::string* e : {&deep_parens, &many_nots, &many_minus, &long_chain}) {
    const std::string m = err(*e);
    EXPECT_NE(m.find("nests more than 200 levels"), std::string::npos) << m.substr(0, 300);
    EXPECT_LT(m.size(), 400u) << "the expression is cut in the message";
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
  EXPECT_EQ(t.size(), 4u);
  // Checked before a table exists: syntax and depth, not column names.
  EXPECT_NE(error_of([&] { check_expression_syntax(deep_parens); }).find("nests more than"),
            std::string::npos);
  EXPECT_NO_THROW(check_expression_syntax("no_such_column > 1"));
  // Reasonable nesting still works.
  EXPECT_EQ(value(std::string(150, '(') + "x + 1" + std::string(150, ')')), 3);
  EXPECT_EQ(value(std::string(100, '!') + "x"), 1);
}

LocalizationTable points(const std::vector<double>& f, const std::vector<double>& x,
                         const std::vector<double>& y) {
  LocalizationTable t;
  t.add_column(col::frame) = f;
  t.add_column(col::x) = x;
  t.add_column(col::y) = y;
  t.resize(f.size());
  return t;
}

TEST(DensityFilter, KeepsClusteredLocalizations) {
  // A cluster of 4 within 25 nm (any frames: each has 3 neighbours), two isolated points, one
  // point P with exactly 2 neighbours (one at exactly 50 nm: distance <= radius counts), a NaN.
  const std::vector<double> f = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<double> x = {1000, 1010, 1020, 1005, 5000, 9000, 1060, NAN};
  const std::vector<double> y = {1000, 1000, 1010, 1020, 5000, 100, 1000, 0};
  LocalizationTable t = points(f, x, y);
  filter_local_density(t, 50, 3);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_DOUBLE_EQ(t[col::x][3], 1005);
  LocalizationTable two = points(f, x, y);
  filter_local_density(two, 50, 2);
  ASSERT_EQ(two.size(), 5u);
  EXPECT_DOUBLE_EQ(two[col::x][4], 1060);  // neighbours at 50 and 41.2 nm
  LocalizationTable zero = points(f, x, y);
  filter_local_density(zero, 50, 0);  // nothing required: every finite row stays
  EXPECT_EQ(zero.size(), 7u);
  EXPECT_THROW(filter_local_density(t, 0, 3), Error);
  EXPECT_THROW(filter_local_density(t, 50, -1), Error);
}

TEST(RemoveDuplicates, KeepsTheMostPreciseInEachFrame) {
  // Frame 0: A (u 8) and B (u 5) 10 nm apart → B stays. C 10 nm from A but 19 nm from B → stays
  // once A is gone (radius 15). Frame 1: D at A's place, another frame → stays.
  LocalizationTable t = points({0, 0, 0, 1}, {0, 10, -9, 0}, {0, 0, 0, 0});
  t.add_column(col::uncertainty_xy) = {8, 5, 9, 8};
  remove_duplicates(t, 15);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_DOUBLE_EQ(t[col::x][0], 10);
  EXPECT_DOUBLE_EQ(t[col::x][1], -9);
  EXPECT_DOUBLE_EQ(t[col::frame][2], 1);

  // Without uncertainties the brighter one stays; without either, the first row.
  LocalizationTable b = points({0, 0}, {0, 5}, {0, 0});
  b.add_column(col::intensity) = {100, 300};
  remove_duplicates(b, 10);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b[col::x][0], 5);
  LocalizationTable c = points({2, 2, 2}, {0, 5, 10}, {0, 0, 0});
  remove_duplicates(c, 10);  // 10 nm apart is not closer than 10 nm
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[col::x][1], 10);
  EXPECT_THROW(remove_duplicates(c, -1), Error);
}

}  // namespace
}  // namespace smlm::reconstruction
