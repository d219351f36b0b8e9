// A per-pixel background for the fitting ROIs: what BGNet (localization/nets/bgnet/) predicts, or
// a known map (tests and benches: the simulation's truth), so that fits of a PSF on a background
// with structure (cells, out-of-focus light) are not biased by a flat-background model.
//
// How the Localizer uses it (LocalizeSettings::roi_background): every placed ROI gets its map
// b [e⁻/px], and then, by default (BackgroundUse::likelihood), the fit's model becomes
//   μ_k = N·PSF_k(θ) + bg + b_k,
// b a known offset in the Poisson likelihood (and the CRLB), bg a constant still fitted on top
// (≥ 0, what the map missed). It enters the fitters as the sCMOS variance term does (lm_fit.h:
// data + v is Poisson with mean μ + v): the ROI's data become d − b and the known term v + b, so
// the likelihood sees d + v against μ + b + v — no fitter changes, every PSF model, LM and Ceres,
// single and multi-emitter. BackgroundUse::subtract instead fits d − b (negative counts read as
// 0) with the usual flat model, what BGNet's paper did; it is worse wherever b is a large part of
// the counts, since d − b is not Poisson: its variance is still d's, the model assumes a smaller
// one and the CRLB is optimistic (bench/RESULTS.md measures both).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/image.h"

namespace smlm::localization {

// A fitting ROI: frame index into the batch's frames, and its top-left pixel.
struct RoiPlace {
  int64_t frame = 0;
  int x0 = 0, y0 = 0;
};

class RoiBackground {
 public:
  virtual ~RoiBackground() = default;
  // For each ROI i (size × size px at (x0, y0) of frames[frame], all inside their frame), its
  // background [photoelectrons per pixel, ≥ 0] row-major at out + i·size². frames: the batch's
  // frames in photoelectrons. Called by one thread at a time.
  virtual void estimate(std::span<const ImageF> frames, std::span<const RoiPlace> rois, int size,
                        float* out) = 0;
  // One line for the Localizer's summary, e.g. "BGNet model bg.h5".
  virtual std::string describe() const = 0;
};

enum class BackgroundUse {
  likelihood,  // b a known per-pixel offset of the Poisson model (default)
  subtract,    // the data minus b, fitted with the flat-background model
};

// A known map the same for every frame (e.g. `simulate --background-structure`'s), in photons per
// pixel over the whole frame, × qe → photoelectrons.
class MapBackground final : public RoiBackground {
 public:
  MapBackground(ImageF photons, double qe);
  void estimate(std::span<const ImageF> frames, std::span<const RoiPlace> rois, int size,
                float* out) override;
  std::string describe() const override { return "known background map"; }

 private:
  ImageF map_;  // photoelectrons
};

}  // namespace smlm::localization
