// DECODE's loss as three SMLM_HD passes, run by launch() on either device:
//   1. per sample: P, V and the background's squared error (sums over its pixels);
//   2. per target slot: log Z_j = log Σ_k (p_k/P)·N(t_j; μ_k, σ_k), by a streaming log-sum-exp;
//   3. per pixel (with a gradient): every channel's ∂loss/∂raw, from the responsibilities
//      r_jk = (p_k/P)·N(t_j; μ_k, σ_k) / Z_j of the sample's targets — no atomics, no scratch
//      per pixel.
// The few per-sample sums come back to the host, which adds the loss up in double.
#include "kernels/nn/pixel_gmm.h"

#include <cmath>
#include <vector>

#include "kernels/nn/launch.h"
#include "kernels/nn/memory.h"
#include "kernels/nn/pixel_gmm_math.h"

namespace smlm::kernels::nn {

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

// log σ(x) without overflow: −log(1 + e^−x).
SMLM_HD_INLINE double log_sigmoid(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

struct Geometry {
  int64_t h, w, plane, channels;
  int dims;
  int64_t max_targets;
  SMLM_HD const float* sample(const float* out, int64_t b) const {
    return out + b * channels * plane;
  }
};

// Pass 1: sums[3b + 0] = P, sums[3b + 1] = V (with kGmmVarEps), sums[3b + 2] = Σ (bg − target)².
struct SampleSums {
  Geometry g;
  const float* out;
  const float* bg_target;
  double* sums;
  SMLM_HD void operator()(int64_t b) const {
    const float* o = g.sample(out, b);
    const int64_t bg_channel = (1 + 2 * g.dims) * g.plane;
    double P = 0, V = kGmmVarEps, B = 0;
    for (int64_t k = 0; k < g.plane; ++k) {
      const double p = gmm_sigmoid(o[k]);
      P += p;
      V += p * (1 - p);
      if (bg_target != nullptr) {
        const double d = gmm_sigmoid(o[bg_channel + k]) - bg_target[b * g.plane + k];
        B += d * d;
      }
    }
    sums[3 * b] = P;
    sums[3 * b + 1] = V;
    sums[3 * b + 2] = B;
  }
};

// Pass 2: logz[b·M + j] = log Z_j for the used slots (0 for the others).
struct TargetLogZ {
  Geometry g;
  const float* out;
  const float* targets;
  const float* counts;
  const double* sums;
  double* logz;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t b = i / g.max_targets, j = i - b * g.max_targets;
    if (j >= static_cast<int64_t>(counts[b])) {
      logz[i] = 0;
      return;
    }
    const float* o = g.sample(out, b);
    const float* t = targets + i * g.dims;
    const double log_P = log(sums[3 * b]);
    double m = -INFINITY, s = 0;  // running max and Σ exp(ℓ − m)
    for (int64_t k = 0; k < g.plane; ++k) {
      const GmmPixel px =
          gmm_pixel(o + k, g.plane, g.dims, static_cast<int>(k / g.w), static_cast<int>(k % g.w));
      const double l = log_sigmoid(o[k]) - log_P + gmm_component_log(px, t, g.dims);
      if (l > m) {
        s = s * exp(m - l) + 1;
        m = l;
      } else {
        s += exp(l - m);
      }
    }
    logz[i] = m + log(s);
  }
};

// Pass 3: the gradient at pixel k of sample b, every channel, scaled by 1/n (the batch mean).
struct PixelGrad {
  Geometry g;
  const float* out;
  const float* targets;
  const float* counts;
  const float* bg_target;
  const double* sums;
  const double* logz;
  double bg_weight, scale;
  float* grad;
  SMLM_HD void operator()(int64_t i) const {
    const int64_t b = i / g.plane, k = i - b * g.plane;
    const float* o = g.sample(out, b) + k;
    float* gr = grad + b * g.channels * g.plane + k;
    const GmmPixel px =
        gmm_pixel(o, g.plane, g.dims, static_cast<int>(k / g.w), static_cast<int>(k % g.w));
    const double E = counts[b], P = sums[3 * b], V = sums[3 * b + 1];
    const double log_P = log(P), log_p = log_sigmoid(o[0]);
    double r_sum = 0, d_mu[kGmmMaxDims] = {}, d_sigma[kGmmMaxDims] = {};
    for (int64_t j = 0; j < static_cast<int64_t>(E); ++j) {
      const float* t = targets + (b * g.max_targets + j) * g.dims;
      const double r =
          exp(log_p - log_P + gmm_component_log(px, t, g.dims) - logz[b * g.max_targets + j]);
      r_sum += r;
      for (int d = 0; d < g.dims; ++d) {
        const double inv = 1 / px.sigma[d], z = (t[d] - px.mu[d]) * inv;
        d_mu[d] -= r * z * inv;
        d_sigma[d] -= r * (z * z - 1) * inv;
      }
    }
    // ∂count/∂P and ∂count/∂V, times E; ∂P/∂p = 1, ∂V/∂p = 1 − 2p.
    const double e = E - P;
    const double d_count_p = E * (-e / V + (0.5 / V - 0.5 * e * e / (V * V)) * (1 - 2 * px.p));
    // ∂local/∂p_k = −Σ_j r_jk / p_k + E / P; through the sigmoid, r/p·p(1 − p) = r(1 − p).
    const double d_raw_p = px.slope_p * (d_count_p + (E > 0 ? E / P : 0.0)) - r_sum * (1 - px.p);
    gr[0] = static_cast<float>(scale * d_raw_p);
    for (int d = 0; d < g.dims; ++d) {
      gr[(1 + d) * g.plane] = static_cast<float>(scale * d_mu[d] * px.slope_mu[d]);
      gr[(1 + g.dims + d) * g.plane] = static_cast<float>(scale * d_sigma[d] * px.slope_sigma[d]);
    }
    const double d_bg =
        bg_target != nullptr ? 2 * bg_weight * (px.bg - bg_target[b * g.plane + k]) : 0.0;
    gr[(1 + 2 * g.dims) * g.plane] = static_cast<float>(scale * d_bg * px.slope_bg);
  }
};

// Device scratch, freed on every path out.
class Scratch {
 public:
  Scratch(const Device& d, size_t doubles)
      : device_(d), p_(static_cast<double*>(allocate_bytes(d, doubles * sizeof(double)))) {}
  ~Scratch() { free_bytes(device_, p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  double* get() const { return p_; }

 private:
  Device device_;
  double* p_;
};

}  // namespace

PixelGmmParts pixel_gmm_loss(const Device& device, const PixelGmmShape& s, const float* out,
                             const float* targets, const float* counts, const float* bg_target,
                             double bg_weight, float* grad) {
  SMLM_CHECK(s.dims == 3 || s.dims == 4, "pixel GMM loss: D must be 3 or 4, got " << s.dims);
  SMLM_CHECK(s.n > 0 && s.h > 0 && s.w > 0 && s.max_targets >= 0,
             "pixel GMM loss: empty batch or grid");
  const Geometry g{s.h, s.w, s.h * s.w, gmm_channels(s.dims), s.dims, s.max_targets};
  const int64_t slots = s.n * s.max_targets;
  Scratch sums(device, static_cast<size_t>(3 * s.n)), logz(device, static_cast<size_t>(slots + 1));
  detail::launch(device, s.n, SampleSums{g, out, bg_target, sums.get()});
  detail::launch(device, slots, TargetLogZ{g, out, targets, counts, sums.get(), logz.get()});
  if (grad != nullptr)
    detail::launch(device, s.n * g.plane,
                   PixelGrad{g, out, targets, counts, bg_target, sums.get(), logz.get(), bg_weight,
                             1.0 / static_cast<double>(s.n), grad});

  std::vector<double> h_sums(3 * s.n), h_logz(slots);
  std::vector<float> h_counts(s.n);
  copy_bytes(Device::cpu(), h_sums.data(), device, sums.get(), h_sums.size() * sizeof(double));
  if (slots > 0)
    copy_bytes(Device::cpu(), h_logz.data(), device, logz.get(), h_logz.size() * sizeof(double));
  copy_bytes(Device::cpu(), h_counts.data(), device, counts, h_counts.size() * sizeof(float));
  PixelGmmParts parts;
  for (int64_t b = 0; b < s.n; ++b) {
    const double E = h_counts[b], P = h_sums[3 * b], V = h_sums[3 * b + 1];
    parts.count += E * (0.5 * std::log(V) + kHalfLog2Pi + 0.5 * (E - P) * (E - P) / V);
    for (int64_t j = 0; j < static_cast<int64_t>(E); ++j)
      parts.localization -= h_logz[b * s.max_targets + j];
    parts.background += h_sums[3 * b + 2];
  }
  const double inv_n = 1.0 / static_cast<double>(s.n);
  parts.count *= inv_n;
  parts.localization *= inv_n;
  parts.background *= inv_n;
  parts.value = parts.count + parts.localization + bg_weight * parts.background;
  return parts;
}

}  // namespace smlm::kernels::nn
