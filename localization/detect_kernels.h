// Detection over a batch of frames of one size as SMLM_HD functors: camera conversion, the four
// separable à-trous passes, the wavelet levels, the per-frame threshold, the candidate test and ROI
// extraction. The CPU runs them in kernels::parallel_for (localization/detect_batch.cpp), CUDA in
// kernels::parallel_for_gpu (localization/cuda/detect_batch_gpu.cu); the math is detect.h's,
// roi.h's and CameraModel's.
//
// Layout: a batch of `frames` frames of w × h pixels, frame after frame, each row-major (x
// fastest): pixel (x, y) of frame f has index i = (f·h + y)·w + x. Every pointer lies in the memory
// of the device that runs the functor. Functors are trivially copyable (kernel arguments).
#pragma once

#include <cstdint>

#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/hd.h"
#include "localization/detect.h"
#include "localization/roi.h"

namespace smlm::localization {

// A candidate of a batch of frames, with the origin of the ROI around it.
struct BatchCandidate {
  int frame;    // index of its frame in the batch
  int x, y;     // its pixel in the frame
  float value;  // F2 there [photoelectrons]
  int x0, y0;  // origin of its (2r + 1)² ROI in the frame (place_roi); 0 when the frame is smaller
};

// Frame f and pixel (x, y) of batch index i.
SMLM_HD_INLINE void pixel_of(int64_t i, int w, int h, int64_t& f, int& x, int& y) {
  const int64_t npix = static_cast<int64_t>(w) * h;
  f = i / npix;
  const int r = static_cast<int>(i - f * npix);
  y = r / w;
  x = r - y * w;
}

// electrons[i] = camera.adu_to_electrons(adu[i]) at pixel i's (x, y) of its w × h frame (the
// maps, when set, place every frame at their origin), rounded to float. electrons may be adu.
struct AduToElectronsKernel {
  PixelCamera camera;
  const float* adu = nullptr;
  float* electrons = nullptr;
  int w = 0, h = 0;

  SMLM_HD void operator()(int64_t i) const {
    if (camera.maps.empty()) {
      electrons[i] = static_cast<float>(camera.camera.adu_to_electrons(adu[i]));
      return;
    }
    int64_t f;
    int x, y;
    pixel_of(i, w, h, f, x, y);
    electrons[i] = static_cast<float>(camera.adu_to_electrons(adu[i], x, y));
  }
};

// One pass of the à-trous kernel with holes of `step` px (atrous_tap) along x (dx = 1, dy = 0) or
// y (dx = 0, dy = 1), each frame on its own with mirrored borders. out must not alias in.
struct AtrousPassKernel {
  const float* in = nullptr;
  float* out = nullptr;
  int w = 0, h = 0, step = 1, dx = 1, dy = 0;

  SMLM_HD void at(int64_t f, int x, int y) const {
    const int64_t base = f * w * h;
    out[base + static_cast<int64_t>(y) * w + x] = atrous_tap(in + base, w, h, x, y, step, dx, dy);
  }
  SMLM_HD void operator()(int64_t i) const {
    int64_t f;
    int x, y;
    pixel_of(i, w, h, f, x, y);
    at(f, x, y);
  }
};

// The wavelet levels per pixel: F1 = image − V1, F2 = V1 − V2. Each thread reads its own index of
// every input before writing it, so f1 and f2 may alias inputs.
struct WaveletLevelsKernel {
  const float* image = nullptr;
  const float* v1 = nullptr;
  const float* v2 = nullptr;
  float* f1 = nullptr;
  float* f2 = nullptr;

  SMLM_HD void operator()(int64_t i) const {
    const float e = image[i], a = v1[i], b = v2[i];
    f1[i] = e - a;
    f2[i] = a - b;
  }
};

// Per frame f: sums[2f] = Σ F1, sums[2f + 1] = Σ F1² over its `pixels` pixels, in raster order
// (sum_and_squares, as detect() sums them).
struct FrameMomentsKernel {
  const float* f1 = nullptr;
  int64_t pixels = 0;
  double* sums = nullptr;

  SMLM_HD void operator()(int64_t f) const {
    sum_and_squares(f1 + f * pixels, pixels, sums[2 * f], sums[2 * f + 1]);
  }
};

// Per frame f: thr[f] = detection_threshold of the frame, from `parts` partial (Σ F1, Σ F1²) pairs
// per frame (sums[2(f·parts + p)], sums[2(f·parts + p) + 1]), added in order.
struct FrameThresholdKernel {
  const double* sums = nullptr;
  int parts = 1;
  int64_t pixels = 0;
  double threshold = 1.0;
  float* thr = nullptr;

  SMLM_HD void operator()(int64_t f) const {
    double s = 0, s2 = 0;
    for (int p = 0; p < parts; ++p) {
      s += sums[2 * (f * parts + p)];
      s2 += sums[2 * (f * parts + p) + 1];
    }
    thr[f] = detection_threshold(s, s2, static_cast<double>(pixels), threshold);
  }
};

// True when pixel i is a candidate (detect()): F2 > thr[its frame] and the local maximum within
// nms_radius of its frame's F2 (is_local_maximum).
struct CandidateTestKernel {
  const float* f2 = nullptr;
  const float* thr = nullptr;
  int w = 0, h = 0;
  int nms_radius = 1;

  SMLM_HD bool at(int64_t f, int x, int y) const {
    const float* frame = f2 + f * w * h;
    return frame[static_cast<int64_t>(y) * w + x] > thr[f] &&
           is_local_maximum(frame, w, h, x, y, nms_radius);
  }
  SMLM_HD bool operator()(int64_t i) const {
    int64_t f;
    int x, y;
    pixel_of(i, w, h, f, x, y);
    return at(f, x, y);
  }
};

// Candidate k from its batch index index[k]: its frame, pixel, F2 value and ROI origin
// (place_roi), and, when rois is not null, its (2·radius + 1)² pixels of `image` (extract_roi) at
// rois + k·(2·radius + 1)². rois must be null when the frames are smaller than the ROI. sCMOS:
// when variance is not null too, the ROI's read-noise variances [e⁻²] (camera.variance_e2 at the
// ROI's frame pixels) go to variance, laid out like rois.
struct CandidateRoiKernel {
  const int64_t* index = nullptr;
  const float* image = nullptr;
  const float* f2 = nullptr;
  int w = 0, h = 0, radius = 3;
  BatchCandidate* candidates = nullptr;
  float* rois = nullptr;
  PixelCamera camera;
  float* variance = nullptr;

  SMLM_HD void operator()(int64_t k) const {
    const int64_t i = index[k];
    int64_t f;
    int x, y;
    pixel_of(i, w, h, f, x, y);
    BatchCandidate c{static_cast<int>(f), x, y, f2[i], 0, 0};
    const int size = 2 * radius + 1;
    if (place_roi(x, y, radius, w, h, c.x0, c.y0) && rois != nullptr) {
      extract_roi(image + f * w * h, w, c.x0, c.y0, size, size,
                  rois + k * static_cast<int64_t>(size) * size);
      if (variance != nullptr)
        for (int j = 0; j < size; ++j)
          for (int i = 0; i < size; ++i)
            variance[k * static_cast<int64_t>(size) * size + j * size + i] =
                static_cast<float>(camera.variance_e2(c.x0 + i, c.y0 + j));
    }
    candidates[k] = c;
  }
};

}  // namespace smlm::localization
