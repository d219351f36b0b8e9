// LocalizationTable: the columnar list of molecule positions that every stage exchanges.
// Columns are named vectors of double, all of the same length. The well-known names below have
// fixed units (nm for lengths, photons for intensities); frames are counted from 0 in memory
// (io/ writes them from 1 where the ecosystem does). Unknown columns read from files are kept
// so that a table survives a round trip through smlm untouched.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smlm {

namespace col {
inline constexpr std::string_view id = "id";
inline constexpr std::string_view frame = "frame";          // 0-based
inline constexpr std::string_view x = "x";                  // nm, ThunderSTORM convention
inline constexpr std::string_view y = "y";                  // nm
inline constexpr std::string_view z = "z";                  // nm
inline constexpr std::string_view sigma = "sigma";          // nm, PSF sigma
inline constexpr std::string_view sigma1 = "sigma1";        // nm, astigmatic sigma x
inline constexpr std::string_view sigma2 = "sigma2";        // nm, astigmatic sigma y
inline constexpr std::string_view intensity = "intensity";  // photons in the PSF
inline constexpr std::string_view offset = "offset";        // photons per pixel (background)
inline constexpr std::string_view bkgstd = "bkgstd";        // photons, std of fit residuals
inline constexpr std::string_view chi2 = "chi2";
inline constexpr std::string_view uncertainty_xy = "uncertainty_xy";  // nm, lateral CRLB
inline constexpr std::string_view uncertainty_z = "uncertainty_z";    // nm
// Per-coordinate uncertainties (DECODE's predicted σs): nm, nm, photons.
inline constexpr std::string_view uncertainty_x = "uncertainty_x";
inline constexpr std::string_view uncertainty_y = "uncertainty_y";
inline constexpr std::string_view uncertainty_intensity = "uncertainty_intensity";
inline constexpr std::string_view probability = "probability";      // detection probability, 0…1
inline constexpr std::string_view loglikelihood = "loglikelihood";  // Poisson log-likelihood ratio
inline constexpr std::string_view detections = "detections";        // merged count
inline constexpr std::string_view molecule = "molecule";  // simulated molecule index (truth)
// Goodness of fit, 0…1: P(χ² ≥ deviance) under the fitted model (localization/gof.h).
inline constexpr std::string_view p_value = "p_value";
}  // namespace col

// The unit ThunderSTORM writes for a known column ("nm", "photon", or "" for none).
std::string_view default_unit(std::string_view name);

class LocalizationTable {
 public:
  struct Column {
    std::string name;
    std::string unit;
    std::vector<double> values;
  };

  size_t size() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  size_t num_columns() const { return columns_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  // The values of column `index` (in columns() order), for writers that fill rows by index.
  std::vector<double>& values(size_t index) { return columns_[index].values; }

  bool has(std::string_view name) const { return find(name) != nullptr; }
  // Throws smlm::Error when the column is missing.
  std::vector<double>& operator[](std::string_view name);
  const std::vector<double>& operator[](std::string_view name) const;
  // Returns the column, adding it (filled with `fill`) if it is missing.
  std::vector<double>& add_column(std::string_view name, double fill = 0.0,
                                  std::string_view unit = {});
  void remove_column(std::string_view name);

  // Resizes every column; new rows hold NaN.
  void resize(size_t rows);
  void reserve(size_t rows);
  // Appends the rows of `other`; both tables must have the same column names. A table without
  // columns takes `other`'s columns, even when `other` has no rows (so that an empty result
  // still writes its full header).
  void append(const LocalizationTable& other);
  // Keeps the rows whose mask is true, in order.
  void filter(const std::vector<bool>& keep);
  // Sorts rows by frame (stable), the order files are written in.
  void sort_by_frame();

 private:
  const Column* find(std::string_view name) const;
  Column* find(std::string_view name);

  std::vector<Column> columns_;
  size_t rows_ = 0;
};

}  // namespace smlm
