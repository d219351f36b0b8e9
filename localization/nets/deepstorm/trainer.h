// Deep-STORM training on simulated patches made on the fly: loss MSE(G∗spikes, G∗prediction) +
// L1(prediction), G the normalized 7×7 Gaussian with σ = 1 fine pixel; Adam; reduce-on-plateau on
// a fixed validation set; checkpoints that resume exactly (weights, Adam state, counters).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kernels/device.h"
#include "localization/nets/deepstorm/model.h"
#include "nn/layers/gaussian_blur.h"
#include "nn/optim/adam.h"
#include "nn/optim/lr_schedule.h"

namespace smlm::localization::nets::deepstorm {

struct TrainSettings {
  // Bounds checked by validate() before anything is allocated: patches per batch, and the
  // estimated activations of one training batch (bytes).
  static constexpr int kMaxBatch = 4096;
  static constexpr double kMaxActivationBytes = 32.0 * (1 << 30);

  NetConfig net;
  DataSettings data;
  int batch = 16;               // patches per step (at most kMaxBatch)
  double lr = 1e-3;             // Adam's initial rate
  double plateau_factor = 0.1;  // ReduceLROnPlateau on the validation loss, once per epoch
  int plateau_patience = 5;     // epochs
  double min_lr = 5e-5;
  int epoch_steps = 100;     // steps between validations (an "epoch" of the schedule)
  int validation_size = 64;  // patches of the fixed validation set
  double l1_weight = 1;      // weight of the L1 sparsity term
  uint64_t seed = 1;         // weights, training stream (seed), validation stream (seed + 1)
  kernels::Device device;

  // Throws smlm::Error naming the first impossible value, or a batch whose activations would
  // exceed kMaxActivationBytes.
  void validate() const;
};

// The loss of one batch: value and ∂/∂prediction.
struct DeepStormLoss {
  double value = 0, fit = 0, sparsity = 0;  // value = fit + l1_weight·sparsity (means)
  nn::Tensor grad;
};

class Trainer {
 public:
  // A new model: normalization estimated from the training stream, weights from the seed.
  explicit Trainer(const TrainSettings& settings);
  // Resumes from a checkpoint written by save(): model, Adam state, schedule and step count.
  // device: where to train now.
  Trainer(const std::string& checkpoint, kernels::Device device);

  // One optimization step on the next batch of the training stream; returns its loss.
  double step();
  // The mean loss over the validation set, inference mode (BatchNorm running statistics).
  double validation_loss();
  // validation_loss(), then one step of the plateau schedule; returns the validation loss.
  double end_epoch();

  // Saves the model, Adam's state and the training counters ("step", "lr", "best_validation",
  // "train_*" settings, "plateau_*").
  void save(const std::string& path);

  int64_t steps_done() const { return step_; }
  double lr() const { return adam_->lr(); }
  Model& model() { return *model_; }
  const TrainSettings& settings() const { return s_; }

 private:
  void init_optimizer();
  DeepStormLoss loss(const nn::Tensor& prediction, const nn::Tensor& target, bool training);

  TrainSettings s_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<nn::Adam> adam_;
  std::unique_ptr<nn::ReduceLROnPlateau> plateau_;
  nn::GaussianBlur blur_;
  int64_t step_ = 0;
  nn::Tensor val_input_, val_target_;
};

// The Deep-STORM loss on its own (for tests): blur is the 7×7, σ = 1 GaussianBlur.
DeepStormLoss deepstorm_loss(nn::GaussianBlur& blur, const nn::Tensor& prediction,
                             const nn::Tensor& target, double l1_weight, bool need_grad);

}  // namespace smlm::localization::nets::deepstorm
