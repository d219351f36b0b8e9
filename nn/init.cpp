// Seeded initializers: host draws from kernels::Rng, one upload.
#include "nn/init.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/random.h"

namespace smlm::nn {

std::string init_name(Init init) {
  switch (init) {
    case Init::he_normal:
      return "he_normal";
    case Init::he_uniform:
      return "he_uniform";
    case Init::xavier_normal:
      return "xavier_normal";
    case Init::xavier_uniform:
      return "xavier_uniform";
    case Init::torch_uniform:
      return "torch_uniform";
    case Init::zeros:
      return "zeros";
  }
  return "?";
}

void initialize(Tensor& t, Init init, int64_t fan_in, int64_t fan_out, uint64_t seed,
                uint64_t stream) {
  SMLM_CHECK(fan_in > 0 && fan_out > 0, "initialize: fan_in and fan_out must be positive");
  std::vector<float> v(static_cast<size_t>(t.numel()), 0.f);
  kernels::Rng rng(seed, stream);
  const double he = 2.0 / static_cast<double>(fan_in);
  const double xavier = 2.0 / static_cast<double>(fan_in + fan_out);
  for (float& x : v) {
    switch (init) {
      case Init::he_normal:
        x = static_cast<float>(std::sqrt(he) * rng.normal());
        break;
      case Init::he_uniform:
        x = static_cast<float>(std::sqrt(3.0 * he) * (2.0 * rng.uniform() - 1.0));
        break;
      case Init::xavier_normal:
        x = static_cast<float>(std::sqrt(xavier) * rng.normal());
        break;
      case Init::xavier_uniform:
        x = static_cast<float>(std::sqrt(3.0 * xavier) * (2.0 * rng.uniform() - 1.0));
        break;
      case Init::torch_uniform:
        x = static_cast<float>((2.0 * rng.uniform() - 1.0) /
                               std::sqrt(static_cast<double>(fan_in)));
        break;
      case Init::zeros:
        break;
    }
  }
  t.copy_from(Tensor::from_host(t.shape(), v));
}

}  // namespace smlm::nn
