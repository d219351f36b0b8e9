// ThunderSTORM CSV reader and writer: a chunked parsing loop over std::from_chars
// with no per-field allocation, and a writer of shortest round-trip decimals through AtomicFile.
#include "io/thunderstorm_csv.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace smlm::io {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// ThunderSTORM's column order; other columns follow in table order.
constexpr std::array<std::string_view, 14> kKnownOrder = {
    col::frame,         col::x,         col::y,      col::z,      col::sigma, col::sigma1,
    col::sigma2,        col::intensity, col::offset, col::bkgstd, col::chi2,  col::uncertainty_xy,
    col::uncertainty_z, col::detections};

// Long enough for the shortest fixed-notation form of any double (at most ~330 characters).
constexpr size_t kNumberChars = 512;

char* append_literal(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* format_number(char* p, double v) {
  if (std::isnan(v)) return append_literal(p, "NaN");
  if (std::isinf(v)) return append_literal(p, v > 0 ? "Infinity" : "-Infinity");
  const auto r = std::to_chars(p, p + kNumberChars, v, std::chars_format::fixed);
  SMLM_ASSERT(r.ec == std::errc());
  return r.ptr;
}

std::string header_label(std::string_view name, std::string_view unit) {
  std::string s = "\"";
  s += name;
  if (!unit.empty()) {
    s += " [";
    s += unit;
    s += ']';
  }
  s += '"';
  return s;
}

bool writable_label_part(std::string_view s) {
  return s.find_first_of("\",[]\r\n") == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
  return s;
}

// Parses one field; false if it is not a number. Accepts what ThunderSTORM and Java write
// (decimal, exponent "1.0E-5", NaN, Infinity) plus a leading '+', quotes and blanks.
bool parse_number(std::string_view s, double& out) {
  s = unquote(s);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  if (r.ptr != end) return false;
  if (r.ec == std::errc()) return true;
  if (r.ec != std::errc::result_out_of_range) return false;
  // Underflow or overflow (1e-400, 1e400): strtod gives 0 or infinity, as Java would.
  const std::string copy(s);
  out = std::strtod(copy.c_str(), nullptr);
  return true;
}

// Length units accepted for nm columns, and their factor to nm.
bool length_factor(std::string_view unit, double& factor) {
  if (unit.empty() || unit == "nm") {
    factor = 1.0;
    return true;
  }
  if (unit == "um" || unit == "\xC2\xB5m" || unit == "\xCE\xBCm" || unit == "micron") {
    factor = 1000.0;
    return true;
  }
  return false;
}

std::string shorten(std::string_view s) {
  constexpr size_t kMax = 40;
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

struct FileColumn {
  std::string name, unit, label;  // label as in the file, for messages
  bool ignored = false;           // "id", or no label (a trailing comma)
  double scale = 1.0, shift = 0.0;
  std::vector<double> values;
};

class Reader {
 public:
  Reader(const std::string& path, MalformedRows malformed) : path_(path), malformed_(malformed) {}

  LocalizationTable read(CsvReadReport* report);

 private:
  void line(std::string_view s);
  void header(std::string_view s);
  void row(std::string_view s);

  const std::string& path_;
  MalformedRows malformed_;
  int64_t line_no_ = 0;
  bool have_header_ = false;
  size_t reserve_rows_ = 0;
  std::vector<FileColumn> cols_;
  int64_t rows_ = 0, skipped_ = 0;
  std::string first_skip_;
};

void Reader::header(std::string_view s) {
  if (s.size() >= 3 && std::memcmp(s.data(), "\xEF\xBB\xBF", 3) == 0) s.remove_prefix(3);
  while (true) {
    const size_t comma = s.find(',');
    const std::string_view label = unquote(s.substr(0, comma));
    FileColumn c;
    c.label = std::string(label);
    std::string_view name = label, unit;
    const size_t open = label.rfind('[');
    if (open != std::string_view::npos) {
      const size_t close = label.find(']', open);
      if (close != std::string_view::npos) {
        name = trim(label.substr(0, open));
        unit = trim(label.substr(open + 1, close - open - 1));
      }
    }
    if (name == "uncertainty") name = col::uncertainty_xy;  // ThunderSTORM 1.3
    c.name = std::string(name);
    if (name == col::id || name.empty()) {  // empty: a trailing comma
      c.ignored = true;
    } else if (name == col::frame) {
      c.shift = -1.0;
    } else if (default_unit(name) == "nm") {
      SMLM_CHECK(length_factor(unit, c.scale),
                 path_ << ": column '" << label << "' is in '" << unit
                       << "'; lengths must be in nm or um (the pixel size is not known here)");
      unit = "nm";
    }
    c.unit = std::string(unit);
    for (const auto& other : cols_)
      SMLM_CHECK(c.ignored || other.name != c.name,
                 path_ << ":" << line_no_ << ": column '" << c.name << "' appears twice");
    if (!c.ignored) c.values.reserve(reserve_rows_);
    cols_.push_back(std::move(c));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  for (std::string_view required : {col::frame, col::x, col::y}) {
    const bool found = std::any_of(cols_.begin(), cols_.end(),
                                   [&](const FileColumn& c) { return c.name == required; });
    const std::string_view unit = default_unit(required);
    SMLM_CHECK(found, path_ << ": missing column '" << required << (unit.empty() ? "" : " [")
                            << unit << (unit.empty() ? "" : "]") << "'");
  }
  have_header_ = true;
}

void Reader::row(std::string_view s) {
  const size_t fields = static_cast<size_t>(std::count(s.begin(), s.end(), ',')) + 1;
  if (fields != cols_.size()) {
    SMLM_CHECK(malformed_ == MalformedRows::skip,
               path_ << ":" << line_no_ << ": " << fields << " fields, expected " << cols_.size()
                     << " as in the header (a damaged or hand-edited row)");
    if (skipped_++ == 0)
      first_skip_ = "line " + std::to_string(line_no_) + ": " + std::to_string(fields) +
                    " fields, expected " + std::to_string(cols_.size());
    return;
  }
  const char* p = s.data();
  const char* const end = p + s.size();
  for (FileColumn& c : cols_) {
    const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
    const char* field_end = comma ? comma : end;
    if (!c.ignored) {
      double v;
      const std::string_view field(p, field_end - p);
      SMLM_CHECK(parse_number(field, v), path_ << ":" << line_no_ << ": cannot read '"
                                               << shorten(trim(field)) << "' as a number (column '"
                                               << c.label << "')");
      // Untransformed columns skip the arithmetic, which would turn -0 into +0.
      c.values.push_back(c.scale == 1.0 && c.shift == 0.0 ? v : v * c.scale + c.shift);
    }
    p = field_end + 1;
  }
  ++rows_;
}

void Reader::line(std::string_view s) {
  ++line_no_;
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  if (s.find_first_not_of(" \t") == std::string_view::npos) return;  // blank line
  if (have_header_)
    row(s);
  else
    header(s);
}

LocalizationTable Reader::read(CsvReadReport* report) {
  FilePtr f(std::fopen(path_.c_str(), "rb"));
  SMLM_CHECK(f != nullptr, path_ << ": cannot open: " << std::strerror(errno));
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path_, ec);

  // A small file gets a buffer of its own size, not 8 MB to clear (a longer line still grows it).
  constexpr size_t kChunk = size_t{8} << 20;
  std::vector<char> buf(ec ? kChunk : std::clamp<size_t>(file_size + 1, 4096, kChunk));
  size_t begin = 0, end = 0;
  bool eof = false, first_chunk = true;
  while (!eof) {
    if (begin > 0) {
      std::memmove(buf.data(), buf.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    const size_t n = std::fread(buf.data() + end, 1, buf.size() - end, f.get());
    if (n == 0) {
      SMLM_CHECK(!std::ferror(f.get()), path_ << ": read error: " << std::strerror(errno));
      eof = true;
    }
    end += n;
    if (first_chunk && end > 0) {
      // Estimates the row count from the first chunk's mean line length, so that the column
      // vectors grow once.
      first_chunk = false;
      const auto lines = static_cast<size_t>(std::count(buf.data(), buf.data() + end, '\n'));
      if (!ec && lines > 1 && file_size > end)
        reserve_rows_ = std::min<size_t>(
            static_cast<size_t>(static_cast<double>(file_size) * lines / end * 1.02),
            file_size / 6);  // "1,1,1\n" is the shortest possible row
      else
        reserve_rows_ = lines + 1;
    }
    while (begin < end) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + begin, '\n', end - begin));
      if (nl == nullptr) {
        if (eof) {
          line(std::string_view(buf.data() + begin, end - begin));
          begin = end;
        }
        break;
      }
      const size_t stop = static_cast<size_t>(nl - buf.data());
      line(std::string_view(buf.data() + begin, stop - begin));
      begin = stop + 1;
    }
  }

  SMLM_CHECK(have_header_, path_ << ": empty file, expected a CSV header line such as "
                                    "\"frame\",\"x [nm]\",\"y [nm]\"");
  SMLM_CHECK(rows_ > 0 || skipped_ == 0, path_ << ": no readable rows: all " << skipped_
                                               << " rows have the wrong number of fields ("
                                               << first_skip_ << ")");

  LocalizationTable table;
  for (const FileColumn& c : cols_)
    if (!c.ignored) table.add_column(c.name, 0.0, c.unit);
  for (FileColumn& c : cols_)
    if (!c.ignored) table[c.name] = std::move(c.values);
  table.resize(static_cast<size_t>(rows_));

  if (report != nullptr) {
    report->rows = rows_;
    report->skipped_rows = skipped_;
    report->first_skip_reason = first_skip_;
  }
  return table;
}

}  // namespace

struct ThunderstormCsvWriter::Impl {
  struct OutColumn {
    std::string name;    // empty: the generated id
    bool frame = false;  // written 1-based
    size_t index = 0;    // in the table being written
  };

  std::string path;
  std::vector<OutColumn> out;
  size_t table_columns = 0;  // every table written has the layout's column count
  std::optional<AtomicFile> file;
  FilePtr f;
  int64_t rows = 0;
  std::string text;       // pending output, flushed at kFlush
  std::vector<char> row;  // one row at its longest
  bool closed = false;

  static constexpr size_t kFlush = size_t{1} << 20;

  void flush() {
    SMLM_CHECK(std::fwrite(text.data(), 1, text.size(), f.get()) == text.size(),
               path << ": write failed: " << std::strerror(errno));
    text.clear();
  }
};

ThunderstormCsvWriter::ThunderstormCsvWriter(const std::string& path,
                                             const LocalizationTable& layout,
                                             const CsvWriteOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.table_columns = layout.num_columns();
  const auto& columns = layout.columns();
  auto find = [&](std::string_view name) -> const LocalizationTable::Column* {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  // The header, checked before the file is created so that a bad name leaves nothing behind.
  std::string header;
  auto label = [&](const LocalizationTable::Column& c) {
    SMLM_CHECK(!c.name.empty() && writable_label_part(c.name) && writable_label_part(c.unit),
               path << ": cannot write column '" << c.name << "' [" << c.unit
                    << "]: names and units must not contain commas, quotes, brackets or line "
                       "breaks");
    if (!m.out.empty()) header += ',';
    header += header_label(c.name, c.unit);
    m.out.push_back({c.name, c.name == col::frame, 0});
  };
  if (options.write_id) {
    if (const auto* id = find(col::id)) {
      label(*id);
    } else {
      header += header_label(col::id, "");
      m.out.push_back({});
    }
  }
  for (std::string_view name : kKnownOrder)
    if (const auto* c = find(name)) label(*c);
  for (const auto& c : columns) {
    const bool known = c.name == col::id || std::find(kKnownOrder.begin(), kKnownOrder.end(),
                                                      c.name) != kKnownOrder.end();
    if (!known) label(c);
  }
  header += '\n';

  m.file.emplace(path);
  m.f.reset(std::fopen(m.file->temp_path().c_str(), "wb"));
  SMLM_CHECK(m.f != nullptr, path << ": cannot create: " << std::strerror(errno));
  m.text = std::move(header);
  m.row.resize((m.out.size() + 1) * (kNumberChars + 1));
}

ThunderstormCsvWriter::~ThunderstormCsvWriter() = default;
ThunderstormCsvWriter::ThunderstormCsvWriter(ThunderstormCsvWriter&&) noexcept = default;
ThunderstormCsvWriter& ThunderstormCsvWriter::operator=(ThunderstormCsvWriter&&) noexcept = default;

void ThunderstormCsvWriter::write(const LocalizationTable& table) {
  Impl& m = *impl_;
  SMLM_CHECK(!m.closed, m.path << ": write after close");
  SMLM_CHECK(table.num_columns() == m.table_columns,
             m.path << ": a table of " << table.num_columns() << " columns, expected "
                    << m.table_columns << " (the first table's)");
  const auto& columns = table.columns();
  std::vector<const double*> values(m.out.size(), nullptr);  // null: generated id
  for (size_t i = 0; i < m.out.size(); ++i) {
    if (m.out[i].name.empty()) continue;
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const auto& c) { return c.name == m.out[i].name; });
    SMLM_CHECK(it != columns.end(),
               m.path << ": the table has no column '" << m.out[i].name << "' (the first had)");
    values[i] = it->values.data();
  }
  for (size_t r = 0; r < table.size(); ++r) {
    char* p = m.row.data();
    for (size_t i = 0; i < m.out.size(); ++i) {
      if (i > 0) *p++ = ',';
      if (values[i] == nullptr) {
        p = std::to_chars(p, p + kNumberChars, m.rows + static_cast<int64_t>(r) + 1).ptr;
      } else {
        const double v = values[i][r];
        p = format_number(p, m.out[i].frame ? v + 1.0 : v);
      }
    }
    *p++ = '\n';
    m.text.append(m.row.data(), p);
    if (m.text.size() >= Impl::kFlush) m.flush();
  }
  m.rows += static_cast<int64_t>(table.size());
}

int64_t ThunderstormCsvWriter::rows_written() const { return impl_->rows; }

void ThunderstormCsvWriter::close() {
  Impl& m = *impl_;
  SMLM_CHECK(!m.closed, m.path << ": closed twice");
  m.closed = true;
  m.flush();
  std::FILE* raw = m.f.release();
  SMLM_CHECK(std::fclose(raw) == 0, m.path << ": write failed: " << std::strerror(errno));
  m.file->commit();
}

void write_thunderstorm_csv(const std::string& path, const LocalizationTable& table,
                            const CsvWriteOptions& options) {
  ThunderstormCsvWriter writer(path, table, options);
  writer.write(table);
  writer.close();
}

LocalizationTable read_thunderstorm_csv(const std::string& path, CsvReadReport* report,
                                        MalformedRows malformed) {
  return Reader(path, malformed).read(report);
}

}  // namespace smlm::io
