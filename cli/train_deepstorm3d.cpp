// `smlm train deepstorm3d`: trains a DeepSTORM3D model on frames simulated with a 3D PSF (pupil
// masks, a mask TIFF or a calibration) and writes it, with its settings, as an HDF5 checkpoint.
#include <cstdio>
#include <memory>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "core/error.h"
#include "kernels/device.h"
#include "localization/nets/deepstorm3d/trainer.h"

namespace smlm::cli {

namespace ds3 = localization::nets::deepstorm3d;

int train_deepstorm3d(int argc, char** argv) {
  ds3::TrainSettings s;
  std::string out, resume, device = "cpu", photons = "2000:8000", background = "10:30", z_range;
  s.data.psf_spec.clear();
  int64_t steps = 2000;
  int checkpoint_every = 500;
  ArgParser p("smlm train deepstorm3d -o MODEL.h5 --psf PSF --z-range MIN:MAX [options]",
              "Trains DeepSTORM3D (Nehme et al. 2020) on frames simulated on the fly: emitters "
              "uniform in x, y and z at a density, photons and background uniform in their "
              "ranges, an engineered 3D PSF, camera noise; the net's output is a volume of z "
              "slices on a laterally upsampled grid, trained against the emitters' voxels (blurred "
              "MSE + Dice). The model file records the net, its normalization and the settings it "
              "was trained on. Defaults are sized for a CPU (width 32); the published net is "
              "--width 64 --upsampling 4 with ~30 nm slices.");
  p.add("-o", &out, "output model (HDF5 checkpoint, rewritten every --checkpoint-every steps)",
        "FILE");
  p.add("--resume", &resume, "continue training from this model file (its settings are kept)",
        "FILE");
  add_camera_options(p, s.data.camera, /*with_read_noise=*/true);
  p.section("simulation");
  p.add("--psf", &s.data.psf_spec,
        "3D PSF: pupil:tetrapod, pupil:double-helix, pupil:astigmatism, mask:FILE.tif (phase "
        "[rad], 32-bit float), spline:FILE or astig:FILE (from smlm calibrate)",
        "PSF");
  p.add("--z-range", &z_range, "emitters uniform in z over MIN:MAX [nm]; the volume's range",
        "MIN:MAX");
  p.add("--photons", &photons, "photons per emitter per frame, uniform over MIN:MAX", "MIN:MAX");
  p.add("--background", &background, "background [photons/px/frame], uniform over MIN:MAX",
        "MIN:MAX");
  p.add("--density", &s.data.density, "emitters per um^2 (Poisson count per frame)");
  p.add("--patch", &s.data.patch, "training frame side [camera pixels]");
  p.section("network and training");
  p.add("--width", &s.net.width, "features of the residual layers (published: 64)");
  p.add("--slices", &s.net.slices, "z slices of the output volume");
  p.add("--upsampling", &s.net.upsampling, "lateral fine pixels per camera pixel: 1, 2 or 4");
  p.add("--steps", &steps, "total training steps (with --resume: including those done)");
  p.add("--batch", &s.batch, "frames per step");
  p.add("--lr", &s.lr, "Adam learning rate");
  p.add("--epoch-steps", &s.epoch_steps, "steps between validations / plateau checks");
  p.add("--checkpoint-every", &checkpoint_every, "steps between checkpoints");
  p.add("--seed", &s.seed, "random seed (weights and data)");
  p.add("--device", &device, "cpu, cuda or cuda:N", "DEVICE");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o MODEL.h5 (see --help)");
  SMLM_CHECK(steps >= 1, "--steps: " << steps << " must be >= 1");
  SMLM_CHECK(checkpoint_every >= 1, "--checkpoint-every: must be >= 1");
  s.device = kernels::parse_device(device);
  check_distinct_files({{"--resume", resume, "-o"}}, {{"-o", out}});

  std::unique_ptr<ds3::Trainer> trainer;
  if (!resume.empty()) {
    trainer = std::make_unique<ds3::Trainer>(resume, s.device);
    std::fprintf(stderr, "resuming %s at step %lld\n", resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    SMLM_CHECK(!s.data.psf_spec.empty(), "missing --psf (e.g. pupil:tetrapod; see --help)");
    SMLM_CHECK(!z_range.empty(), "missing --z-range MIN:MAX [nm]");
    parse_range("--z-range", z_range, s.data.z_min_nm, s.data.z_max_nm, /*strict=*/true);
    parse_range("--photons", photons, s.data.photons_min, s.data.photons_max);
    parse_range("--background", background, s.data.background_min, s.data.background_max);
    trainer = std::make_unique<ds3::Trainer>(s);
  }
  const ds3::TrainSettings& t = trainer->settings();
  std::fprintf(stderr,
               "training DeepSTORM3D (width %d, %d slices over %.0f..%.0f nm, upsampling %d) on "
               "%dx%d frames: PSF %s, photons %.0f..%.0f, background %.1f..%.1f, density "
               "%.2f/um^2, batch %d, %s\n",
               t.net.width, t.net.slices, t.data.z_min_nm, t.data.z_max_nm, t.net.upsampling,
               t.data.patch, t.data.patch, t.data.psf_spec.c_str(), t.data.photons_min,
               t.data.photons_max, t.data.background_min, t.data.background_max, t.data.density,
               t.batch, t.device.name().c_str());
  const int64_t first = trainer->steps_done();
  const double seconds = run_training(*trainer, steps, t.epoch_steps, checkpoint_every, out, [&] {
    char line[64];
    std::snprintf(line, sizeof line, "validation %.4g", trainer->end_epoch());
    return std::string(line);
  });
  std::fprintf(stderr, "trained %lld steps in %.1f s; validation loss %.4g; wrote %s\n",
               static_cast<long long>(trainer->steps_done() - first), seconds,
               trainer->validation_loss(), out.c_str());
  return 0;
}

}  // namespace smlm::cli
