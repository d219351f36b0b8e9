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

// Multi-emitter fit of ROI i (multi_emitter_fit, the integrated Gaussian): start values from the
// data (σ = initial_sigma); `seeds` (or null) kMaxSeeds (x, y) positions per ROI [ROI px] of other
// candidates, NaN after the last; pointers as BatchFitKernel's.
struct MultiFitKernel {
  static constexpr int kMaxSeeds = kLmMaxEmitters - 1;
  LmSettings settings;
  MultiFitSettings multi;
  double initial_sigma = 1.3;
  const float* pixels = nullptr;
  const float* variance = nullptr;
  const double* seeds = nullptr;
  int w = 0, h = 0;
  MultiFitResult* results = nullptr;

  SMLM_HD void operator()(int64_t i) const {
    const int64_t npix = static_cast<int64_t>(w) * h;
    const float* roi = pixels + i * npix;
    double theta[psf::IntegratedGaussian::kNumParams];
    initial_theta(roi, w, h, initial_sigma, theta);
    int n_seeds = 0;
    const double* sd = seeds != nullptr ? seeds + i * 2 * kMaxSeeds : nullptr;
    while (sd != nullptr && n_seeds < kMaxSeeds && !std::isnan(sd[2 * n_seeds])) ++n_seeds;
    results[i] = multi_emitter_fit(roi, variance != nullptr ? variance + i * npix : nullptr, w, h,
                                   theta, sd, n_seeds, settings, multi);
  }
};

}  // namespace smlm::localization
