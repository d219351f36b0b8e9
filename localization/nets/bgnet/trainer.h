// BGNet training on ROIs simulated on the fly: MSE between the predicted and the true background
// (both over the ROI's mean), Adam, reduce-on-plateau on a fixed validation set, checkpoints that
// resume exactly (weights, Adam state, counters).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kernels/device.h"
#include "localization/nets/bgnet/model.h"
#include "localization/nets/bgnet/training_data.h"
#include "nn/optim/adam.h"
#include "nn/optim/lr_schedule.h"

namespace smlm::localization::nets::bgnet {

struct TrainSettings {
  static constexpr int kMaxBatch = 4096;
  static constexpr double kMaxActivationBytes = 32.0 * (1 << 30);

  NetConfig net;
  DataSettings data;
  int batch = 32;               // ROIs per step
  double lr = 1e-3;             // Adam's initial rate
  double plateau_factor = 0.5;  // ReduceLROnPlateau on the validation loss, once per epoch
  int plateau_patience = 3;     // epochs
  double min_lr = 1e-5;
  int epoch_steps = 100;      // steps between validations
  int validation_size = 256;  // ROIs of the fixed validation set
  uint64_t seed = 1;          // weights, training stream (seed), validation (seed + 1)
  kernels::Device device;

  // Throws smlm::Error naming the first impossible value, or a batch whose activations would
  // exceed kMaxActivationBytes.
  void validate() const;
};

class Trainer {
 public:
  explicit Trainer(const TrainSettings& settings);
  // Resumes from a checkpoint written by save(), training on `device`.
  Trainer(const std::string& checkpoint, kernels::Device device);

  // One optimization step on the next batch of the training stream; returns its loss.
  double step();
  // The mean loss over the validation set (inference mode).
  double validation_loss();
  // validation_loss(), then one step of the plateau schedule; returns the validation loss.
  double end_epoch();
  // Saves the model, Adam's state and the counters ("step", "train_*", "plateau_*").
  void save(const std::string& path);

  int64_t steps_done() const { return step_; }
  double lr() const { return adam_->lr(); }
  Model& model() { return *model_; }
  const TrainSettings& settings() const { return s_; }
  const SampleSimulator& simulator() const { return *sim_; }

 private:
  void init();

  TrainSettings s_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<SampleSimulator> sim_;
  std::unique_ptr<nn::Adam> adam_;
  std::unique_ptr<nn::ReduceLROnPlateau> plateau_;
  int64_t step_ = 0;
  nn::Tensor val_input_, val_target_;
};

}  // namespace smlm::localization::nets::bgnet
