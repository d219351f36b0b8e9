// --like: the classic pipeline's view of a movie, summarized into simulation settings.
#include "localization/nets/deepstorm/estimate.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "localization/localizer.h"

namespace smlm::localization::nets::deepstorm {

namespace {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - i;
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

}  // namespace

std::string MovieEstimate::describe() const {
  std::ostringstream o;
  o << "  frames analysed      " << frames << " (" << localizations << " localizations, "
    << isolated << " isolated)\n"
    << "  background           " << background << " photons/px (spread +-" << background_spread
    << ")\n"
    << "  PSF sigma            " << psf_sigma_nm << " nm\n"
    << "  photons              " << photons << " (10%: " << photons_q10 << ", 90%: " << photons_q90
    << ")\n"
    << "  density              " << density << " emitters/um^2/frame\n";
  return o.str();
}

MovieEstimate estimate_movie(const std::vector<ImageF>& frames, const CameraModel& camera,
                             const EstimateSettings& s) {
  SMLM_CHECK(!frames.empty(), "no frames to estimate the simulation settings from");
  LocalizeSettings ls;
  ls.detection.threshold = s.threshold;
  ls.fit.initial_sigma_px = s.initial_sigma_nm / camera.pixel_size_nm;
  Localizer localizer(camera, ls);
  const LocalizationTable t = localizer.localize(frames, 0);
  SMLM_CHECK(!t.empty(),
             "the classic pass found no molecules in the " << frames.size() << " frames analysed");
  MovieEstimate e;
  e.frames = static_cast<int64_t>(frames.size());
  e.localizations = static_cast<int64_t>(t.size());
  const auto& fr = t[col::frame];
  const auto& x = t[col::x];
  const auto& y = t[col::y];
  const double sigma_all = quantile(t[col::sigma], 0.5);
  const double min_dist = s.isolation_sigmas * sigma_all;
  std::vector<double> sigma, photons;
  // Rows come grouped by frame: compare within each group.
  for (size_t a = 0, b = 0; a < t.size(); a = b) {
    while (b < t.size() && fr[b] == fr[a]) ++b;
    for (size_t i = a; i < b; ++i) {
      bool alone = true;
      for (size_t j = a; j < b && alone; ++j)
        alone = j == i || std::hypot(x[i] - x[j], y[i] - y[j]) > min_dist;
      if (!alone) continue;
      sigma.push_back(t[col::sigma][i]);
      photons.push_back(t[col::intensity][i]);
    }
  }
  if (sigma.empty()) {  // crowded: take everything
    sigma = t[col::sigma];
    photons = t[col::intensity];
  }
  e.isolated = static_cast<int64_t>(sigma.size());
  const auto& offset = t[col::offset];
  e.background = quantile(offset, 0.5);
  e.background_spread = 0.5 * (quantile(offset, 0.9) - quantile(offset, 0.1));
  e.psf_sigma_nm = quantile(sigma, 0.5);
  e.photons = quantile(photons, 0.5);
  e.photons_q10 = quantile(photons, 0.1);
  e.photons_q90 = quantile(photons, 0.9);
  double area_um2 = 0;
  for (const ImageF& f : frames)
    area_um2 += f.width() * f.height() * std::pow(camera.pixel_size_nm * 1e-3, 2);
  e.density = s.missed_factor * static_cast<double>(t.size()) / area_um2;
  return e;
}

DataSettings data_settings_like(const MovieEstimate& e, const CameraModel& camera,
                                const DataSettings& base) {
  DataSettings d = base;
  d.camera = camera;
  d.psf_sigma_nm = e.psf_sigma_nm;
  d.background = e.background;
  d.photons = e.photons;
  const double spread = e.photons > 0 ? (e.photons_q90 - e.photons_q10) / (2 * e.photons) : 0.5;
  d.photon_spread = std::clamp(spread, 0.1, 0.8);
  d.density = e.density;
  return d;
}

}  // namespace smlm::localization::nets::deepstorm
