// Reading and writing a net's settings as checkpoint attributes (nn/checkpoint.h), shared by every
// network family: typed lookups with one-line errors, whole numbers range-checked before they
// size anything, and the camera under ThunderSTORM's names.
#pragma once

#include <cstdint>
#include <string>

#include "core/camera.h"
#include "core/error.h"
#include "kernels/device.h"
#include "nn/checkpoint.h"

namespace smlm::localization::nets {

// The number or text stored under `key`; throw smlm::Error when missing or of another type.
double attribute_number(const nn::Attributes& a, const std::string& key);
std::string attribute_text(const nn::Attributes& a, const std::string& key);
// A whole number in [lo, hi], checked as a double before the cast.
int attribute_whole(const nn::Attributes& a, const std::string& key, double lo, double hi);

// The camera as "pixel_size_nm", "photons_per_adu", "baseline_adu", "em_gain", "qe",
// "read_noise_e"; reading validates it.
void put_camera(nn::Attributes& a, const CameraModel& c);
CameraModel get_camera(const nn::Attributes& a);

// Saves a family's model (a `net` member, the Layer) with its settings `attributes`, then `extra`
// (training counters; they win on equal keys), and the optimizer's state when given.
// The training settings every net's trainer has, as the checkpoint attributes that `--resume`
// reads back: train_batch (1…S::kMaxBatch), train_lr, train_epoch_steps, train_validation_size
// (1…S::kMaxBatch) and train_seed. Each trainer adds its own (loss weights, schedule).
template <class S>
void put_training_settings(nn::Attributes& a, const S& s) {
  a["train_batch"] = int64_t{s.batch};
  a["train_lr"] = s.lr;
  a["train_epoch_steps"] = int64_t{s.epoch_steps};
  a["train_validation_size"] = int64_t{s.validation_size};
  a["train_seed"] = static_cast<int64_t>(s.seed);
}
template <class S>
void get_training_settings(const nn::Attributes& a, S& s) {
  s.batch = attribute_whole(a, "train_batch", 1, S::kMaxBatch);
  s.lr = attribute_number(a, "train_lr");
  s.epoch_steps = attribute_whole(a, "train_epoch_steps", 1, 1e9);
  s.validation_size = attribute_whole(a, "train_validation_size", 1, S::kMaxBatch);
  s.seed = static_cast<uint64_t>(attribute_number(a, "train_seed"));
}

template <class Model>
void save_net_model(const std::string& path, Model& model, nn::Optimizer* optimizer,
                    nn::Attributes attributes, const nn::Attributes& extra) {
  for (const auto& [k, v] : extra) attributes[k] = v;
  nn::save_checkpoint(path, *model.net, optimizer, attributes);
}

// Loads a family's model: from_attributes(settings) builds it (its errors are prefixed with the
// file's name), then its weights are read onto `device`.
template <class Model, class FromAttributes>
Model load_net_model(const std::string& path, kernels::Device device,
                     FromAttributes from_attributes) {
  const nn::Attributes a = nn::read_checkpoint_settings(path);
  Model m = [&] {
    try {
      return from_attributes(a);
    } catch (const Error& e) {
      throw Error("checkpoint '" + path + "': " + e.what());
    }
  }();
  m.to(device);
  nn::load_checkpoint(path, *m.net, nullptr);
  return m;
}

}  // namespace smlm::localization::nets
