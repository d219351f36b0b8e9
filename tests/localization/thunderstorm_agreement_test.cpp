// The shared movie (../shared/data/thunderstorm) localized with ThunderSTORM 1.3's settings must
// find what ThunderSTORM found, at the same places: both are Poisson MLE of the same model on the
// same pixels, so the positions agree far below the localization precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "io/thunderstorm_csv.h"
#include "io/tiff_movie.h"
#include "localization/localizer.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"
#include "tests/test_util.h"

namespace smlm {
namespace {

LocalizationTable localize_shared_movie(const std::string& path) {
  CameraModel camera;  // 100 nm pixels, baseline 100 ADU, 1 e-/ADU, no EM gain
  localization::LocalizeSettings s;
  s.fit.roi_radius = 4;  // ThunderSTORM's fit radius 4 px
  s.fit.initial_sigma_px = 1.3;
  s.multi_emitter = false;  // ThunderSTORM's analysis fitted single emitters
  io::TiffMovieReader movie(path);
  localization::Localizer localizer(camera, s);
  LocalizationTable table;
  std::vector<ImageF> frames;
  for (int64_t first = 0; movie.read_batch(50, frames) > 0; first = movie.position())
    table.append(localizer.localize(frames, first));
  return table;
}

TEST(ThunderstormAgreement, SamePositionsAsThunderstorm13) {
  SMLM_REQUIRE_SHARED_DATA(movie, "thunderstorm/movie.tif");
  SMLM_REQUIRE_SHARED_DATA(theirs_path, "thunderstorm/thunderstorm-1.3-mle.csv");
  const LocalizationTable ours = localize_shared_movie(movie);
  const LocalizationTable theirs = io::read_thunderstorm_csv(theirs_path);
  const auto matches = reconstruction::match(ours, theirs, {50});
  // Detection may differ on a handful of crowded spots; the fits of the rest must coincide.
  EXPECT_GE(matches.size(), static_cast<size_t>(0.98 * theirs.size()));
  std::vector<double> d, photons;
  for (const auto& m : matches) {
    d.push_back(std::hypot(ours[col::x][m.loc] - theirs[col::x][m.truth],
                           ours[col::y][m.loc] - theirs[col::y][m.truth]));
    photons.push_back(ours[col::intensity][m.loc] / theirs[col::intensity][m.truth]);
  }
  std::sort(d.begin(), d.end());
  std::sort(photons.begin(), photons.end());
  EXPECT_LT(d[d.size() / 2], 0.1);         // nm; the CRLB here is ~6 nm
  EXPECT_LT(d[d.size() * 95 / 100], 0.5);  // nm
  EXPECT_NEAR(photons[photons.size() / 2], 1.0, 1e-3);
}

TEST(ThunderstormAgreement, AsAccurateAsThunderstormAgainstTruth) {
  SMLM_REQUIRE_SHARED_DATA(movie, "thunderstorm/movie.tif");
  SMLM_REQUIRE_SHARED_DATA(truth_path, "thunderstorm/truth.csv");
  SMLM_REQUIRE_SHARED_DATA(theirs_path, "thunderstorm/thunderstorm-1.3-mle.csv");
  const LocalizationTable truth = io::read_thunderstorm_csv(truth_path);
  const auto ours = reconstruction::evaluate(localize_shared_movie(movie), truth, {250});
  const auto theirs =
      reconstruction::evaluate(io::read_thunderstorm_csv(theirs_path), truth, {250});
  // ThunderSTORM: Jaccard 0.945, lateral RMSE 60.9 nm (shared/data/thunderstorm/README.md).
  EXPECT_NEAR(theirs.jaccard, 0.945, 0.001);
  EXPECT_GE(ours.jaccard, theirs.jaccard - 0.005);
  EXPECT_LE(ours.rmse_lateral_nm, theirs.rmse_lateral_nm + 3.0);
}

}  // namespace
}  // namespace smlm
