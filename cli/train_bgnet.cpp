// `smlm train bgnet`: trains BGNet on single-molecule ROIs simulated over structured backgrounds
// and writes it, with its settings, as an HDF5 checkpoint for `localize --background-model`.
#include <cstdio>
#include <memory>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "core/error.h"
#include "kernels/device.h"
#include "localization/nets/bgnet/trainer.h"

namespace smlm::cli {

namespace bg = localization::nets::bgnet;

int train_bgnet(int argc, char** argv) {
  bg::TrainSettings s;
  std::string out, resume, device = "cpu", photons = "500:5000", background = "5:50",
                           scale = "2:64", z_range = "-500:500";
  int64_t steps = 3000;
  int checkpoint_every = 500;
  ArgParser p("smlm train bgnet -o MODEL.h5 [options]",
              "Trains BGNet (Moeckl et al. 2020) to predict the background under a PSF, pixel by "
              "pixel: ROIs simulated on the fly with a PSF near the centre (sometimes a "
              "neighbour) on a base background plus fractal Perlin structure of random amplitude, "
              "feature size and octaves, through the camera; the target is that background. The "
              "model is blind to overall brightness (each ROI is divided by its mean), and fully "
              "convolutional: `localize --background-model MODEL.h5` uses it for ROIs of any size "
              "and hands the prediction to the MLE fit.");
  p.add("-o", &out, "output model (HDF5 checkpoint, rewritten every --checkpoint-every steps)",
        "FILE");
  p.add("--resume", &resume, "continue training from this model file (its settings are kept)",
        "FILE");
  add_camera_options(p, s.data.camera, /*with_read_noise=*/true);
  p.section("simulation");
  p.add("--psf", &s.data.psf_spec,
        "3D PSF: astig:FILE or spline:FILE (from smlm calibrate) or pupil:KIND; default the 2D "
        "Gaussian of --psf-sigma",
        "PSF");
  p.add("--psf-sigma", &s.data.psf_sigma_nm, "2D Gaussian PSF sigma [nm]");
  p.add("--z-range", &z_range, "3D: emitters uniform in z over MIN:MAX [nm]", "MIN:MAX");
  p.add("--roi", &s.data.roi,
        "training ROI side [px], a multiple of 4 (published: 12 for 2D, "
        "20 double-helix, 40 tetrapod)");
  p.add("--photons", &photons, "photons per emitter, uniform over MIN:MAX", "MIN:MAX");
  p.add("--background", &background, "base background [photons/px], uniform over MIN:MAX",
        "MIN:MAX");
  p.add("--structure", &s.data.structure_max,
        "structure amplitude up to this many times the base background");
  p.add("--scale", &scale, "coarsest structure size [px], log-uniform over MIN:MAX", "MIN:MAX");
  p.section("network and training");
  p.add("--width", &s.net.width, "features of the first level (published: 16)");
  p.add("--steps", &steps, "total training steps (with --resume: including those done)");
  p.add("--batch", &s.batch, "ROIs per step");
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

  std::unique_ptr<bg::Trainer> trainer;
  if (!resume.empty()) {
    trainer = std::make_unique<bg::Trainer>(resume, s.device);
    std::fprintf(stderr, "resuming %s at step %lld\n", resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    parse_range("--photons", photons, s.data.photons_min, s.data.photons_max);
    parse_range("--background", background, s.data.background_min, s.data.background_max);
    parse_range("--scale", scale, s.data.scale_min_px, s.data.scale_max_px);
    if (!s.data.psf_spec.empty())
      parse_range("--z-range", z_range, s.data.z_min_nm, s.data.z_max_nm, /*strict=*/true);
    trainer = std::make_unique<bg::Trainer>(s);
  }
  const bg::TrainSettings& t = trainer->settings();
  std::fprintf(stderr,
               "training BGNet (width %d) on %dx%d ROIs: PSF %s, photons %.0f..%.0f, background "
               "%.1f..%.1f + structure up to %.1fx, scale %.1f..%.1f px, batch %d, %s\n",
               t.net.width, t.data.roi, t.data.roi,
               t.data.is_3d() ? t.data.psf_spec.c_str() : "2D Gaussian", t.data.photons_min,
               t.data.photons_max, t.data.background_min, t.data.background_max,
               t.data.structure_max, t.data.scale_min_px, t.data.scale_max_px, t.batch,
               t.device.name().c_str());
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
