// DECODE's training loop over nn/.
#include "localization/nets/decode/trainer.h"

#include <cmath>

#include "core/error.h"
#include "localization/nets/model_attributes.h"
#include "nn/optim/clip_grad_norm.h"

namespace smlm::localization::nets::decode {

namespace {

constexpr uint64_t kValidationStream = 1;

}  // namespace

void TrainSettings::validate() const {
  net.validate();
  data.validate();
  SMLM_CHECK(batch >= 1 && batch <= kMaxBatch,
             "batch must be in [1, " << kMaxBatch << "] samples, got " << batch);
  SMLM_CHECK(validation_size >= 1 && validation_size <= kMaxBatch,
             "validation size must be in [1, " << kMaxBatch << "], got " << validation_size);
  SMLM_CHECK(data.patch % net.size_multiple() == 0,
             "patch " << data.patch << " px must be a multiple of " << net.size_multiple()
                      << " (2^depth)");
  SMLM_CHECK((net.dims == 4) == data.is_3d(),
             "a 3D PSF needs the 3D head and a 2D one the 2D head");
  {
    // Activations kept for backward: about 10 tensors per level of each U-Net, the frame U-Net
    // once per frame; level l holds width·2^l channels on (P/2^l)².
    double per_sample = 0;
    for (int l = 0; l <= net.depth; ++l)
      per_sample += double(net.width << l) * data.patch * data.patch / double(1 << (2 * l));
    const double bytes = 10 * 4 * per_sample * (net.frames + 2) * batch;
    SMLM_CHECK(bytes <= kMaxActivationBytes,
               "a batch of " << batch << " samples of " << data.patch << " px with width "
                             << net.width << " needs about " << std::ceil(bytes / (1 << 30))
                             << " GB of activations: lower the batch, patch or width");
  }
  SMLM_CHECK(std::isfinite(lr) && lr > 0, "learning rate must be positive");
  SMLM_CHECK(std::isfinite(weight_decay) && weight_decay >= 0, "weight decay must be >= 0");
  SMLM_CHECK(std::isfinite(grad_clip) && grad_clip >= 0, "gradient clip must be >= 0 (0 = off)");
  SMLM_CHECK(decay_every >= 1, "decay interval must be >= 1 epoch");
  SMLM_CHECK(decay_factor > 0 && decay_factor <= 1, "decay factor must be in (0, 1]");
  SMLM_CHECK(epoch_steps >= 1, "epoch steps must be >= 1, got " << epoch_steps);
  SMLM_CHECK(std::isfinite(bg_weight) && bg_weight >= 0, "background weight must be >= 0");
}

Trainer::Trainer(const TrainSettings& s) : s_(s) {
  s_.validate();
  model_ = std::make_unique<Model>(s_.net, s_.seed);
  model_->data = s_.data;
  model_->scale = Scaling::for_data(s_.data);
  model_->to(s_.device);
  init();
}

Trainer::Trainer(const std::string& checkpoint, kernels::Device device,
                 std::shared_ptr<const CameraMaps> camera_maps) {
  const nn::Attributes a = nn::read_checkpoint_settings(checkpoint);
  try {
    model_ = std::make_unique<Model>(model_from_attributes(a));
    const std::string maps_file = attribute_text(a, "camera_maps");
    SMLM_CHECK(maps_file.empty() || camera_maps,
               "the model was trained on the sCMOS maps '" << maps_file << "': give them again");
    model_->data.camera_maps = std::move(camera_maps);
    s_.net = model_->config;
    s_.data = model_->data;
    get_training_settings(a, s_);
    s_.weight_decay = attribute_number(a, "train_weight_decay");
    s_.grad_clip = attribute_number(a, "train_grad_clip");
    s_.decay_every = attribute_whole(a, "train_decay_every", 1, 1e9);
    s_.decay_factor = attribute_number(a, "train_decay_factor");
    s_.bg_weight = attribute_number(a, "train_bg_weight");
    s_.device = device;
    s_.validate();
  } catch (const Error& e) {
    throw Error("checkpoint '" + checkpoint + "': " + e.what());
  }
  model_->to(device);
  init();
  nn::load_checkpoint(checkpoint, *model_->net, adam_.get());
  std::map<std::string, double> schedule;
  for (const auto& [k, v] : a)
    if (k.rfind("schedule_", 0) == 0) schedule[k.substr(9)] = attribute_number(a, k);
  schedule_->load_settings(schedule);
  step_ = static_cast<int64_t>(attribute_number(a, "step"));
}

void Trainer::init() {
  sim_ = std::make_unique<SampleSimulator>(s_.data, s_.net.frames);
  adam_ = std::make_unique<nn::Adam>(
      model_->net->parameters(),
      nn::adamw_options(static_cast<float>(s_.lr), static_cast<float>(s_.weight_decay)));
  schedule_ =
      std::make_unique<nn::StepLR>(*adam_, s_.decay_every, static_cast<float>(s_.decay_factor));
  const Batch v = make_batch(*sim_, model_->scale, s_.net.dims, s_.seed + kValidationStream, 0,
                             s_.validation_size);
  val_ = {v.input.to(s_.device), v.targets.to(s_.device), v.counts.to(s_.device),
          v.background.to(s_.device)};
}

double Trainer::step() {
  const Batch b =
      make_batch(*sim_, model_->scale, s_.net.dims, s_.seed, step_ * s_.batch, s_.batch);
  const kernels::Device& d = s_.device;
  adam_->zero_grad();
  const nn::Tensor out = model_->net->forward(b.input.to(d), true);
  const nn::PixelGmmResult l = nn::pixel_gmm_loss(out, b.targets.to(d), b.counts.to(d),
                                                  b.background.to(d), s_.bg_weight, true);
  SMLM_CHECK(std::isfinite(l.parts.value), "DECODE training diverged at step " << step_);
  model_->net->backward(l.grad);
  if (s_.grad_clip > 0) nn::clip_grad_norm(model_->net->parameters(), s_.grad_clip);
  adam_->step();
  ++step_;
  return l.parts.value;
}

kernels::nn::PixelGmmParts Trainer::validation_loss() {
  kernels::nn::PixelGmmParts total;
  const int64_t n = val_.input.n(), chunk = s_.batch;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t m = std::min(chunk, n - i);
    const auto p = nn::pixel_gmm_loss(model_->net->forward(val_.input.batch_range(i, m), false),
                                      val_.targets.batch_range(i, m), val_.counts.batch_range(i, m),
                                      val_.background.batch_range(i, m), s_.bg_weight, false)
                       .parts;
    total.value += m * p.value;
    total.count += m * p.count;
    total.localization += m * p.localization;
    total.background += m * p.background;
  }
  total.value /= n, total.count /= n, total.localization /= n, total.background /= n;
  return total;
}

kernels::nn::PixelGmmParts Trainer::end_epoch() {
  const auto v = validation_loss();
  schedule_->step();
  return v;
}

void Trainer::save(const std::string& path) {
  nn::Attributes a;
  a["step"] = step_;
  a["lr"] = static_cast<double>(adam_->lr());
  put_training_settings(a, s_);
  a["train_weight_decay"] = s_.weight_decay;
  a["train_grad_clip"] = s_.grad_clip;
  a["train_decay_every"] = int64_t{s_.decay_every};
  a["train_decay_factor"] = s_.decay_factor;
  a["train_bg_weight"] = s_.bg_weight;
  for (const auto& [k, v] : schedule_->settings()) a["schedule_" + k] = v;
  save_model(path, *model_, adam_.get(), a);
}

}  // namespace smlm::localization::nets::decode
