// ThunderSTORM-compatible CSV: writes a LocalizationTable in the format ThunderSTORM, Picasso and
// SMAP import, and reads the CSVs that any ThunderSTORM version (and simple tools) write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/localization_table.h"

namespace smlm::io {

struct CsvWriteOptions {
  // Writes an "id" column (1..N, or the table's own "id" values) first, as ThunderSTORM's
  // current writer does. false: no id column at all, even if the table has one.
  bool write_id = true;
};

// Writes `table` to `path` as ThunderSTORM CSV.
//
// Header: one line of labels in double quotes, "name [unit]" (the column's unit) or "name" when
// the unit is empty. Known columns come first in ThunderSTORM's order
//   id, frame, x, y, z, sigma, sigma1, sigma2, intensity, offset, bkgstd, chi2,
//   uncertainty_xy, uncertainty_z, detections
// followed by every other column in table order. A 2D MLE table gives, byte for byte,
//   "id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]","bkgstd
//   [photon]","uncertainty_xy [nm]"
// Values: unquoted, comma separated, lines end in "\n". frame is written 1-based (memory value
// + 1, an integer for integral frames); other numbers in plain decimal, the shortest digits that
// read back to the identical double (no exponent, so 1e-7 is "0.0000001"); NaN, Infinity and
// -Infinity spelled so. Rows are written in table order (no sorting).
//
// The file is written through AtomicFile: it appears complete or not at all. Throws smlm::Error
// naming `path` if the folder is missing, a write fails, or a column name cannot be written
// (contains a comma, quote, bracket or line break).
void write_thunderstorm_csv(const std::string& path, const LocalizationTable& table,
                            const CsvWriteOptions& options = {});

// Writes a ThunderSTORM CSV incrementally, one table (a batch of rows) at a time, so that memory
// is bounded by a batch of rows, not by the whole output: the same bytes write_thunderstorm_csv
// writes for the concatenation of the tables (which it is built on).
//
// The header comes from `layout` (its columns' names and units; its rows are not written), and
// every table passed to write() must have the same columns (any order). Generated ids continue
// across tables (1..N over the whole file); a table's own "id" column is written as it is.
// Through AtomicFile: the file appears at `path` only after close(); a writer destroyed without
// close() (an error on the way) leaves nothing there. Not thread-safe: one thread at a time
// (different threads one after the other are fine).
class ThunderstormCsvWriter {
 public:
  // Throws smlm::Error naming `path` when the folder is missing or a column name or unit cannot
  // be written (then no file is created).
  ThunderstormCsvWriter(const std::string& path, const LocalizationTable& layout,
                        const CsvWriteOptions& options = {});
  ~ThunderstormCsvWriter();
  ThunderstormCsvWriter(ThunderstormCsvWriter&&) noexcept;
  ThunderstormCsvWriter& operator=(ThunderstormCsvWriter&&) noexcept;

  // Appends the table's rows in table order. Throws smlm::Error naming `path` when the table's
  // columns differ from the layout's, a write fails, or after close().
  void write(const LocalizationTable& rows);
  // Rows written so far (over all tables).
  int64_t rows_written() const;
  // Flushes, closes and renames the file into place; throws if that fails or if called twice.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What the reader does with a row whose field count differs from the header's.
enum class MalformedRows {
  refuse,  // an Error naming the file and line (the default: a short or long row means the
           // columns no longer line up, and a silently smaller table is lost data)
  skip,    // ThunderSTORM's behaviour: drop the row, count it in the CsvReadReport
};

struct CsvReadReport {
  int64_t rows = 0;          // rows read into the table
  int64_t skipped_rows = 0;  // rows dropped because their field count differs from the header's
  std::string first_skip_reason;  // e.g. "line 12: 7 fields, expected 8"; empty if none skipped
};

// Reads a ThunderSTORM CSV (any version) or a plain CSV with the same kind of header, such as
// `frame,x [nm],y [nm]`.
//
// Header: the first line. Labels may be quoted; a label's unit is the text in its last [...].
// "uncertainty [nm]" (ThunderSTORM 1.3) becomes uncertainty_xy; "id" and unlabeled columns (a
// trailing comma) are ignored (not kept). Columns keep their file order and unit, except:
//  - length columns (x, y, z, sigma, sigma1, sigma2, uncertainty_xy, uncertainty_z) are stored
//    in nm: "nm" is kept, "um"/"µm" is multiplied by 1000, a missing unit is taken as nm; any
//    other unit ("px" included: the pixel size is unknown here) is an Error;
//  - a known column without a unit gets its default unit (default_unit());
//  - frame is converted to 0-based (file value - 1; "1.0" is accepted).
// frame, x and y are required: otherwise Error "<path>: missing column 'x [nm]'".
// Values: decimal or exponent form ("1.0E-5"), optionally quoted or padded with blanks; NaN,
// Infinity, -Infinity (any case, also "inf"). Blank lines are ignored; a trailing "\r" is
// stripped; a UTF-8 byte-order mark is skipped.
// A row whose field count differs from the header's is an Error
// ("<path>:<line>: 2 fields, expected 3 as in the header") unless `malformed` is skip: then it is
// dropped and counted in `report`, as ThunderSTORM does. Errors (smlm::Error, message
// "<path>:<line>: ..." or "<path>: ..."): the file cannot be opened, it is empty (no header), a
// value is not a number, a column appears twice, a row is malformed (refuse), or every data row
// was skipped (skip). A header-only file gives an empty table with its columns.
// The file is read in large chunks and parsed with std::from_chars; millions of rows take
// about a second.
LocalizationTable read_thunderstorm_csv(const std::string& path, CsvReadReport* report = nullptr,
                                        MalformedRows malformed = MalformedRows::refuse);

}  // namespace smlm::io
