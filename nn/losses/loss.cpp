// Pointwise losses over tensors: one sum and one gradient pass in kernels/nn/loss.
#include "nn/losses/loss.h"

#include "nn/ops.h"

namespace smlm::nn {

LossResult pointwise_loss(kernels::nn::LossKind kind, const Tensor& p, const Tensor& t,
                          Reduction reduction, float weight) {
  check_compatible(p, t, "loss");
  const double scale =
      weight *
      (reduction == Reduction::mean && p.numel() ? 1.0 / static_cast<double>(p.numel()) : 1.0);
  LossResult r;
  r.value = scale * kernels::nn::loss_sum(p.device(), kind, p.numel(), p.data(), t.data());
  r.grad = Tensor(p.shape(), p.device());
  kernels::nn::loss_grad(p.device(), kind, p.numel(), p.data(), t.data(), static_cast<float>(scale),
                         r.grad.data());
  return r;
}

}  // namespace smlm::nn
