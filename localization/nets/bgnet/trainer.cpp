// BGNet's training loop over nn/.
#include "localization/nets/bgnet/trainer.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "localization/nets/model_attributes.h"
#include "nn/losses/mse.h"

namespace smlm::localization::nets::bgnet {

namespace {
constexpr uint64_t kValidationStream = 1;
}  // namespace

void TrainSettings::validate() const {
  net.validate();
  data.validate();
  SMLM_CHECK(batch >= 1 && batch <= kMaxBatch,
             "batch must be in [1, " << kMaxBatch << "] ROIs, got " << batch);
  SMLM_CHECK(validation_size >= 1 && validation_size <= kMaxBatch,
             "validation size must be in [1, " << kMaxBatch << "], got " << validation_size);
  // Kept for the backward pass, per ROI: ~3 tensors (conv, BN, ReLU) of each block — 4 at F and
  // S², 4 at 2F and S²/4, 2 at 8F and S²/16 — plus the concatenations.
  const double s2 = double(data.roi) * data.roi, f = net.width;
  const double per_roi =
      3 * (4 * f * s2 + 4 * 2 * f * s2 / 4 + 2 * 8 * f * s2 / 16) + 3 * f * s2 + 10 * f * s2 / 4;
  const double bytes = 4 * per_roi * batch;
  SMLM_CHECK(bytes <= kMaxActivationBytes,
             "a batch of " << batch << " ROIs of " << data.roi << " px needs about "
                           << std::ceil(bytes / (1 << 30)) << " GB of activations, more than "
                           << kMaxActivationBytes / (1 << 30)
                           << " GB: lower the batch, ROI or width");
  SMLM_CHECK(std::isfinite(lr) && lr > 0 && std::isfinite(min_lr) && min_lr >= 0,
             "learning rates must be positive");
  SMLM_CHECK(plateau_factor > 0 && plateau_factor < 1,
             "plateau factor must be in (0, 1), got " << plateau_factor);
  SMLM_CHECK(plateau_patience >= 0, "plateau patience must be >= 0");
  SMLM_CHECK(epoch_steps >= 1, "epoch steps must be >= 1, got " << epoch_steps);
}

Trainer::Trainer(const TrainSettings& s) : s_(s) {
  s_.validate();
  sim_ = std::make_unique<SampleSimulator>(s_.data);
  model_ = std::make_unique<Model>(s_.net, s_.seed);
  model_->data = s_.data;
  model_->to(s_.device);
  init();
}

Trainer::Trainer(const std::string& checkpoint, kernels::Device device) {
  const nn::Attributes a = nn::read_checkpoint_settings(checkpoint);
  try {
    model_ = std::make_unique<Model>(model_from_attributes(a));
    s_.net = model_->config;
    s_.data = model_->data;
    get_training_settings(a, s_);
    s_.plateau_factor = attribute_number(a, "train_plateau_factor");
    s_.plateau_patience = attribute_whole(a, "train_plateau_patience", 0, 1e6);
    s_.min_lr = attribute_number(a, "train_min_lr");
    s_.device = device;
    s_.validate();
  } catch (const Error& e) {
    throw Error("checkpoint '" + checkpoint + "': " + e.what());
  }
  sim_ = std::make_unique<SampleSimulator>(s_.data);
  model_->to(device);
  init();
  nn::load_checkpoint(checkpoint, *model_->net, adam_.get());
  std::map<std::string, double> plateau;
  for (const auto& [k, v] : a)
    if (k.rfind("plateau_", 0) == 0) plateau[k.substr(8)] = attribute_number(a, k);
  plateau_->load_settings(plateau);
  step_ = static_cast<int64_t>(attribute_number(a, "step"));
}

void Trainer::init() {
  nn::AdamOptions o;
  o.lr = static_cast<float>(s_.lr);
  adam_ = std::make_unique<nn::Adam>(model_->net->parameters(), o);
  nn::ReduceLROnPlateauOptions po;
  po.factor = static_cast<float>(s_.plateau_factor);
  po.patience = s_.plateau_patience;
  po.min_lr = static_cast<float>(s_.min_lr);
  plateau_ = std::make_unique<nn::ReduceLROnPlateau>(*adam_, po);
  const Batch v = make_batch(*sim_, s_.seed + kValidationStream, 0, s_.validation_size);
  val_input_ = v.input.to(s_.device);
  val_target_ = v.target.to(s_.device);
}

double Trainer::step() {
  const Batch b = make_batch(*sim_, s_.seed, step_ * s_.batch, s_.batch);
  adam_->zero_grad();
  const nn::Tensor pred = model_->net->forward(b.input.to(s_.device), true);
  const nn::LossResult l = nn::mse_loss(pred, b.target.to(s_.device));
  SMLM_CHECK(std::isfinite(l.value), "BGNet training diverged at step " << step_);
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
    const nn::Tensor pred = model_->net->forward(val_input_.batch_range(i, m), false);
    total += m * nn::mse_loss(pred, val_target_.batch_range(i, m)).value;
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
  for (const auto& [k, v] : plateau_->settings()) a["plateau_" + k] = v;
  save_model(path, *model_, adam_.get(), a);
}

}  // namespace smlm::localization::nets::bgnet
