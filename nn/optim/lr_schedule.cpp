// Learning-rate schedules.
#include "nn/optim/lr_schedule.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace smlm::nn {

StepLR::StepLR(Optimizer& optimizer, int step_size, float gamma)
    : opt_(optimizer), step_size_(step_size), gamma_(gamma) {
  SMLM_CHECK(step_size > 0 && gamma > 0, "StepLR: step_size and gamma must be positive");
}

void StepLR::step() {
  if (++epoch_ % step_size_ == 0) opt_.set_lr(opt_.lr() * gamma_);
}

std::map<std::string, double> StepLR::settings() const {
  return {{"epoch", static_cast<double>(epoch_)}};
}

void StepLR::load_settings(const std::map<std::string, double>& s) {
  if (auto it = s.find("epoch"); it != s.end()) epoch_ = static_cast<int64_t>(it->second);
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o)
    : opt_(optimizer), o_(o), best_(std::numeric_limits<double>::infinity()) {
  SMLM_CHECK(o.factor > 0 && o.factor < 1 && o.patience >= 0,
             "ReduceLROnPlateau: factor in (0, 1) and patience >= 0 expected");
}

bool ReduceLROnPlateau::step(double loss) {
  if (loss < best_ * (1.0 - o_.threshold) || best_ == std::numeric_limits<double>::infinity()) {
    best_ = loss;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    bad_epochs_ = 0;
  }
  if (bad_epochs_ <= o_.patience) return false;
  bad_epochs_ = 0;
  cooldown_left_ = o_.cooldown;
  const float lr = std::max(o_.min_lr, opt_.lr() * o_.factor);
  const bool lowered = lr < opt_.lr();
  opt_.set_lr(lr);
  return lowered;
}

std::map<std::string, double> ReduceLROnPlateau::settings() const {
  return {{"best", best_},
          {"bad_epochs", static_cast<double>(bad_epochs_)},
          {"cooldown_left", static_cast<double>(cooldown_left_)}};
}

void ReduceLROnPlateau::load_settings(const std::map<std::string, double>& s) {
  if (auto it = s.find("best"); it != s.end()) best_ = it->second;
  if (auto it = s.find("bad_epochs"); it != s.end()) bad_epochs_ = static_cast<int>(it->second);
  if (auto it = s.find("cooldown_left"); it != s.end())
    cooldown_left_ = static_cast<int>(it->second);
}

}  // namespace smlm::nn
