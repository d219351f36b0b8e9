// BGNet behind the Localizer's RoiBackground seam (localization/roi_background.h): each fitting
// ROI's background predicted from a context window around it.
#pragma once

#include <span>
#include <string>

#include "kernels/device.h"
#include "localization/nets/bgnet/model.h"
#include "localization/roi_background.h"

namespace smlm::localization::nets::bgnet {

class BgNetBackground final : public RoiBackground {
 public:
  // device: where the net runs.
  BgNetBackground(Model model, kernels::Device device, std::string name = "BGNet");
  // Loads the model file; its name is in describe().
  BgNetBackground(const std::string& model_path, kernels::Device device);

  // Each ROI's window: side S = the model's training ROI, or the ROI's side rounded up to a
  // multiple of 4 when larger (the net is fully convolutional), centred on the ROI and shifted
  // inside the frame (edge pixels repeated when the frame is smaller); divided by its mean
  // (training_data.h), through the net in batches, times the mean, cropped to the ROI, negative
  // predictions set to 0.
  void estimate(std::span<const ImageF> frames, std::span<const RoiPlace> rois, int size,
                float* out) override;
  std::string describe() const override { return name_; }

  const Model& model() const { return model_; }
  // The window side estimate() uses for ROIs of `size` px.
  int window(int size) const;

 private:
  Model model_;
  kernels::Device device_;
  std::string name_;
};

}  // namespace smlm::localization::nets::bgnet
