// Checkpoints: a network's weights, its architecture and settings, and optionally its optimizer's
// state, in one HDF5 file, so that a trained net can be reloaded on either device and training
// can resume exactly where it stopped.
//
// File layout (HDF5 1.10, C API):
//   /                      attributes format = "smlm-nn-checkpoint", format_version = 1,
//                          architecture = Layer::architecture() text
//   /settings              attributes: the caller's settings (strings, doubles, integers), e.g.
//                          PSF and camera parameters, normalization constants, epoch
//   /parameters/<path>     float32 datasets (n, c, h, w), one per Parameter, <path> as in
//                          Layer::parameters() ("0/weight" is group "0", dataset "weight")
//   /buffers/<path>        float32 datasets: running statistics and other non-trained tensors
//   /optimizer             attributes type = "adam"/"sgd" and Optimizer::settings() (doubles)
//   /optimizer/state/<name> float32 datasets: Optimizer::state() (Adam's m and v, SGD's velocity)
// The file is written to a temporary name in the same folder and renamed when complete.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "nn/layer.h"
#include "nn/optim/optimizer.h"

namespace smlm::nn {

using AttributeValue = std::variant<std::string, double, int64_t>;
using Attributes = std::map<std::string, AttributeValue>;

// Writes model (and optimizer, when given) to `path`, replacing any file there.
void save_checkpoint(const std::string& path, Layer& model, Optimizer* optimizer = nullptr,
                     const Attributes& settings = {});

// Loads the weights and buffers into `model` (onto the device it is on) after checking that the
// stored architecture equals model.architecture(); restores the optimizer's settings and state
// when one is given (the file must then hold one of the same type). Returns the settings.
// Throws smlm::Error naming the file and what is missing or different.
Attributes load_checkpoint(const std::string& path, Layer& model, Optimizer* optimizer = nullptr);

// The stored settings and architecture text alone (to build the right model before loading).
Attributes read_checkpoint_settings(const std::string& path);
std::string read_checkpoint_architecture(const std::string& path);

}  // namespace smlm::nn
