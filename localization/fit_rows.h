// FitRows: the one place where an MLE fit becomes a table row — the columns of the 2D and 3D
// tables, and the conversions from a fit in ROI pixels and photoelectrons to nm and photons
// (x = (x0 + θx + ½)·pixel, intensity = N/QE, uncertainty_xy = √((CRLBx + CRLBy)/2 · excess)·
// pixel, …). The classic Localizer and every net's MLE refinement write through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/camera.h"
#include "core/localization_table.h"
#include "localization/mle_fit.h"
#include "psf/astigmatic_gaussian.h"

namespace smlm::localization {

class FitRows {
 public:
  // 2D, the integrated Gaussian: θ = (x, y, N, bg, σ). Columns: frame, x, y, sigma, intensity,
  // offset, bkgstd, uncertainty_xy, loglikelihood, p_value (goodness of fit, FitResult::p_value).
  explicit FitRows(const CameraModel& camera);
  // 3D: θ = (x, y, N, bg, z) with z in model pixels of `z_pixel_nm`. Columns: frame, x, y, z,
  // sigma1, sigma2 (only with an astigmatic model: its σx(z), σy(z)), intensity, offset, bkgstd,
  // uncertainty_xy, uncertainty_z [√(CRLB_z · excess)], loglikelihood, p_value.
  FitRows(const CameraModel& camera, double z_pixel_nm, const psf::AstigmaticGaussian* astigmatic);

  const std::vector<std::string_view>& columns() const { return names_; }
  // A table with these columns and `rows` rows (NaN until written).
  LocalizationTable table(size_t rows = 0) const;
  // Writes row `row` of `t` (made by table()): the fit of a ROI whose pixel (0, 0) is frame
  // pixel (x0, y0), in frame `frame` (0-based).
  void write(LocalizationTable& t, size_t row, int64_t frame, int x0, int y0,
             const FitResult& fit) const;
  // Appends that row.
  void append(LocalizationTable& t, int64_t frame, int x0, int y0, const FitResult& fit) const {
    t.resize(t.size() + 1);
    write(t, t.size() - 1, frame, x0, y0, fit);
  }

 private:
  CameraModel camera_;
  bool is_3d_ = false, astig_ = false;
  psf::AstigmaticGaussian astigmatic_{};
  double z_pixel_nm_ = 0;
  std::vector<std::string_view> names_;
};

}  // namespace smlm::localization
