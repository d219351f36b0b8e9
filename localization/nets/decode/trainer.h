// DECODE's training loop: fresh simulated samples every step (training_data.h), the pixel GMM
// loss (nn/losses/pixel_gmm.h), AdamW with gradient-norm clipping and a step decay of the rate,
// a fixed validation set, and checkpoints that resume exactly (weights, AdamW state, schedule,
// counters).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kernels/device.h"
#include "localization/nets/decode/model.h"
#include "localization/nets/decode/training_data.h"
#include "nn/losses/pixel_gmm.h"
#include "nn/optim/adam.h"
#include "nn/optim/lr_schedule.h"

namespace smlm::localization::nets::decode {

struct TrainSettings {
  static constexpr int kMaxBatch = 1024;
  static constexpr double kMaxActivationBytes = 32.0 * (1 << 30);

  NetConfig net;
  DataSettings data;
  int batch = 16;
  double lr = 6e-4;           // AdamW (DECODE: 2e-4 … 6e-4)
  double weight_decay = 0.1;  // decoupled (DECODE's)
  double grad_clip = 0.03;    // max global gradient norm (DECODE's)
  int decay_every = 10;       // epochs between rate decays
  double decay_factor = 0.9;  // StepLR's γ
  int epoch_steps = 100;      // steps per epoch (validation, schedule)
  int validation_size = 64;   // samples of the fixed validation set
  double bg_weight = 1;       // weight of the background term
  uint64_t seed = 1;          // weights and training stream; validation stream seed + 1
  kernels::Device device;

  // Throws smlm::Error naming the first impossible value, or a batch whose activations would
  // exceed kMaxActivationBytes.
  void validate() const;
};

class Trainer {
 public:
  explicit Trainer(const TrainSettings& settings);
  // Resumes from a checkpoint written by save() (its PSF file must still be readable); a model
  // trained on sCMOS maps needs them again (camera_maps_file() names the file it was trained on).
  Trainer(const std::string& checkpoint, kernels::Device device,
          std::shared_ptr<const CameraMaps> camera_maps = nullptr);

  // One step on the next batch; returns its loss (mean over the batch).
  double step();
  // The loss over the validation set in inference mode, with its parts.
  kernels::nn::PixelGmmParts validation_loss();
  // validation_loss(), then one epoch of the schedule.
  kernels::nn::PixelGmmParts end_epoch();
  // Saves model, AdamW state and counters.
  void save(const std::string& path);

  int64_t steps_done() const { return step_; }
  double lr() const { return adam_->lr(); }
  Model& model() { return *model_; }
  const TrainSettings& settings() const { return s_; }

 private:
  void init();

  TrainSettings s_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<SampleSimulator> sim_;
  std::unique_ptr<nn::Adam> adam_;
  std::unique_ptr<nn::StepLR> schedule_;
  int64_t step_ = 0;
  Batch val_;
};

}  // namespace smlm::localization::nets::decode
