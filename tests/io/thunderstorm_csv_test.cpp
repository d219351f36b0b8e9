// Tests for the ThunderSTORM CSV reader and writer: byte-identical headers, exact round trips,
// 1-based frames in files, ThunderSTORM 1.3's real output, and clear errors on bad input.
#include "io/thunderstorm_csv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "core/error.h"
#include "tests/test_util.h"

namespace smlm::io {
namespace {

using test::error_of;
using test::read_text;
using test::write_text;

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The message of the smlm::Error that `f` throws; fails the test if it throws nothing.

// Same double, bit for bit; any NaN equals any NaN.
bool identical(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// A 2D MLE table whose columns are added out of ThunderSTORM's order.
LocalizationTable mle_2d_table() {
  LocalizationTable t;
  t.add_column(col::intensity);
  t.add_column(col::uncertainty_xy);
  t.add_column(col::y);
  t.add_column(col::frame);
  t.add_column(col::offset);
  t.add_column(col::x);
  t.add_column(col::bkgstd);
  t.add_column(col::sigma);
  t.resize(2);
  for (const auto& c : t.columns()) {
    auto& v = t[c.name];
    v[0] = 1.5;
    v[1] = 2.25;
  }
  t[col::frame] = {0, 4};
  return t;
}

TEST(ThunderstormCsv, Header2DMleIsByteIdenticalToThunderstorm) {
  test::TempDir dir;
  const std::string path = dir / "mle.csv";
  write_thunderstorm_csv(path, mle_2d_table());
  const std::string text = read_text(path);
  EXPECT_EQ(first_line(text), R"("id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]",)"
                              R"("offset [photon]","bkgstd [photon]","uncertainty_xy [nm]")");
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "1,1,1.5,1.5,1.5,1.5,1.5,1.5,1.5");
  EXPECT_EQ(lines[2], "2,5,2.25,2.25,2.25,2.25,2.25,2.25,2.25");
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

TEST(ThunderstormCsv, Header3DAstigmatismIsByteIdenticalThenOtherColumns) {
  LocalizationTable t;
  t.add_column(col::loglikelihood);
  t.add_column(col::uncertainty_z);
  t.add_column(col::sigma2);
  t.add_column("custom", 0.0, "a.u.");
  t.add_column(col::z);
  t.add_column(col::bkgstd);
  t.add_column(col::sigma1);
  t.add_column(col::uncertainty_xy);
  t.add_column(col::offset);
  t.add_column(col::intensity);
  t.add_column(col::y);
  t.add_column(col::x);
  t.add_column(col::frame);
  t.resize(1);
  test::TempDir dir;
  const std::string path = dir / "as.csv";
  write_thunderstorm_csv(path, t);
  EXPECT_EQ(first_line(read_text(path)),
            R"("id","frame","x [nm]","y [nm]","z [nm]","sigma1 [nm]","sigma2 [nm]",)"
            R"("intensity [photon]","offset [photon]","bkgstd [photon]","uncertainty_xy [nm]",)"
            R"("uncertainty_z [nm]","loglikelihood","custom [a.u.]")");
}

TEST(ThunderstormCsv, WriteIdOptionAndGeneratedIds) {
  test::TempDir dir;
  const std::string with_id = dir / "id.csv", without_id = dir / "noid.csv";
  LocalizationTable t = mle_2d_table();
  write_thunderstorm_csv(with_id, t);
  write_thunderstorm_csv(without_id, t, CsvWriteOptions{.write_id = false});
  const auto a = lines_of(read_text(with_id));
  const auto b = lines_of(read_text(without_id));
  EXPECT_EQ(a[1].substr(0, 2), "1,");
  EXPECT_EQ(a[2].substr(0, 2), "2,");
  EXPECT_EQ(b[0].substr(0, 8), "\"frame\",");
  EXPECT_EQ(b[1], a[1].substr(2));
  // The reader ignores id: both files give the same table, without an id column.
  const LocalizationTable ra = read_thunderstorm_csv(with_id);
  const LocalizationTable rb = read_thunderstorm_csv(without_id);
  EXPECT_FALSE(ra.has(col::id));
  ASSERT_EQ(ra.num_columns(), rb.num_columns());
  ASSERT_EQ(ra.num_columns(), t.num_columns());
}

TEST(ThunderstormCsv, RoundTripReproducesEveryDoubleExactly) {
  const std::vector<double> awkward = {1e-7,
                                       123456789.123456,
                                       -42.75,
                                       kNaN,
                                       kInf,
                                       -kInf,
                                       0.1,
                                       1.0 / 3.0,
                                       -0.0,
                                       2127.3318498388653,
                                       5e-324,
                                       std::numeric_limits<double>::max(),
                                       -std::numeric_limits<double>::min(),
                                       1e22};
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::intensity);
  t.add_column("weird", 0.0, "photon/s");
  t.resize(awkward.size());
  for (size_t i = 0; i < awkward.size(); ++i) {
    t[col::frame][i] = static_cast<double>(i);
    t[col::x][i] = awkward[i];
    t[col::y][i] = -awkward[i];
    t[col::intensity][i] = awkward[awkward.size() - 1 - i];
    t["weird"][i] = awkward[(i + 3) % awkward.size()];
  }
  test::TempDir dir;
  const std::string path = dir / "awkward.csv";
  write_thunderstorm_csv(path, t);

  const std::string text = read_text(path);
  const std::string body = text.substr(text.find('\n'));
  EXPECT_EQ(body.find_first_of("eE"), std::string::npos) << "no exponent form expected";
  EXPECT_NE(text.find(",0.0000001,"), std::string::npos);
  EXPECT_NE(text.find(",123456789.123456,"), std::string::npos);
  EXPECT_NE(text.find(",NaN,"), std::string::npos);
  EXPECT_NE(text.find(",Infinity,"), std::string::npos);
  EXPECT_NE(text.find(",-Infinity,"), std::string::npos);

  CsvReadReport report;
  const LocalizationTable r = read_thunderstorm_csv(path, &report);
  EXPECT_EQ(report.rows, static_cast<int64_t>(awkward.size()));
  EXPECT_EQ(report.skipped_rows, 0);
  ASSERT_EQ(r.size(), t.size());
  ASSERT_EQ(r.num_columns(), t.num_columns());
  for (const auto& c : t.columns()) {
    ASSERT_TRUE(r.has(c.name)) << c.name;
    for (size_t i = 0; i < t.size(); ++i)
      EXPECT_TRUE(identical(r[c.name][i], c.values[i]))
          << c.name << "[" << i << "]: wrote " << c.values[i] << ", read " << r[c.name][i];
  }
  const auto& weird = std::find_if(r.columns().begin(), r.columns().end(),
                                   [](const auto& c) { return c.name == "weird"; });
  EXPECT_EQ(weird->unit, "photon/s");
}

TEST(ThunderstormCsv, RoundTripAcrossReadChunksIsExact) {
  // Large enough (> 8 MiB) that rows straddle the reader's chunk boundaries.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> pos(0.0, 50000.0);
  std::lognormal_distribution<double> photons(7.0, 1.0);
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.add_column(col::intensity);
  const size_t n = 200000;
  t.resize(n);
  for (size_t i = 0; i < n; ++i) {
    t[col::frame][i] = static_cast<double>(i / 50);
    t[col::x][i] = pos(rng);
    t[col::y][i] = pos(rng);
    t[col::intensity][i] = photons(rng);
  }
  test::TempDir dir;
  const std::string path = dir / "big.csv";
  write_thunderstorm_csv(path, t);
  ASSERT_GT(fs::file_size(path), size_t{8} << 20);
  const LocalizationTable r = read_thunderstorm_csv(path);
  ASSERT_EQ(r.size(), n);
  for (const auto& c : t.columns()) {
    const auto& v = r[c.name];
    size_t mismatches = 0;
    for (size_t i = 0; i < n; ++i) mismatches += !identical(v[i], c.values[i]);
    EXPECT_EQ(mismatches, 0u) << c.name;
  }
}

TEST(ThunderstormCsv, FramesAreOneBasedInTheFileAndZeroBasedInMemory) {
  LocalizationTable t;
  t.add_column(col::frame);
  t.add_column(col::x);
  t.add_column(col::y);
  t.resize(3);
  t[col::frame] = {0, 5, 199};
  test::TempDir dir;
  const std::string path = dir / "frames.csv";
  write_thunderstorm_csv(path, t);
  const auto lines = lines_of(read_text(path));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].substr(0, 4), "1,1,");
  EXPECT_EQ(lines[2].substr(0, 4), "2,6,");
  EXPECT_EQ(lines[3].substr(0, 6), "3,200,");
  const LocalizationTable r = read_thunderstorm_csv(path);
  EXPECT_EQ(r[col::frame], (std::vector<double>{0, 5, 199}));
}

TEST(ThunderstormCsv, ReadsThunderstorm13Output) {
  SMLM_REQUIRE_SHARED_DATA(path, "thunderstorm/thunderstorm-1.3-mle.csv");
  const std::string text = read_text(path);
  const auto newlines = std::count(text.begin(), text.end(), '\n');
  CsvReadReport report;
  const LocalizationTable t = read_thunderstorm_csv(path, &report);
  EXPECT_EQ(static_cast<int64_t>(t.size()), newlines - 1);
  EXPECT_EQ(report.rows, newlines - 1);
  EXPECT_EQ(report.skipped_rows, 0);
  EXPECT_FALSE(t.has(col::id));
  EXPECT_FALSE(t.has("uncertainty"));
  ASSERT_TRUE(t.has(col::uncertainty_xy));
  EXPECT_EQ(t[col::frame][0], 0.0);
  EXPECT_EQ(t[col::x][0], 581.3870201128426);
  EXPECT_EQ(t[col::y][0], 4906.333912243396);
  EXPECT_EQ(t[col::uncertainty_xy][0], 5.6783667331296455);
  EXPECT_EQ(t[col::offset][0], 10.589666863557508);
  for (const auto& c : t.columns()) EXPECT_EQ(c.unit, std::string(default_unit(c.name))) << c.name;
  const auto& f = t[col::frame];
  EXPECT_GE(*std::min_element(f.begin(), f.end()), 0.0);
  EXPECT_LE(*std::max_element(f.begin(), f.end()), 199.0);
}

TEST(ThunderstormCsv, ReadsPlainTruthCsv) {
  SMLM_REQUIRE_SHARED_DATA(path, "thunderstorm/truth.csv");
  const LocalizationTable t = read_thunderstorm_csv(path);
  ASSERT_EQ(t.size(), 2000u);
  EXPECT_EQ(t.num_columns(), 3u);
  const auto& f = t[col::frame];
  EXPECT_EQ(*std::min_element(f.begin(), f.end()), 0.0);
  EXPECT_EQ(*std::max_element(f.begin(), f.end()), 199.0);
  EXPECT_EQ(t[col::x][0], 3863.006);
  EXPECT_EQ(t[col::y][0], 5305.233);
}

TEST(ThunderstormCsv, MissingXColumnNamesFileAndColumn) {
  test::TempDir dir;
  const std::string path = dir / "nox.csv";
  write_text(path, "\"frame\",\"y [nm]\"\n1,2\n");
  const std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing column 'x [nm]'"), std::string::npos) << msg;

  write_text(path, "x [nm],y [nm]\n1,2\n");
  const std::string no_frame = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(no_frame.find("missing column 'frame'"), std::string::npos) << no_frame;
}

TEST(ThunderstormCsv, RowsWithWrongFieldCountAreAnErrorNamingTheLine) {
  test::TempDir dir;
  const std::string path = dir / "ragged.csv";
  write_text(path, "frame,x [nm],y [nm]\n1,10,20\n2,30\n3,50,60\n4,1,2,3\n");
  CsvReadReport report;
  std::string msg = error_of([&] { read_thunderstorm_csv(path, &report); });
  EXPECT_NE(msg.find(path + ":3: 2 fields, expected 3"), std::string::npos) << msg;
  write_text(path, "\"frame\",\"x [nm]\",\"y [nm]\"\n1,100,200\n2,400,500,7,8\n");
  msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path + ":3: 5 fields, expected 3"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ThunderstormCsv, RowsWithWrongFieldCountAreSkippedAndCountedOnRequest) {
  test::TempDir dir;
  const std::string path = dir / "ragged.csv";
  write_text(path, "frame,x [nm],y [nm]\n1,10,20\n2,30\n3,50,60\n4,1,2,3\n");
  CsvReadReport report;
  const LocalizationTable t = read_thunderstorm_csv(path, &report, MalformedRows::skip);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(report.rows, 2);
  EXPECT_EQ(report.skipped_rows, 2);
  EXPECT_EQ(report.first_skip_reason, "line 3: 2 fields, expected 3");
  EXPECT_EQ(t[col::x], (std::vector<double>{10, 50}));
  EXPECT_EQ(t[col::frame], (std::vector<double>{0, 2}));
}

TEST(ThunderstormCsv, FileWhereEveryRowIsBadIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "allbad.csv";
  write_text(path, "frame,x [nm],y [nm]\n1,10\n2,30\n");
  std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path + ":2:"), std::string::npos) << msg;
  msg = error_of([&] { read_thunderstorm_csv(path, nullptr, MalformedRows::skip); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
}

TEST(ThunderstormCsv, GarbageNumberIsAnErrorNamingTheLine) {
  test::TempDir dir;
  const std::string path = dir / "garbage.csv";
  write_text(path, "frame,x [nm],y [nm]\n1,10,20\n2,1O.5,20\n");
  const std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'1O.5'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x [nm]"), std::string::npos) << msg;

  write_text(path, "frame,x [nm],y [nm]\n1,,20\n");
  EXPECT_NE(error_of([&] { read_thunderstorm_csv(path); }).find(path + ":2:"), std::string::npos);
}

TEST(ThunderstormCsv, EmptyFileIsAnErrorAndHeaderOnlyGivesEmptyTable) {
  test::TempDir dir;
  const std::string path = dir / "empty.csv";
  write_text(path, "");
  const std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;

  write_text(path, "\"id\",\"frame\",\"x [nm]\",\"y [nm]\",\"intensity [photon]\"\n");
  const LocalizationTable t = read_thunderstorm_csv(path);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.num_columns(), 4u);

  EXPECT_NE(error_of([&] { read_thunderstorm_csv(dir / "absent.csv"); }).find("absent.csv"),
            std::string::npos);
}

TEST(ThunderstormCsv, ParsesExponentsSpecialValuesQuotesAndCrlf) {
  test::TempDir dir;
  const std::string path = dir / "forms.csv";
  write_text(path,
             "\xEF\xBB\xBF"
             "frame,x [nm],y [nm],\"uncertainty [nm]\"\r\n"
             "1.0,1.0E-5,2.5e3,-1E+2\r\n"
             "2.0, \"7\" ,+3.5,NaN\r\n"
             "\r\n"
             "3,Infinity,-Infinity,1e-400\r\n");
  const LocalizationTable t = read_thunderstorm_csv(path);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[col::frame], (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(t[col::x][0], 1.0e-5);
  EXPECT_EQ(t[col::y][0], 2500.0);
  EXPECT_EQ(t[col::uncertainty_xy][0], -100.0);
  EXPECT_EQ(t[col::x][1], 7.0);
  EXPECT_EQ(t[col::y][1], 3.5);
  EXPECT_TRUE(std::isnan(t[col::uncertainty_xy][1]));
  EXPECT_EQ(t[col::x][2], kInf);
  EXPECT_EQ(t[col::y][2], -kInf);
  EXPECT_EQ(t[col::uncertainty_xy][2], 0.0);
}

TEST(ThunderstormCsv, TrailingCommaColumnIsIgnored) {
  test::TempDir dir;
  const std::string path = dir / "trailing.csv";
  write_text(path, "frame,x [nm],y [nm],\n1,2,3,\n");
  CsvReadReport report;
  const LocalizationTable t = read_thunderstorm_csv(path, &report);
  EXPECT_EQ(t.num_columns(), 3u);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(report.skipped_rows, 0);
  EXPECT_EQ(t[col::y][0], 3.0);
}

TEST(ThunderstormCsv, LengthUnitsAreConvertedToNmOrRejected) {
  test::TempDir dir;
  const std::string path = dir / "units.csv";
  write_text(path, "frame,x [um],y [\xC2\xB5m],sigma,photons [ADU]\n1,1.5,0.25,130,7\n");
  const LocalizationTable t = read_thunderstorm_csv(path);
  EXPECT_EQ(t[col::x][0], 1500.0);
  EXPECT_EQ(t[col::y][0], 250.0);
  EXPECT_EQ(t[col::sigma][0], 130.0);
  for (const auto& c : t.columns()) {
    if (c.name == "photons")
      EXPECT_EQ(c.unit, "ADU");
    else
      EXPECT_EQ(c.unit, std::string(default_unit(c.name))) << c.name;
  }

  write_text(path, "frame,x [px],y [px]\n1,1.5,0.25\n");
  const std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("x [px]"), std::string::npos) << msg;
}

TEST(ThunderstormCsv, DuplicateColumnIsAnError) {
  test::TempDir dir;
  const std::string path = dir / "dup.csv";
  write_text(path, "frame,x [nm],y [nm],uncertainty [nm],uncertainty_xy [nm]\n1,1,2,3,4\n");
  const std::string msg = error_of([&] { read_thunderstorm_csv(path); });
  EXPECT_NE(msg.find("uncertainty_xy"), std::string::npos) << msg;
}

TEST(ThunderstormCsv, WriteIntoMissingFolderIsAnErrorAndLeavesNoFile) {
  test::TempDir dir;
  const std::string path = (dir.path() / "missing" / "out.csv").string();
  const std::string msg = error_of([&] { write_thunderstorm_csv(path, mle_2d_table()); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir / "missing"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ThunderstormCsv, UnwritableColumnNameIsAnErrorAndLeavesNoFile) {
  LocalizationTable t = mle_2d_table();
  t.add_column("a,b");
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  const std::string msg = error_of([&] { write_thunderstorm_csv(path, t); });
  EXPECT_NE(msg.find("a,b"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// ---- ThunderstormCsvWriter: the streaming writer.

// A 2D MLE table of n rows starting at frame `first`, values from `seed`, columns in another order.
LocalizationTable batch_table(size_t n, double first, double seed) {
  LocalizationTable t;
  for (std::string_view name : {col::y, col::frame, col::x, col::sigma, col::intensity})
    t.add_column(name, 0.0, default_unit(name));
  t.resize(n);
  for (size_t r = 0; r < n; ++r) {
    t[col::frame][r] = first + static_cast<double>(r / 3);
    t[col::x][r] = seed * 1000 + r * 0.1;
    t[col::y][r] = seed * 7.25 - r / 3.0;
    t[col::sigma][r] = 130 + r;
    t[col::intensity][r] = r == 1 ? kNaN : 1e-7 * seed;
  }
  return t;
}

TEST(ThunderstormCsvWriter, BatchesGiveTheBytesOfOneWriteWithIdsContinuing) {
  test::TempDir dir;
  const std::vector<LocalizationTable> batches = {batch_table(5, 0, 1), batch_table(0, 2, 2),
                                                  batch_table(7, 2, 3), batch_table(1, 9, 4)};
  LocalizationTable all = batches[0];
  for (size_t i = 1; i < batches.size(); ++i) all.append(batches[i]);
  for (bool write_id : {true, false}) {
    const std::string tag = write_id ? "id" : "noid";
    const std::string one = dir / (tag + "_one.csv"), streamed = dir / (tag + "_streamed.csv");
    write_thunderstorm_csv(one, all, {.write_id = write_id});
    ThunderstormCsvWriter w(streamed, batches[0], {.write_id = write_id});
    for (const auto& b : batches) w.write(b);
    EXPECT_EQ(w.rows_written(), 13);
    EXPECT_FALSE(fs::exists(streamed));  // not before close()
    w.close();
    const std::string text = read_text(streamed);
    EXPECT_EQ(text, read_text(one));
    if (write_id) {
      EXPECT_EQ(lines_of(text).back().substr(0, 3), "13,");
    }
  }
}

TEST(ThunderstormCsvWriter, HeaderOnlyWhenNothingIsWritten) {
  test::TempDir dir;
  const std::string path = dir / "empty.csv", reference = dir / "reference.csv";
  ThunderstormCsvWriter w(path, mle_2d_table());
  w.close();
  LocalizationTable empty = mle_2d_table();
  empty.resize(0);
  write_thunderstorm_csv(reference, empty);
  EXPECT_EQ(read_text(path), read_text(reference));
  EXPECT_EQ(lines_of(read_text(path)).size(), 1u);
}

TEST(ThunderstormCsvWriter, TableOwnIdsAreWrittenAsTheyAre) {
  test::TempDir dir;
  const std::string path = dir / "ids.csv";
  LocalizationTable t = batch_table(2, 0, 1);
  t.add_column(col::id);
  t[col::id] = {10, 20};
  ThunderstormCsvWriter w(path, t);
  w.write(t);
  w.write(t);
  w.close();
  const auto lines = lines_of(read_text(path));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3].substr(0, 3), "10,");
  EXPECT_EQ(lines[4].substr(0, 3), "20,");
}

TEST(ThunderstormCsvWriter, WithoutCloseNothingAppears) {
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  {
    ThunderstormCsvWriter w(path, batch_table(3, 0, 1));
    w.write(batch_table(3, 0, 1));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ThunderstormCsvWriter, OtherColumnsWriteAfterCloseAndBadNamesAreErrors) {
  test::TempDir dir;
  const std::string path = dir / "out.csv";
  ThunderstormCsvWriter w(path, batch_table(3, 0, 1));
  LocalizationTable more = batch_table(3, 0, 1);
  more.add_column(col::offset);
  std::string msg = error_of([&] { w.write(more); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  LocalizationTable other = batch_table(3, 0, 1);
  other.remove_column(col::sigma);
  other.add_column(col::offset);
  msg = error_of([&] { w.write(other); });
  EXPECT_NE(msg.find("sigma"), std::string::npos) << msg;
  w.close();
  EXPECT_NE(error_of([&] { w.write(batch_table(1, 0, 1)); }).find("after close"),
            std::string::npos);
  EXPECT_EQ(lines_of(read_text(path)).size(), 1u);

  LocalizationTable bad = batch_table(1, 0, 1);
  bad.add_column("a\"b");
  const std::string bad_path = dir / "bad.csv";
  msg = error_of([&] { ThunderstormCsvWriter(bad_path, bad); });
  EXPECT_NE(msg.find("a\"b"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(bad_path));
}

}  // namespace
}  // namespace smlm::io
