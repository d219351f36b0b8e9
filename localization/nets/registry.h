// Every localization method behind one factory: the classic pipeline ("mle") and each network
// family, chosen by name or by the model file's own metadata (its "model" attribute), so that the
// CLI, the Python module and the streaming pipeline hold any of them as a FrameLocalizer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/camera.h"
#include "localization/frame_localizer.h"
#include "localization/localizer.h"

namespace smlm::localization::nets {

struct MethodOptions {
  // "mle" (detection + fits), a net family ("deepstorm", "decode"), or "" for the family the model
  // file names (the classic pipeline when there is no model).
  std::string method;
  std::string model_path;       // a net's trained model (HDF5 from `smlm train`)
  std::string refine = "none";  // nets: "none", or "mle" (the net's detections start LM fits)
  double psf_sigma_nm = 0;      // nets' refinement: σ start [nm]; 0 = the model's training σ
  // DECODE: the integrated detection probability a molecule needs; 0 = the method's default.
  double probability = 0;
  // Nets that convert ADU to photons (DECODE): use the camera the model was trained with, not
  // `camera` (the CLI sets this when no camera option was given).
  bool model_camera = false;
  // The classic pipeline's settings; for nets, fit (ROI, iterations, fixed σ, device) applies
  // to the refinement and fit.device is where the net runs too. A 3D net's refinement fits the
  // calibration of psf (--psf) if there is one, else the PSF the net was trained on, and takes
  // camera_maps (sCMOS) as the classic pipeline does.
  LocalizeSettings classic;
  // The user chose classic.fit.roi_radius (--roi): a 3D net's refinement keeps it, else it takes
  // default_roi_side of its PSF (the CLI's default is the 2D Gaussian's).
  bool roi_given = false;
};

// The method names make_localizer takes, "mle" first.
std::vector<std::string> method_names();
// The family a model file was trained as ("deepstorm"), from its metadata alone.
std::string model_family(const std::string& model_path);

// Throws smlm::Error with a one-line message (naming the option or file) for an unknown method,
// a net without a model, a model of another family, or options that do not apply to the method
// (a model or refinement for "mle", a 3D PSF calibration for a net without --refine mle or for a
// 2D one).
std::unique_ptr<FrameLocalizer> make_localizer(const CameraModel& camera,
                                               const MethodOptions& options);

}  // namespace smlm::localization::nets
