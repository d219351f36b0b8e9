// DECODE's loss: shape checks, then kernels/nn's passes.
#include "nn/losses/pixel_gmm.h"

#include "core/error.h"

namespace smlm::nn {

PixelGmmResult pixel_gmm_loss(const Tensor& output, const Tensor& targets, const Tensor& counts,
                              const Tensor& bg_target, double bg_weight, bool need_grad) {
  SMLM_CHECK(output.defined() && targets.defined() && counts.defined(),
             "pixel GMM loss: undefined tensor");
  const int64_t n = output.n(), c = output.c();
  SMLM_CHECK(c == 8 || c == 10,
             "pixel GMM loss: output needs 8 (2D) or 10 (3D) channels, got " << c);
  kernels::nn::PixelGmmShape s;
  s.n = n, s.h = output.h(), s.w = output.w(), s.dims = static_cast<int>((c - 2) / 2);
  s.max_targets = targets.c();
  SMLM_CHECK(targets.n() == n && targets.h() == s.dims && targets.w() == 1,
             "pixel GMM loss: targets must be (n, M, " << s.dims << ", 1)");
  SMLM_CHECK(counts.numel() == n, "pixel GMM loss: one count per sample");
  auto same_device = [&](const Tensor& t) {
    return t.device().kind == output.device().kind && t.device().index == output.device().index;
  };
  SMLM_CHECK(same_device(targets) && same_device(counts),
             "pixel GMM loss: tensors on different devices");
  if (bg_target.defined())
    SMLM_CHECK(bg_target.numel() == n * s.h * s.w && same_device(bg_target),
               "pixel GMM loss: background target must be (n, 1, h, w) on the output's device");
  for (float v : counts.host())
    SMLM_CHECK(v >= 0 && v <= s.max_targets && v == static_cast<float>(static_cast<int64_t>(v)),
               "pixel GMM loss: counts must be whole numbers in [0, " << s.max_targets << "]");
  PixelGmmResult r;
  if (need_grad) r.grad = Tensor(output.shape(), output.device());
  r.parts =
      kernels::nn::pixel_gmm_loss(output.device(), s, output.data(), targets.data(), counts.data(),
                                  bg_target.defined() ? bg_target.data() : nullptr, bg_weight,
                                  need_grad ? r.grad.data() : nullptr);
  return r;
}

}  // namespace smlm::nn
