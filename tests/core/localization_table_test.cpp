#include "core/localization_table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace smlm {
namespace {

TEST(LocalizationTable, ColumnsGrowTogether) {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.resize(3);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(std::isnan(t[col::x][2]));
  t[col::frame] = {2, 0, 1};
  t[col::x] = {20, 0, 10};
  t.add_column(col::intensity, 5.0);
  EXPECT_EQ(t[col::intensity].size(), 3u);
  EXPECT_EQ(t.columns()[2].unit, "photon");
  t.sort_by_frame();
  EXPECT_EQ(t[col::x], (std::vector<double>{0, 10, 20}));
  t.filter({true, false, true});
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t[col::frame], (std::vector<double>{0, 2}));
}

TEST(LocalizationTable, MissingColumnThrowsWithName) {
  LocalizationTable t;
  try {
    (void)t[col::z];
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'z'"), std::string::npos);
  }
}

TEST(LocalizationTable, AppendRequiresSameColumns) {
  LocalizationTable a, b;
  a.add_column(col::x);
  a.resize(2);
  b.add_column(col::x);
  b.resize(1);
  a.append(b);
  EXPECT_EQ(a.size(), 3u);
  b.add_column(col::y);
  EXPECT_THROW(a.append(b), Error);
}

TEST(LocalizationTable, AppendingAnEmptyTableKeepsItsColumns) {
  LocalizationTable none, empty;
  empty.add_column(col::frame);
  empty.add_column(col::x);
  none.append(empty);
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.num_columns(), 2u);
  EXPECT_TRUE(none.has(col::x));
}

}  // namespace
}  // namespace smlm
