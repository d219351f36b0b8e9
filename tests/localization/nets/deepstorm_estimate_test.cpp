// --like: the classic pass recovers background, PSF sigma, photons and density of a simulated
// movie within ~25 %, and turns them into training settings.
#include <gtest/gtest.h>

#include <cmath>

#include "localization/nets/deepstorm/estimate.h"
#include "simulation/movie_simulator.h"

namespace smlm::localization::nets::deepstorm {
namespace {

TEST(DeepStormEstimate, RecoversTheSimulationSettings) {
  simulation::SimulationSettings s;
  s.width = s.height = 64;
  s.frames = 40;
  s.density = 0.4;
  s.photons = 1500;
  s.background = 30;
  s.psf_sigma_nm = 140;
  s.k_on = 0.02;
  s.k_off = 0.1;  // long on-times: few partial-frame appearances
  s.camera.baseline_adu = 100;
  s.camera.photons_per_adu = 2;
  s.seed = 5;
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> frames;
  LocalizationTable truth;
  ImageF f;
  while (sim.next(f, truth)) frames.push_back(f);
  const double true_density =
      truth.size() / (s.frames * std::pow(s.width * s.camera.pixel_size_nm * 1e-3, 2));

  const MovieEstimate e = estimate_movie(frames, s.camera);
  std::printf("%s(truth: density %.3f)\n", e.describe().c_str(), true_density);
  EXPECT_NEAR(e.background, s.background, 0.2 * s.background);
  EXPECT_NEAR(e.psf_sigma_nm, s.psf_sigma_nm, 0.2 * s.psf_sigma_nm);
  EXPECT_NEAR(e.photons, s.photons, 0.25 * s.photons);
  EXPECT_NEAR(e.density, true_density, 0.3 * true_density);

  const DataSettings d = data_settings_like(e, s.camera);
  EXPECT_EQ(d.psf_sigma_nm, e.psf_sigma_nm);
  EXPECT_EQ(d.density, e.density);
  EXPECT_EQ(d.camera.photons_per_adu, 2);
  EXPECT_GE(d.photon_spread, 0.1);
  EXPECT_LE(d.photon_spread, 0.8);
  EXPECT_NO_THROW(d.validate());
}

}  // namespace
}  // namespace smlm::localization::nets::deepstorm
