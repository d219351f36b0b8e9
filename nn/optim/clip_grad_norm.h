// Gradient-norm clipping: scales every gradient by max_norm/‖g‖ when the global L2 norm ‖g‖ over
// all the parameters' gradients exceeds max_norm. Returns ‖g‖ before clipping.
#pragma once

#include <vector>

#include "nn/parameter.h"

namespace smlm::nn {

double clip_grad_norm(const std::vector<NamedParameter>& parameters, double max_norm);

}  // namespace smlm::nn
