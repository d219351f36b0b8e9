#include "core/localization_table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace smlm {

std::string_view default_unit(std::string_view n) {
  if (n == col::x || n == col::y || n == col::z || n == col::sigma || n == col::sigma1 ||
      n == col::sigma2 || n == col::uncertainty_xy || n == col::uncertainty_z ||
      n == col::uncertainty_x || n == col::uncertainty_y)
    return "nm";
  if (n == col::intensity || n == col::offset || n == col::bkgstd ||
      n == col::uncertainty_intensity)
    return "photon";
  return "";
}

const LocalizationTable::Column* LocalizationTable::find(std::string_view name) const {
  for (const auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

LocalizationTable::Column* LocalizationTable::find(std::string_view name) {
  for (auto& c : columns_)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<double>& LocalizationTable::operator[](std::string_view name) {
  Column* c = find(name);
  SMLM_CHECK(c != nullptr, "localization table has no column '" << name << "'");
  return c->values;
}

const std::vector<double>& LocalizationTable::operator[](std::string_view name) const {
  const Column* c = find(name);
  SMLM_CHECK(c != nullptr, "localization table has no column '" << name << "'");
  return c->values;
}

std::vector<double>& LocalizationTable::add_column(std::string_view name, double fill,
                                                   std::string_view unit) {
  if (Column* c = find(name)) return c->values;
  Column c{std::string(name), std::string(unit.empty() ? default_unit(name) : unit),
           std::vector<double>(rows_, fill)};
  columns_.push_back(std::move(c));
  return columns_.back().values;
}

void LocalizationTable::remove_column(std::string_view name) {
  std::erase_if(columns_, [&](const Column& c) { return c.name == name; });
}

void LocalizationTable::resize(size_t rows) {
  for (auto& c : columns_) c.values.resize(rows, std::numeric_limits<double>::quiet_NaN());
  rows_ = rows;
}

void LocalizationTable::reserve(size_t rows) {
  for (auto& c : columns_) c.values.reserve(rows);
}

void LocalizationTable::append(const LocalizationTable& other) {
  if (columns_.empty() && rows_ == 0) {
    *this = other;  // also the columns of an empty table: a table with no rows keeps its header
    return;
  }
  if (other.empty()) return;
  SMLM_CHECK(other.columns_.size() == columns_.size(),
             "cannot append tables with different columns");
  for (auto& c : columns_) {
    const Column* o = other.find(c.name);
    SMLM_CHECK(o != nullptr, "cannot append: the other table has no column '" << c.name << "'");
    c.values.insert(c.values.end(), o->values.begin(), o->values.end());
  }
  rows_ += other.rows_;
}

void LocalizationTable::filter(const std::vector<bool>& keep) {
  SMLM_ASSERT(keep.size() == rows_);
  size_t kept = 0;
  for (auto& c : columns_) {
    size_t j = 0;
    for (size_t i = 0; i < rows_; ++i)
      if (keep[i]) c.values[j++] = c.values[i];
    c.values.resize(j);
    kept = j;
  }
  rows_ = columns_.empty() ? static_cast<size_t>(std::count(keep.begin(), keep.end(), true)) : kept;
}

void LocalizationTable::sort_by_frame() {
  const Column* f = find(col::frame);
  if (f == nullptr) return;
  std::vector<size_t> order(rows_);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return f->values[a] < f->values[b]; });
  for (auto& c : columns_) {
    std::vector<double> v(rows_);
    for (size_t i = 0; i < rows_; ++i) v[i] = c.values[order[i]];
    c.values = std::move(v);
  }
}

}  // namespace smlm
