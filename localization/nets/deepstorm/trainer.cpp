// Deep-STORM's training loop over nn/: batches simulated per step, losses, Adam, the schedule.
#include "localization/nets/deepstorm/trainer.h"

#include <cmath>

#include "core/error.h"
#include "localization/nets/deepstorm/training_data.h"
#include "nn/losses/l1.h"
#include "nn/losses/mse.h"
#include "nn/ops.h"

namespace smlm::localization::nets::deepstorm {

namespace {

constexpr uint64_t kValidationStream = 1;
constexpr uint64_t kNormalizationStream = 2;

nn::ReduceLROnPlateauOptions plateau_options(const TrainSettings& s) {
  nn::ReduceLROnPlateauOptions o;
  o.factor = static_cast<float>(s.plateau_factor);
  o.patience = s.plateau_patience;
  o.min_lr = static_cast<float>(s.min_lr);
  return o;
}

}  // namespace

void TrainSettings::validate() const {
  net.validate();
  data.validate();
  SMLM_CHECK(batch >= 1 && batch <= kMaxBatch,
             "batch must be in [1, " << kMaxBatch << "] patches, got " << batch);
  SMLM_CHECK(validation_size >= 1 && validation_size <= kMaxBatch,
             "validation size must be in [1, " << kMaxBatch << "], got " << validation_size);
  {
    // Activations kept for the backward pass: per patch, each stage's width on its grid (the
    // fine grid halved per stage), about 8 tensors each (conv, norm, activation, gradients and
    // the decoder's mirror). Checked before anything is allocated.
    const double fine = static_cast<double>(data.patch) * net.upsampling;
    double per_patch = 0;
    for (int k = 0; k < 4; ++k) per_patch += net.widths[k] * fine * fine / double(1 << (2 * k));
    const double bytes = 8 * 4 * per_patch * batch;
    SMLM_CHECK(bytes <= kMaxActivationBytes,
               "a batch of " << batch << " patches of " << data.patch << " px at upsampling "
                             << net.upsampling << " with widths " << net.widths[0] << ","
                             << net.widths[1] << "," << net.widths[2] << "," << net.widths[3]
                             << " needs about " << std::ceil(bytes / (1 << 30))
                             << " GB of activations, more than " << kMaxActivationBytes / (1 << 30)
                             << " GB: lower the batch, patch, upsampling or widths");
  }
  SMLM_CHECK(lr > 0 && min_lr >= 0, "learning rates must be positive");
  SMLM_CHECK(plateau_factor > 0 && plateau_factor < 1,
             "plateau factor must be in (0, 1), got " << plateau_factor);
  SMLM_CHECK(plateau_patience >= 0, "plateau patience must be >= 0");
  SMLM_CHECK(epoch_steps >= 1, "epoch steps must be >= 1, got " << epoch_steps);
  SMLM_CHECK(validation_size >= 1, "validation size must be >= 1");
  SMLM_CHECK((data.patch * net.upsampling) % 8 == 0,
             "patch " << data.patch << " px × upsampling " << net.upsampling
                      << " must be a multiple of 8 (three 2x poolings)");
}

DeepStormLoss deepstorm_loss(nn::GaussianBlur& blur, const nn::Tensor& prediction,
                             const nn::Tensor& target, double l1_weight, bool need_grad) {
  const nn::Tensor blurred_target = blur.forward(target, false);
  const nn::Tensor blurred = blur.forward(prediction, need_grad);
  const nn::LossResult fit = nn::mse_loss(blurred, blurred_target);
  const nn::LossResult sparse =
      nn::l1_loss(prediction, nn::Tensor::zeros(prediction.shape(), prediction.device()),
                  nn::Reduction::mean, static_cast<float>(l1_weight));
  DeepStormLoss l;
  l.fit = fit.value;
  l.sparsity = l1_weight > 0 ? sparse.value / l1_weight : 0;
  l.value = fit.value + sparse.value;
  if (need_grad) {
    l.grad = blur.backward(fit.grad);
    nn::add_(l.grad, sparse.grad);
  }
  return l;
}

Trainer::Trainer(const TrainSettings& s) : s_(s), blur_(1, 7, 1.f) {
  s_.validate();
  model_ = std::make_unique<Model>(s_.net, s_.seed);
  model_->data = s_.data;
  model_->norm = estimate_normalization(s_.data, s_.seed + kNormalizationStream);
  model_->to(s_.device);
  init_optimizer();
}

Trainer::Trainer(const std::string& checkpoint, kernels::Device device) : blur_(1, 7, 1.f) {
  const nn::Attributes a = nn::read_checkpoint_settings(checkpoint);
  try {
    model_ = std::make_unique<Model>(model_from_attributes(a));
  } catch (const Error& e) {
    throw Error("checkpoint '" + checkpoint + "': " + e.what());
  }
  s_.net = model_->config;
  s_.data = model_->data;
  get_training_settings(a, s_);
  s_.plateau_factor = attribute_number(a, "train_plateau_factor");
  s_.plateau_patience = static_cast<int>(attribute_number(a, "train_plateau_patience"));
  s_.min_lr = attribute_number(a, "train_min_lr");
  s_.l1_weight = attribute_number(a, "train_l1_weight");
  s_.device = device;
  try {
    s_.validate();
  } catch (const Error& e) {
    throw Error("checkpoint '" + checkpoint + "': " + e.what());
  }
  model_->to(device);
  init_optimizer();
  nn::load_checkpoint(checkpoint, *model_->net, adam_.get());
  std::map<std::string, double> plateau;
  for (const auto& [k, v] : a)
    if (k.rfind("plateau_", 0) == 0) plateau[k.substr(8)] = attribute_number(a, k);
  plateau_->load_settings(plateau);
  step_ = static_cast<int64_t>(attribute_number(a, "step"));
}

void Trainer::init_optimizer() {
  nn::AdamOptions o;
  o.lr = static_cast<float>(s_.lr);
  adam_ = std::make_unique<nn::Adam>(model_->net->parameters(), o);
  plateau_ = std::make_unique<nn::ReduceLROnPlateau>(*adam_, plateau_options(s_));
  blur_.to(s_.device);
  const Batch v = make_batch(s_.data, s_.net.upsampling, model_->norm, s_.seed + kValidationStream,
                             0, s_.validation_size);
  val_input_ = v.input.to(s_.device);
  val_target_ = v.target.to(s_.device);
}

double Trainer::step() {
  const Batch b =
      make_batch(s_.data, s_.net.upsampling, model_->norm, s_.seed, step_ * s_.batch, s_.batch);
  const nn::Tensor x = b.input.to(s_.device), t = b.target.to(s_.device);
  adam_->zero_grad();
  const nn::Tensor pred = model_->net->forward(x, true);
  const DeepStormLoss l = deepstorm_loss(blur_, pred, t, s_.l1_weight, true);
  SMLM_CHECK(std::isfinite(l.value), "Deep-STORM training diverged at step " << step_);
  model_->net->backward(l.grad);
  adam_->step();
  ++step_;
  return l.value;
}

double Trainer::validation_loss() {
  double total = 0;
  const int64_t n = val_input_.n(), chunk = s_.batch;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t m = std::min(chunk, n - i);
    total += m * deepstorm_loss(blur_, model_->net->forward(val_input_.batch_range(i, m), false),
                                val_target_.batch_range(i, m), s_.l1_weight, false)
                     .value;
  }
  return total / n;
}

double Trainer::end_epoch() {
  const double v = validation_loss();
  plateau_->step(v);
  return v;
}

void Trainer::save(const std::string& path) {
  nn::Attributes a;
  a["step"] = step_;
  a["lr"] = static_cast<double>(adam_->lr());
  put_training_settings(a, s_);
  a["train_plateau_factor"] = s_.plateau_factor;
  a["train_plateau_patience"] = int64_t{s_.plateau_patience};
  a["train_min_lr"] = s_.min_lr;
  a["train_l1_weight"] = s_.l1_weight;
  for (const auto& [k, v] : plateau_->settings()) a["plateau_" + k] = v;
  save_model(path, *model_, adam_.get(), a);
}

}  // namespace smlm::localization::nets::deepstorm
