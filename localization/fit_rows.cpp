#include "localization/fit_rows.h"

#include <cmath>

#include "core/error.h"
#include "psf/integrated_gaussian.h"

namespace smlm::localization {

namespace {
using G = psf::IntegratedGaussian;
constexpr int kZ = psf::AstigmaticGaussian::kZ;
}  // namespace

FitRows::FitRows(const CameraModel& camera)
    : camera_(camera), names_{col::frame,         col::x,      col::y,      col::sigma,
                              col::intensity,     col::offset, col::bkgstd, col::uncertainty_xy,
                              col::loglikelihood, col::p_value} {}

FitRows::FitRows(const CameraModel& camera, double z_pixel_nm,
                 const psf::AstigmaticGaussian* astigmatic)
    : camera_(camera), is_3d_(true), astig_(astigmatic != nullptr), z_pixel_nm_(z_pixel_nm) {
  if (astig_) astigmatic_ = *astigmatic;
  names_ = {col::frame, col::x, col::y, col::z};
  if (astig_) names_.insert(names_.end(), {col::sigma1, col::sigma2});
  names_.insert(names_.end(), {col::intensity, col::offset, col::bkgstd, col::uncertainty_xy,
                               col::uncertainty_z, col::loglikelihood, col::p_value});
}

LocalizationTable FitRows::table(size_t rows) const {
  LocalizationTable t;
  for (std::string_view name : names_) t.add_column(name);
  t.resize(rows);
  return t;
}

void FitRows::write(LocalizationTable& t, size_t row, int64_t frame, int x0, int y0,
                    const FitResult& fit) const {
  SMLM_ASSERT(t.num_columns() == names_.size() && row < t.size());
  const double px = camera_.pixel_size_nm, qe = camera_.qe;
  const double excess = camera_.excess_noise_factor();
  const double* th = fit.theta;
  size_t c = 0;
  auto put = [&](double v) { t.values(c++)[row] = v; };
  put(static_cast<double>(frame));
  put((x0 + th[G::kX] + 0.5) * px);
  put((y0 + th[G::kY] + 0.5) * px);
  if (is_3d_) {
    put(th[kZ] * z_pixel_nm_);
    if (astig_) {
      double sx, sy, dsx, dsy;
      astigmatic_.sigmas(th[kZ], sx, sy, dsx, dsy);
      put(sx * px);
      put(sy * px);
    }
  } else {
    put(th[G::kSigma] * px);
  }
  put(th[G::kN] / qe);
  put(th[G::kBg] / qe);
  put(fit.bkgstd / qe);
  put(std::sqrt(0.5 * (fit.crlb[G::kX] + fit.crlb[G::kY]) * excess) * px);
  if (is_3d_) put(std::sqrt(fit.crlb[kZ] * excess) * z_pixel_nm_);
  put(fit.log_likelihood);
  put(fit.p_value);
}

}  // namespace smlm::localization
