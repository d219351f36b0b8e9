// `smlm train decode`: trains a DECODE model on samples simulated on the fly — blinking emitters
// over consecutive frames, a 2D Gaussian (--psf-sigma) or a calibrated 3D PSF (--psf), EMCCD or
// sCMOS-like camera noise — and writes it, with its settings, as an HDF5 checkpoint.
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "cli/args.h"
#include "cli/camera_options.h"
#include "cli/commands.h"
#include "cli/train_common.h"
#include "core/error.h"
#include "io/camera_maps_file.h"
#include "kernels/device.h"
#include "kernels/nn/activation.h"
#include "localization/nets/decode/trainer.h"

namespace smlm::cli {

int train_decode(int argc, char** argv) {
  namespace dc = localization::nets::decode;
  dc::TrainSettings s;
  // Defaults sized for a 2-core CPU: a useful model in under 20 minutes (bench/RESULTS.md). The
  // published net is --width 48 --depth 2 with --batch 64 on a GPU.
  s.net.width = 16;
  s.net.depth = 2;
  s.data.patch = 32;
  s.batch = 16;
  int64_t steps = 3000;
  int checkpoint_every = 500;
  std::string out, resume, device = "cpu", activation = "elu", photons = "1000:5000",
                           background = "10:30", z_range = "-500:500";
  ArgParser p("smlm train decode -o MODEL.h5 [options]",
              "Trains DECODE (Speiser et al. 2021) on samples simulated on the fly: frames t-1, t, "
              "t+1 of blinking emitters uniform in x, y (and z), photons and background uniform "
              "in their ranges, a Gaussian PSF (2D, --psf-sigma) or a calibrated 3D PSF (--psf), "
              "and the camera's noise. The net predicts per pixel a detection probability, the "
              "photons, x, y (z) offsets, their uncertainties and the background. The model file "
              "records the net and the settings it was trained on.");
  p.add("-o", &out, "output model (HDF5 checkpoint, rewritten every --checkpoint-every steps)",
        "FILE");
  p.add("--resume", &resume, "continue training from this model file (its settings are kept)",
        "FILE");
  add_camera_options(p, s.data.camera, /*with_read_noise=*/true);
  std::string maps_path;
  p.add(
      "--camera-maps", &maps_path,
      std::string(kCameraMapsHelp) + "; each training sample lies at a random place on the sensor",
      "FILE");
  p.section("simulation");
  p.add("--psf", &s.data.psf_spec,
        "3D PSF: spline:FILE or astig:FILE (from smlm calibrate) or pupil:KIND; default: 2D "
        "Gaussian of --psf-sigma",
        "SPEC");
  p.add("--psf-sigma", &s.data.psf_sigma_nm, "2D Gaussian PSF standard deviation [nm]");
  p.add("--z-range", &z_range, "3D: emitters uniform in z over MIN:MAX [nm]", "MIN:MAX");
  p.add("--photons", &photons, "photons per emitter per frame, uniform over MIN:MAX", "MIN:MAX");
  p.add("--background", &background, "background [photons/px/frame], uniform over MIN:MAX",
        "MIN:MAX");
  p.add("--density", &s.data.density, "emitters visible per frame per um^2 (mean)");
  std::string like;
  int like_frames = 200;
  p.add("--like", &like,
        "estimate photons, background, density (and the 2D PSF sigma) from this movie, with the "
        "camera options given",
        "MOVIE");
  p.add("--like-frames", &like_frames, "frames of the --like movie analysed");
  p.add("--on-time", &s.data.on_time, "mean on-time of a blink [frames]");
  p.add("--patch", &s.data.patch, "training frame side [px]");
  p.section("network and training");
  p.add("--frames", &s.net.frames, "frames the net sees: 3 (t-1, t, t+1) or 1");
  p.add("--width", &s.net.width, "features of the U-Nets' first level (published: 48)");
  p.add("--depth", &s.net.depth, "downsamplings per U-Net (published: 2)");
  p.add("--activation", &activation, "elu, relu or leaky_relu", "NAME");
  p.add("--steps", &steps, "total training steps (with --resume: including those done)");
  p.add("--batch", &s.batch, "samples per step");
  p.add("--lr", &s.lr, "AdamW learning rate");
  p.add("--weight-decay", &s.weight_decay, "AdamW decoupled weight decay");
  p.add("--grad-clip", &s.grad_clip, "maximum gradient norm (0 = none)");
  p.add("--epoch-steps", &s.epoch_steps, "steps between validations");
  p.add("--decay-every", &s.decay_every, "epochs between learning-rate decays");
  p.add("--decay-factor", &s.decay_factor, "learning-rate factor at each decay");
  p.add("--checkpoint-every", &checkpoint_every, "steps between checkpoints");
  p.add("--seed", &s.seed, "random seed (weights and data)");
  p.add("--device", &device, "cpu, cuda or cuda:N", "DEVICE");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o MODEL.h5 (see --help)");
  SMLM_CHECK(steps >= 1, "--steps: " << steps << " must be >= 1");
  SMLM_CHECK(checkpoint_every >= 1, "--checkpoint-every: must be >= 1");
  parse_range("--photons", photons, s.data.photons_min, s.data.photons_max);
  parse_range("--background", background, s.data.background_min, s.data.background_max);
  parse_range("--z-range", z_range, s.data.z_min_nm, s.data.z_max_nm, /*strict=*/true);
  s.net.activation = kernels::nn::parse_activation(activation);
  s.net.dims = s.data.is_3d() ? 4 : 3;
  s.device = kernels::parse_device(device);
  check_distinct_files({{"--resume", resume, "-o"}, {"--camera-maps", maps_path}, {"--like", like}},
                       {{"-o", out}});
  SMLM_CHECK(like.empty() || resume.empty(), "--like sets up a new model: not with --resume");
  SMLM_CHECK(like.empty() || maps_path.empty(),
             "--like estimates with a uniform camera: not with --camera-maps yet");
  if (!resume.empty() && maps_path.empty()) {
    // The maps a model was trained on, unless others are given.
    const nn::Attributes a = nn::read_checkpoint_settings(resume);
    const auto it = a.find("camera_maps");
    if (it != a.end())
      if (const auto* f = std::get_if<std::string>(&it->second)) maps_path = *f;
  }
  if (!maps_path.empty()) {
    for (const char* replaced : {"--baseline", "--photons-per-adu", "--read-noise", "--em-gain"})
      SMLM_CHECK(!p.given(replaced), "--camera-maps replaces " << replaced);
    s.data.camera_maps = std::make_shared<const CameraMaps>(io::read_camera_maps(maps_path));
  }

  std::unique_ptr<dc::Trainer> trainer;
  if (!resume.empty()) {
    trainer = std::make_unique<dc::Trainer>(resume, s.device, s.data.camera_maps);
    std::fprintf(stderr, "resuming %s at step %lld\n", resume.c_str(),
                 static_cast<long long>(trainer->steps_done()));
  } else {
    if (!like.empty()) {
      SMLM_CHECK(like_frames >= 1, "--like-frames must be >= 1");
      const auto e =
          localization::nets::estimate_movie(sample_frames(like, like_frames), s.data.camera);
      std::fprintf(stderr, "estimated from %s:\n%s", like.c_str(), e.describe().c_str());
      s.data = dc::data_settings_like(e, s.data);
    }
    trainer = std::make_unique<dc::Trainer>(s);
  }
  const dc::TrainSettings& t = trainer->settings();
  const dc::DataSettings& d = t.data;
  std::string psf = d.is_3d() ? d.psf_spec : "Gaussian sigma " + std::to_string(d.psf_sigma_nm);
  std::fprintf(stderr,
               "training DECODE (%d frames, width %d, depth %d, %s) on %dx%d samples: PSF %s, "
               "photons %.0f..%.0f, background %.1f..%.1f, density %.2f/um^2, on-time %.1f "
               "frames%s, batch %d, %s\n",
               t.net.frames, t.net.width, t.net.depth,
               kernels::nn::activation_name(t.net.activation).c_str(), d.patch, d.patch,
               psf.c_str(), d.photons_min, d.photons_max, d.background_min, d.background_max,
               d.density, d.on_time,
               d.is_3d() ? (", z " + std::to_string(static_cast<int>(d.z_min_nm)) + ".." +
                            std::to_string(static_cast<int>(d.z_max_nm)) + " nm")
                               .c_str()
                         : "",
               t.batch, t.device.name().c_str());
  const int64_t first = trainer->steps_done();
  auto report = [](const kernels::nn::PixelGmmParts& v) {
    char line[160];
    std::snprintf(line, sizeof line, "validation %.4g (count %.3g, localization %.4g, bg %.3g)",
                  v.value, v.count, v.localization, v.background);
    return std::string(line);
  };
  const double seconds = run_training(*trainer, steps, t.epoch_steps, checkpoint_every, out,
                                      [&] { return report(trainer->end_epoch()); });
  std::fprintf(stderr, "trained %lld steps in %.1f s; %s; wrote %s\n",
               static_cast<long long>(trainer->steps_done() - first), seconds,
               report(trainer->validation_loss()).c_str(), out.c_str());
  return 0;
}

}  // namespace smlm::cli
