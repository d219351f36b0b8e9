// `smlm train deepstorm`: trains a Deep-STORM model on simulated patches (settings given, or
// estimated from a movie with --like) and writes it, with its settings, as an HDF5 checkpoint.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "core/error.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "localization/nets/deepstorm/estimate.h"
#include "localization/nets/deepstorm/trainer.h"

namespace smlm::cli {

namespace {

namespace ds = localization::nets::deepstorm;

int train_deepstorm(int argc, char** argv) {
  ds::TrainSettings s;
  // Defaults sized for a 2-core CPU (2000 steps in minutes, see bench/RESULTS.md); the
  // published net is --upsampling 8 --widths 32,64,128,512.
  std::string out, resume, like, device = "cpu", widths = "16,32,64,256";
  s.net.upsampling = 4;
  int64_t steps = 2000;
  int checkpoint_every = 500, like_frames = 200;
  ArgParser p("smlm train deepstorm -o MODEL.h5 [options]",
              "Trains Deep-STORM (Nehme et al. 2018) on patches simulated on the fly: emitters "
              "uniform at a density, integrated Gaussian PSF, background and camera noise; "
              "targets are spikes on the upsampled grid. --like MOVIE.tif estimates the "
              "simulation settings from a movie with a quick classic pass. The model file "
              "records the net, its normalization and the settings it was trained on.");
  p.add("-o", &out, "output model (HDF5 checkpoint, rewritten every --checkpoint-every steps)",
        "FILE");
  p.add("--resume", &resume, "continue training from this model file (its settings are kept)",
        "FILE");
  add_camera_options(p, s.data.camera, /*with_read_noise=*/true);
  p.section("simulation");
  p.add("--like", &like, "estimate PSF sigma, photons, background and density from this movie",
        "MOVIE");
  p.add("--like-frames", &like_frames, "frames of the --like movie analysed");
  p.add("--psf-sigma", &s.data.psf_sigma_nm, "PSF standard deviation [nm]");
  p.add("--photons", &s.data.photons, "mean photons per emitter per frame");
  p.add("--photon-spread", &s.data.photon_spread,
        "photons uniform in photons*[1-spread, 1+spread]");
  p.add("--background", &s.data.background, "background [photons/pixel/frame]");
  p.add("--density", &s.data.density, "emitters per um^2");
  p.add("--patch", &s.data.patch, "training patch side [camera pixels]");
  p.section("network and training");
  p.add("--upsampling", &s.net.upsampling,
        "fine pixels per camera pixel (the published net: 8, with --widths 32,64,128,512)");
  p.add("--widths", &widths, "channels of the four encoder stages", "A,B,C,D");
  p.add("--steps", &steps, "total training steps (with --resume: including those done)");
  p.add("--batch", &s.batch, "patches per step");
  p.add("--lr", &s.lr, "Adam learning rate");
  p.add("--epoch-steps", &s.epoch_steps, "steps between validations / plateau checks");
  p.add("--checkpoint-every", &checkpoint_every, "steps between checkpoints");
  p.add("--seed", &s.seed, "random seed (weights and data)");
  p.add("--device", &device, "cpu, cuda or cuda:N", "DEVICE");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o MODEL.h5 (see --help)");
  SMLM_CHECK(steps >= 1, "--steps: " << steps << " must be >= 1");
  SMLM_CHECK(checkpoint_every >= 1, "--checkpoint-every: must be >= 1");
  {
    int parsed = std::sscanf(widths.c_str(), "%d,%d,%d,%d", &s.net.widths[0], &s.net.widths[1],
                             &s.net.widths[2], &s.net.widths[3]);
    SMLM_CHECK(parsed == 4, "--widths: '" << widths << "' is not four numbers A,B,C,D");
  }
  s.device = kernels::parse_device(device);
  // --resume may name -o: the model is read whole first, and every checkpoint is atomic.
  check_distinct_files({{"--resume", resume, "-o"}, {"--like", like}}, {{"-o", out}});

  std::unique_ptr<ds::Trainer> trainer;
  if (!resume.empty()) {
    trainer = std::make_unique<ds::Trainer>(resume, s.device);
    std::fprintf(stderr, "resuming %s at step %lld\n", resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    if (!like.empty()) {
      SMLM_CHECK(like_frames >= 1, "--like-frames must be >= 1");
      const auto frames = sample_frames(like, like_frames);
      const auto e = localization::nets::estimate_movie(frames, s.data.camera);
      std::fprintf(stderr, "estimated from %s:\n%s", like.c_str(), e.describe().c_str());
      s.data = ds::data_settings_like(e, s.data.camera, s.data);
    }
    trainer = std::make_unique<ds::Trainer>(s);
  }
  const ds::TrainSettings& t = trainer->settings();
  std::fprintf(stderr,
               "training Deep-STORM (upsampling %d, widths %d/%d/%d/%d) on %dx%d patches: PSF "
               "sigma %.1f nm, %.0f photons (+-%.0f%%), background %.1f, density %.2f/um^2, "
               "batch %d, %s\n",
               t.net.upsampling, t.net.widths[0], t.net.widths[1], t.net.widths[2], t.net.widths[3],
               t.data.patch, t.data.patch, t.data.psf_sigma_nm, t.data.photons,
               100 * t.data.photon_spread, t.data.background, t.data.density, t.batch,
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

}  // namespace

int run_train(int argc, char** argv) {
  // argv[0] is the net's name (the words after `smlm train`), the rest its options.
  if (argc < 1 || std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0) {
    std::fprintf(stderr,
                 "usage: smlm train NET [options]\n  NET: deepstorm, decode, deepstorm3d, bgnet\n"
                 "run 'smlm train NET --help' for its options\n");
    return argc < 1 ? 1 : 0;
  }
  const std::string net = argv[0];
  if (net == "deepstorm") return train_deepstorm(argc - 1, argv + 1);
  if (net == "decode") return train_decode(argc - 1, argv + 1);
  if (net == "deepstorm3d") return train_deepstorm3d(argc - 1, argv + 1);
  if (net == "bgnet") return train_bgnet(argc - 1, argv + 1);
  throw Error("train: unknown net '" + net + "' (known: deepstorm, decode, deepstorm3d, bgnet)");
}

}  // namespace smlm::cli
