// Inverted dropout: one Philox block per element, keyed by the seed, counted by (element, call).
#include "kernels/nn/dropout.h"

#include "core/error.h"
#include "kernels/nn/launch.h"
#include "kernels/random.h"

namespace smlm::kernels::nn {

namespace {

struct Dropout {
  float p, scale;
  uint32_t k0, k1, c0, c1;
  const float* x;
  float* mask;
  float* y;
  SMLM_HD void operator()(int64_t i) const {
    const Philox4x32 r =
        philox4x32_10(Philox4x32{{static_cast<uint32_t>(i),
                                  static_cast<uint32_t>(static_cast<uint64_t>(i) >> 32), c0, c1}},
                      k0, k1);
    const float u = (static_cast<float>(r.v[0] >> 8) + 0.5f) * (1.f / 16777216.f);
    const float m = u >= p ? scale : 0.f;
    mask[i] = m;
    y[i] = x[i] * m;
  }
};

}  // namespace

void dropout_forward(const Device& device, int64_t n, float p, uint64_t seed, uint64_t call,
                     const float* x, float* mask, float* y) {
  SMLM_CHECK(p >= 0.f && p < 1.f, "dropout probability " << p << ": expected 0 <= p < 1");
  detail::launch(
      device, n,
      Dropout{p, 1.f / (1.f - p), static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
              static_cast<uint32_t>(call), static_cast<uint32_t>(call >> 32), x, mask, y});
}

}  // namespace smlm::kernels::nn
