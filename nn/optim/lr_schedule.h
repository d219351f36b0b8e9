// Learning-rate schedules acting on an Optimizer's lr: StepLR (×gamma every step_size epochs)
// and ReduceLROnPlateau (×factor when a monitored loss has not improved for `patience` epochs,
// never below min_lr). Their counters are exposed as settings for checkpoints.
#pragma once

#include <map>
#include <string>

#include "nn/optim/optimizer.h"

namespace smlm::nn {

class StepLR {
 public:
  StepLR(Optimizer& optimizer, int step_size, float gamma = 0.1f);
  // Call once per epoch.
  void step();
  std::map<std::string, double> settings() const;
  void load_settings(const std::map<std::string, double>& s);

 private:
  Optimizer& opt_;
  int step_size_;
  float gamma_;
  int64_t epoch_ = 0;
};

struct ReduceLROnPlateauOptions {
  float factor = 0.1f;
  int patience = 10;
  float min_lr = 0.f;
  float threshold = 1e-4f;  // relative: improvement means loss < best·(1 − threshold)
  int cooldown = 0;         // epochs to wait after a reduction before counting again
};

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  // Call once per epoch with the monitored loss; returns true when it lowered the rate.
  bool step(double loss);
  double best() const { return best_; }
  std::map<std::string, double> settings() const;
  void load_settings(const std::map<std::string, double>& s);

 private:
  Optimizer& opt_;
  ReduceLROnPlateauOptions o_;
  double best_;
  int bad_epochs_ = 0, cooldown_left_ = 0;
};

}  // namespace smlm::nn
