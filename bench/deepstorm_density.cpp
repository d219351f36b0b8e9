// Deep-STORM against the classic MLE pipeline over emitter density: trains a model for a bounded
// time, simulates one movie per density (1–6 emitters/µm²), localizes it with both (and with
// Deep-STORM + MLE refinement) and prints a Markdown table of Jaccard index and lateral RMSE.
// Usage: deepstorm_density [train_seconds=600] [frames=20] [upsampling=4]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "localization/localizer.h"
#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/deepstorm/trainer.h"
#include "reconstruction/evaluate.h"
#include "simulation/movie_simulator.h"

namespace ds = smlm::localization::nets::deepstorm;
using namespace smlm;

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 600;
  const int frames = argc > 2 ? std::atoi(argv[2]) : 20;
  const int upsampling = argc > 3 ? std::atoi(argv[3]) : 4;
  const double sigma_nm = 120, photons = 2000, background = 20;

  ds::TrainSettings ts;
  ts.net.upsampling = upsampling;
  ts.net.widths = {16, 32, 64, 256};
  ts.data.patch = 26;
  ts.data.psf_sigma_nm = sigma_nm;
  ts.data.photons = photons;
  ts.data.photon_spread = 0.6;
  ts.data.background = background;
  ts.data.density = 3.5;
  ts.batch = 16;
  ds::Trainer trainer(ts);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  while (elapsed() < budget) {
    trainer.step();
    if (trainer.steps_done() % ts.epoch_steps == 0) {
      const double v = trainer.end_epoch();
      std::fprintf(stderr, "step %lld validation %.4g lr %.2g (%.0f s)\n",
                   static_cast<long long>(trainer.steps_done()), v, trainer.lr(), elapsed());
    }
  }
  const double train_s = elapsed();
  std::printf(
      "Model: upsampling %d, widths 16/32/64/256, 26x26 patches, batch 16, density 3.5, "
      "%lld steps in %.0f s (%.2f steps/s), validation loss %.4g.\n\n",
      upsampling, static_cast<long long>(trainer.steps_done()), train_s,
      trainer.steps_done() / train_s, trainer.validation_loss());
  const std::string path = "deepstorm_density_model.h5";
  trainer.save(path);

  std::printf(
      "| density /µm² | emitters | Deep-STORM JI | RMSE nm | DS+MLE JI | RMSE nm | MLE JI "
      "| RMSE nm | DS s/frame |\n|---|---|---|---|---|---|---|---|---|\n");
  for (double density : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}) {
    simulation::SimulationSettings s;
    s.width = s.height = 64;
    s.frames = frames;
    s.density = density;
    s.photons = photons;
    s.background = background;
    s.psf_sigma_nm = sigma_nm;
    s.seed = 100 + static_cast<uint64_t>(density);
    simulation::MovieSimulator sim(s);
    std::vector<ImageF> movie;
    LocalizationTable truth;
    ImageF f;
    while (sim.next(f, truth)) movie.push_back(f);

    reconstruction::MatchSettings ms;  // 250 nm
    ds::DeepStormSettings dss;
    ds::DeepStormLocalizer net(s.camera, path, dss);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e_ds = reconstruction::evaluate(net.localize(movie, 0), truth, ms);
    const double per_frame =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / frames;
    dss.refine = ds::Refine::mle;
    ds::DeepStormLocalizer refined(s.camera, path, dss);
    const auto e_dm = reconstruction::evaluate(refined.localize(movie, 0), truth, ms);
    localization::LocalizeSettings ls;
    ls.fit.initial_sigma_px = sigma_nm / s.camera.pixel_size_nm;
    localization::Localizer classic(s.camera, ls);
    const auto e_mle = reconstruction::evaluate(classic.localize(movie, 0), truth, ms);
    std::printf("| %.0f | %zu | %.3f | %.1f | %.3f | %.1f | %.3f | %.1f | %.2f |\n", density,
                truth.size(), e_ds.jaccard, e_ds.rmse_lateral_nm, e_dm.jaccard,
                e_dm.rmse_lateral_nm, e_mle.jaccard, e_mle.rmse_lateral_nm, per_frame);
    std::fflush(stdout);
  }
  return 0;
}
