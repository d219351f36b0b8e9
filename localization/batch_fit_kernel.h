// The per-ROI functor of batched fitting: start values and one lm_fit per index. The CPU runs it in
// kernels::parallel_for, the GPU in kernels::parallel_for_gpu: the same code on both devices.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "localization/lm_fit.h"
#include "localization/multi_fit.h"
#include "localization/roi.h"

namespace smlm::localization {

// Fits ROI i of a batch: `pixels` holds the ROIs one after the other (w·h each, row-major);
// `starts` (or null: start values from the data) kNumParams values per ROI; `variance` (or null)
// w·h sCMOS values per ROI, laid out like `pixels`. All pointers in the memory space of the device
// that runs the functor. Model: lm_fit's model, plus
// `SMLM_HD void initial_theta(const float* roi, int w, int h, double* theta) const`.
template <class Model>
struct BatchFitKernel {
  Model model;
  LmSettings settings;
  const float* pixels = nullptr;
  const float* variance = nullptr;
  const double* starts = nullptr;
  int w = 0, h = 0;
  LmResult* results = nullptr;

  SMLM_HD void operator()(int64_t i) const {
    const int64_t npix = static_cast<int64_t>(w) * h;
    const float* roi = pixels + i * npix;
    double theta[Model::kNumParams];
    if (starts != nullptr) {
      for (int p = 0; p < Model::kNumParams; ++p) theta[p] = starts[i * Model::kNumParams + p];
    } else {
      model.initial_theta(roi, w, h, theta);
    }
    results[i] = lm_fit(model, roi, variance != nullptr ? variance + i * npix : nullptr, w, h,
                        theta, settings);
  }
};

// Multi-emitter fit of ROI i (multi_emitter_fit) of the emitters of `psf` (GaussianEmitterPsf,
// AstigmaticEmitterPsf, SplineEmitterPsf): start values from the data (psf.single()'s
// initial_theta: σ = initial_sigma in 2D, the z scan in 3D); `seeds` (or null) kMaxSeeds (x, y)
// positions per ROI [ROI px] of other candidates, NaN after the last; `singles` (or null) each
// ROI's single-emitter fit from the same start (the search then starts from it, KnownSingleFit);
// pointers as BatchFitKernel's.
template <class Psf>
struct MultiFitKernel {
  static constexpr int kMaxSeeds = kLmMaxEmitters - 1;
  Psf psf;
  LmSettings settings;
  MultiFitSettings multi;
  const float* pixels = nullptr;
  const float* variance = nullptr;
  const double* seeds = nullptr;
  int w = 0, h = 0;
  MultiFitResult* results = nullptr;
  const LmResult* singles = nullptr;

  SMLM_HD void operator()(int64_t i) const {
    const int64_t npix = static_cast<int64_t>(w) * h;
    const float* roi = pixels + i * npix;
    double theta[5];
    psf.single().initial_theta(roi, w, h, theta);
    int n_seeds = 0;
    const double* sd = seeds != nullptr ? seeds + i * 2 * kMaxSeeds : nullptr;
    while (sd != nullptr && n_seeds < kMaxSeeds && !std::isnan(sd[2 * n_seeds])) ++n_seeds;
    const float* v = variance != nullptr ? variance + i * npix : nullptr;
    results[i] = singles != nullptr
                     ? multi_emitter_fit(psf, roi, v, w, h, theta, sd, n_seeds, settings, multi,
                                         KnownSingleFit{singles + i})
                     : multi_emitter_fit(psf, roi, v, w, h, theta, sd, n_seeds, settings, multi);
  }
};

}  // namespace smlm::localization
