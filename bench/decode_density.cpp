// DECODE against Deep-STORM and the classic MLE pipeline, on movies of the simulator (another
// code path than DECODE's training samples: MovieSimulator's molecules and blinking).
//
//   decode_density 2d [decode_steps=2000] [deepstorm_steps=2500] [frames=20]
//     2D, σ 120 nm, 2000 photons, background 20, 64×64 frames, 1–6 emitters/µm² (the movies of
//     deepstorm_density): a 3-frame DECODE, a 1-frame DECODE of the same size and Deep-STORM
//     (step counts that take about the same time on an idle 2-core machine: a busy machine makes
//     time budgets unfair); Jaccard and RMSE per density, and for the temporal-context comparison
//     the recall of both DECODE models at equal precision (0.9, thresholds swept).
//   decode_density 3d PSF.h5 [decode_steps=4000] [deepstorm_steps=1500] [frames=20]
//     Astigmatic 3D with the cubic spline of PSF.h5 (from `smlm calibrate`) and the SMLM
//     Challenge camera (EMCCD gain 300, 45 e⁻/ADU, baseline 100, QE 0.9, 100 nm pixels), z in
//     −600…600 nm, 0.5–4 emitters/µm²: DECODE 3D against the spline MLE pipeline (and Deep-STORM
//     2D for the lateral columns); the calibration of DECODE's σs ((x − x_true)/σx) and its RMSE
//     against the spline model's CRLB at the truth.
// Prints Markdown tables (bench/RESULTS.md holds the measured ones).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "localization/crlb.h"
#include "localization/localizer.h"
#include "localization/nets/decode/decode_localizer.h"
#include "localization/nets/decode/trainer.h"
#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/deepstorm/trainer.h"
#include "localization/stream.h"
#include "psf/calibration.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/matching.h"
#include "simulation/movie_simulator.h"
#include "simulation/psf_spec.h"

namespace dc = smlm::localization::nets::decode;
namespace ds = smlm::localization::nets::deepstorm;
using namespace smlm;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Trains for `steps` steps; returns the path of the saved model.
template <class Trainer, class Report>
std::string train_for(Trainer& trainer, int64_t steps, int epoch_steps, const std::string& path,
                      const char* name, Report report) {
  const auto start = Clock::now();
  while (trainer.steps_done() < steps) {
    trainer.step();
    if (trainer.steps_done() % epoch_steps == 0)
      std::fprintf(stderr, "%s: step %lld, %s (%.0f s)\n", name,
                   static_cast<long long>(trainer.steps_done()), report().c_str(), since(start));
  }
  trainer.save(path);
  std::printf("%s: %lld steps in %.0f s (%.2f steps/s)\n", name,
              static_cast<long long>(trainer.steps_done()), since(start),
              trainer.steps_done() / since(start));
  return path;
}

std::string decode_report(dc::Trainer& t) {
  const auto v = t.end_epoch();
  char line[96];
  std::snprintf(line, sizeof line, "validation %.4g (count %.3g, loc %.4g)", v.value, v.count,
                v.localization);
  return line;
}

struct Movie {
  std::vector<ImageF> frames;
  LocalizationTable truth;
  simulation::SimulationSettings settings;
};

Movie simulate(const simulation::SimulationSettings& s) {
  Movie m;
  m.settings = s;
  simulation::MovieSimulator sim(s);
  ImageF f;
  while (sim.next(f, m.truth)) m.frames.push_back(f);
  return m;
}

// Runs any localizer over a movie held in memory, with its temporal context.
LocalizationTable run(localization::FrameLocalizer& loc, const Movie& m) {
  localization::GeneratedSource source(static_cast<int64_t>(m.frames.size()),
                                       [&](int64_t i, ImageF& f) { f = m.frames[i]; });
  LocalizationTable all = loc.empty_table();
  localization::StreamSettings ss;
  ss.batch_frames = 16;
  localization::run_stream(source, loc, ss, [&](LocalizationTable&& t) { all.append(t); });
  return all;
}

// Recall at the precision `target` over probability thresholds (DECODE's rows sorted by
// probability: the largest recall among thresholds whose precision reaches the target).
double recall_at_precision(const LocalizationTable& locs, const LocalizationTable& truth,
                           double target) {
  double best = 0;
  for (double th = 0.3; th <= 0.96; th += 0.05) {
    std::vector<bool> keep(locs.size());
    for (size_t i = 0; i < locs.size(); ++i) keep[i] = locs[col::probability][i] >= th;
    LocalizationTable kept = locs;
    kept.filter(keep);
    const auto e = reconstruction::evaluate(kept, truth, {});
    if (e.precision >= target) best = std::max(best, e.recall);
  }
  return best;
}

// Standard deviation of (loc − truth)/σ over matched pairs, for coordinate `c` and σ column `u`.
double z_score_sd(const LocalizationTable& locs, const LocalizationTable& truth, std::string_view c,
                  std::string_view u) {
  double s2 = 0;
  int n = 0;
  for (const auto& m : reconstruction::match(locs, truth, {})) {
    const double z = (locs[c][m.loc] - truth[c][m.truth]) / locs[u][m.loc];
    if (!std::isfinite(z)) continue;
    s2 += z * z;
    ++n;
  }
  return n ? std::sqrt(s2 / n) : NAN;
}

int run_2d(int64_t decode_steps, int64_t deepstorm_steps, int frames) {
  const double sigma_nm = 120, photons = 2000, background = 20;
  dc::TrainSettings ts;
  ts.net.width = 16;
  ts.data.patch = 32;
  ts.data.psf_sigma_nm = sigma_nm;
  ts.data.photons_min = 800, ts.data.photons_max = 3200;
  ts.data.background_min = 15, ts.data.background_max = 25;
  ts.data.density = 3;
  ts.epoch_steps = 200;
  std::string models[2];
  for (int frames_seen : {3, 1}) {
    dc::TrainSettings t = ts;
    t.net.frames = frames_seen;
    dc::Trainer trainer(t);
    const std::string name = "decode_" + std::to_string(frames_seen) + "frame";
    models[frames_seen == 3 ? 0 : 1] =
        train_for(trainer, decode_steps, t.epoch_steps, name + ".h5", name.c_str(),
                  [&] { return decode_report(trainer); });
  }
  ds::TrainSettings dts;
  dts.net.upsampling = 4;
  dts.net.widths = {16, 32, 64, 256};
  dts.data.patch = 26;
  dts.data.psf_sigma_nm = sigma_nm;
  dts.data.photons = photons;
  dts.data.photon_spread = 0.6;
  dts.data.background = background;
  dts.data.density = 3.5;
  ds::Trainer dtrainer(dts);
  const std::string ds_model =
      train_for(dtrainer, deepstorm_steps, dts.epoch_steps, "deepstorm_2d.h5", "deepstorm", [&] {
        char line[48];
        std::snprintf(line, sizeof line, "validation %.4g", dtrainer.end_epoch());
        return std::string(line);
      });

  std::printf(
      "\n| density /µm² | emitters | DECODE JI | RMSE nm | DECODE 1-frame JI | RMSE nm | "
      "Deep-STORM "
      "JI | RMSE nm | MLE JI | RMSE nm | recall @ precision 0.9: 3-frame | 1-frame | DECODE "
      "s/frame |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (double density : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}) {
    simulation::SimulationSettings s;
    s.width = s.height = 64;
    s.frames = frames;
    s.density = density;
    s.photons = photons;
    s.background = background;
    s.psf_sigma_nm = sigma_nm;
    s.seed = 100 + static_cast<uint64_t>(density);
    const Movie m = simulate(s);
    const reconstruction::MatchSettings ms;  // 250 nm
    dc::DecodeLocalizer d3(s.camera, models[0], {}), d1(s.camera, models[1], {});
    const auto t0 = Clock::now();
    const LocalizationTable l3 = run(d3, m);
    const double per_frame = since(t0) / frames;
    const LocalizationTable l1 = run(d1, m);
    const auto e3 = reconstruction::evaluate(l3, m.truth, ms);
    const auto e1 = reconstruction::evaluate(l1, m.truth, ms);
    // All rows above a low bar, for the recall-at-precision sweep.
    dc::DecodeSettings low;
    low.post.threshold = 0.3;
    dc::DecodeLocalizer d3l(s.camera, models[0], low), d1l(s.camera, models[1], low);
    const double r3 = recall_at_precision(run(d3l, m), m.truth, 0.9);
    const double r1 = recall_at_precision(run(d1l, m), m.truth, 0.9);
    ds::DeepStormLocalizer dsl(s.camera, ds_model, {});
    const auto eds = reconstruction::evaluate(dsl.localize(m.frames, 0), m.truth, ms);
    localization::LocalizeSettings ls;
    ls.fit.initial_sigma_px = sigma_nm / s.camera.pixel_size_nm;
    localization::Localizer classic(s.camera, ls);
    const auto emle = reconstruction::evaluate(classic.localize(m.frames, 0), m.truth, ms);
    std::printf(
        "| %.0f | %zu | %.3f | %.1f | %.3f | %.1f | %.3f | %.1f | %.3f | %.1f | %.3f | %.3f "
        "| %.3f |\n",
        density, m.truth.size(), e3.jaccard, e3.rmse_lateral_nm, e1.jaccard, e1.rmse_lateral_nm,
        eds.jaccard, eds.rmse_lateral_nm, emle.jaccard, emle.rmse_lateral_nm, r3, r1, per_frame);
    if (density == 1.0)
      std::printf("<!-- DECODE σ calibration at 1/µm²: sd (x-x0)/σx %.2f, (y-y0)/σy %.2f -->\n",
                  z_score_sd(l3, m.truth, col::x, col::uncertainty_x),
                  z_score_sd(l3, m.truth, col::y, col::uncertainty_y));
    std::fflush(stdout);
  }
  return 0;
}

// √(mean CRLB) of x, y (nm, per axis) and z over the matched truth emitters: the spline model's
// Fisher information at the truth (15×15 ROI, the emitter alone), EMCCD excess noise included.
void crlb_at_truth(const LocalizationTable& locs, const Movie& m, const psf::CubicSplinePsf& model,
                   double& lateral, double& axial) {
  const CameraModel& c = m.settings.camera;
  double sx = 0, sz = 0;
  int n = 0;
  for (const auto& p : reconstruction::match(locs, m.truth, {})) {
    const double x = m.truth[col::x][p.truth] / c.pixel_size_nm - 0.5;
    const double y = m.truth[col::y][p.truth] / c.pixel_size_nm - 0.5;
    const int r = 7;
    double theta[5];
    theta[psf::CubicSplinePsf::kX] = x - (std::floor(x + 0.5) - r);
    theta[psf::CubicSplinePsf::kY] = y - (std::floor(y + 0.5) - r);
    theta[psf::CubicSplinePsf::kN] = m.truth[col::intensity][p.truth] * c.qe;
    theta[psf::CubicSplinePsf::kBg] = m.settings.background * c.qe;
    theta[psf::CubicSplinePsf::kZ] = m.truth[col::z][p.truth] / c.pixel_size_nm;
    double crlb[5];
    if (!localization::model_crlb(model, theta, 2 * r + 1, 2 * r + 1, crlb)) continue;
    const double f2 = c.excess_noise_factor(), px2 = c.pixel_size_nm * c.pixel_size_nm;
    sx += 0.5 * f2 * (crlb[psf::CubicSplinePsf::kX] + crlb[psf::CubicSplinePsf::kY]) * px2;
    sz += f2 * crlb[psf::CubicSplinePsf::kZ] * px2;
    ++n;
  }
  lateral = n ? std::sqrt(sx / n) : NAN;
  axial = n ? std::sqrt(sz / n) : NAN;
}

int run_3d(const std::string& psf_path, int64_t decode_steps, int64_t deepstorm_steps, int frames) {
  CameraModel cam;
  cam.em_gain = 300, cam.photons_per_adu = 45, cam.baseline_adu = 100, cam.qe = 0.9;
  cam.read_noise_e = 74.4, cam.pixel_size_nm = 100;
  const double photons = 4000, background = 50, z_lo = -600, z_hi = 600;
  dc::TrainSettings ts;
  ts.net.width = 16;
  ts.net.dims = 4;
  ts.data.camera = cam;
  ts.data.psf_spec = "spline:" + psf_path;
  ts.data.z_min_nm = z_lo, ts.data.z_max_nm = z_hi;
  ts.data.patch = 32;
  ts.data.photons_min = 1500, ts.data.photons_max = 6500;
  ts.data.background_min = 30, ts.data.background_max = 70;
  ts.data.density = 2;
  ts.epoch_steps = 200;
  dc::Trainer trainer(ts);
  const std::string model = train_for(trainer, decode_steps, ts.epoch_steps, "decode_3d.h5",
                                      "decode 3D", [&] { return decode_report(trainer); });
  ds::TrainSettings dts;
  dts.net.upsampling = 4;
  dts.net.widths = {16, 32, 64, 256};
  dts.data.camera = cam;
  dts.data.patch = 26;
  dts.data.psf_sigma_nm = 150;  // the astigmatic spot's mean width over z, roughly
  dts.data.photons = photons;
  dts.data.photon_spread = 0.6;
  dts.data.background = background;
  dts.data.density = 2;
  ds::Trainer dtrainer(dts);
  const std::string ds_model =
      train_for(dtrainer, deepstorm_steps, dts.epoch_steps, "deepstorm_3d.h5", "deepstorm", [&] {
        char line[48];
        std::snprintf(line, sizeof line, "validation %.4g", dtrainer.end_epoch());
        return std::string(line);
      });

  auto cal = std::make_shared<psf::PsfCalibration>(psf::load_calibration(psf_path));
  const psf::CubicSplinePsf spline = cal->spline_model();
  std::printf(
      "\n| density /µm² | emitters | DECODE JI | lat RMSE nm | ax RMSE nm | MLE JI | lat RMSE nm | "
      "ax RMSE nm | Deep-STORM JI (2D) | lat RMSE nm | DECODE sd x/σx, y/σy, z/σz | DECODE / "
      "CRLB lat, ax |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (double density : {0.5, 1.0, 2.0, 4.0}) {
    simulation::SimulationSettings s;
    s.width = s.height = 64;
    s.frames = frames;
    s.density = density;
    s.photons = photons;
    s.background = background;
    s.camera = cam;
    s.z_min_nm = z_lo, s.z_max_nm = z_hi;
    simulation::set_psf_spec("spline:" + psf_path, s, "--psf", "--pixel-size");
    s.seed = 300 + static_cast<uint64_t>(10 * density);
    const Movie m = simulate(s);
    const reconstruction::MatchSettings ms;  // 250 nm lateral, 500 nm axial
    dc::DecodeLocalizer dl(cam, model, {});
    const LocalizationTable ld = run(dl, m);
    const auto ed = reconstruction::evaluate(ld, m.truth, ms);
    localization::LocalizeSettings ls;
    ls.psf = localization::PsfModel::spline;
    ls.calibration = cal;
    ls.fit.roi_radius = localization::default_roi_side(ls) / 2;
    localization::Localizer classic(cam, ls);
    const auto em = reconstruction::evaluate(classic.localize(m.frames, 0), m.truth, ms);
    ds::DeepStormLocalizer dsl(cam, ds_model, {});
    LocalizationTable truth2d = m.truth;
    truth2d.remove_column(col::z);
    const auto eds = reconstruction::evaluate(dsl.localize(m.frames, 0), truth2d, ms);
    double crlb_lat = NAN, crlb_ax = NAN;
    crlb_at_truth(ld, m, spline, crlb_lat, crlb_ax);
    std::printf(
        "| %.1f | %zu | %.3f | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f | %.1f | %.2f, %.2f, %.2f "
        "| %.2f, %.2f |\n",
        density, m.truth.size(), ed.jaccard, ed.rmse_lateral_nm, ed.rmse_axial_nm, em.jaccard,
        em.rmse_lateral_nm, em.rmse_axial_nm, eds.jaccard, eds.rmse_lateral_nm,
        z_score_sd(ld, m.truth, col::x, col::uncertainty_x),
        z_score_sd(ld, m.truth, col::y, col::uncertainty_y),
        z_score_sd(ld, m.truth, col::z, col::uncertainty_z),
        ed.rmse_lateral_nm / (std::sqrt(2.0) * crlb_lat), ed.rmse_axial_nm / crlb_ax);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
    if (mode == "2d") return run_2d(arg(2, 2000), arg(3, 2500), static_cast<int>(arg(4, 20)));
    if (mode == "3d" && argc > 2)
      return run_3d(argv[2], arg(3, 4000), arg(4, 1500), static_cast<int>(arg(5, 20)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decode_density: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: decode_density 2d [decode_steps] [deepstorm_steps] [frames]\n"
               "       decode_density 3d PSF.h5 [decode_steps] [deepstorm_steps] [frames]\n");
  return 2;
}
