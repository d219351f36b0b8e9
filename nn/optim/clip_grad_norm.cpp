// Global gradient-norm clipping.
#include "nn/optim/clip_grad_norm.h"

#include <cmath>

#include "core/error.h"
#include "nn/ops.h"

namespace smlm::nn {

double clip_grad_norm(const std::vector<NamedParameter>& parameters, double max_norm) {
  SMLM_CHECK(max_norm > 0, "clip_grad_norm: max_norm " << max_norm << " must be positive");
  double sq = 0;
  for (const auto& p : parameters) sq += sum_squares(p.parameter->grad);
  const double norm = std::sqrt(sq);
  if (norm > max_norm) {
    const float s = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& p : parameters) scale_(p.parameter->grad, s);
  }
  return norm;
}

}  // namespace smlm::nn
