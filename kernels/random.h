// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011) callable on host and device.
// A stream is named by (seed, stream id); the CPU and the GPU draw identical numbers from the same
// names, so a simulated pixel is the same on both. Distributions: uniform, normal, Poisson
// (inversion below 12, Hörmann's PTRS above), gamma (Marsaglia–Tsang), exponential.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "core/lgamma.h"

namespace smlm::kernels {

struct Philox4x32 {
  uint32_t v[4];
};

SMLM_HD_INLINE void mulhilo32(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

// Philox4x32 with 10 rounds: counter (4 words) and key (2 words) → 4 random words.
SMLM_HD_INLINE Philox4x32 philox4x32_10(Philox4x32 ctr, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo32(0xD2511F53u, ctr.v[0], hi0, lo0);
    mulhilo32(0xCD9E8D57u, ctr.v[2], hi1, lo1);
    ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return ctr;
}

// A sequential generator over one Philox stream: key = seed, counter = (stream, block index).
class Rng {
 public:
  SMLM_HD Rng(uint64_t seed, uint64_t stream)
      : k0_(static_cast<uint32_t>(seed)),
        k1_(static_cast<uint32_t>(seed >> 32)),
        s0_(static_cast<uint32_t>(stream)),
        s1_(static_cast<uint32_t>(stream >> 32)) {}

  SMLM_HD uint32_t next_u32() {
    if (idx_ == 4) {
      buf_ = philox4x32_10(Philox4x32{{block_, block_hi_, s0_, s1_}}, k0_, k1_);
      if (++block_ == 0) ++block_hi_;
      idx_ = 0;
    }
    return buf_.v[idx_++];
  }

  // Uniform in (0, 1), never 0 or 1, 53 bits.
  SMLM_HD double uniform() {
    const uint64_t a = next_u32() >> 5, b = next_u32() >> 6;  // 27 + 26 bits
    return (static_cast<double>(a * 67108864ull + b) + 0.5) * (1.0 / 9007199254740992.0);
  }

  SMLM_HD double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  SMLM_HD double exponential(double mean) { return -mean * std::log(uniform()); }

  SMLM_HD double poisson(double lambda) {
    if (!(lambda > 0)) return 0.0;
    if (lambda < 12.0) {  // inversion by sequential search
      const double l = std::exp(-lambda);
      double k = 0, p = uniform();
      while (p > l) {
        p *= uniform();
        k += 1;
      }
      return k;
    }
    // PTRS: transformed rejection with squeeze (Hörmann 1993).
    const double slam = std::sqrt(lambda), loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const double u = uniform() - 0.5, v = uniform();
      const double us = 0.5 - std::fabs(u);
      const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
          -lambda + k * loglam - log_gamma(k + 1))
        return k;
    }
  }

  // Gamma(shape, scale), shape > 0 (Marsaglia & Tsang 2000; boosted below shape 1).
  SMLM_HD double gamma(double shape, double scale) {
    double boost = 1.0;
    if (shape < 1.0) {
      boost = std::pow(uniform(), 1.0 / shape);
      shape += 1.0;
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * scale * boost;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v * scale * boost;
    }
  }

 private:
  uint32_t k0_, k1_, s0_, s1_;
  uint32_t block_ = 0, block_hi_ = 0;
  Philox4x32 buf_{};
  int idx_ = 4;
};

}  // namespace smlm::kernels
