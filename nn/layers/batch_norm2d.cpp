// BatchNorm2d over kernels/nn/batch_norm: batch statistics when training, running ones otherwise.
#include "nn/layers/batch_norm2d.h"

#include <sstream>

#include "core/error.h"
#include "kernels/nn/batch_norm.h"
#include "nn/ops.h"

namespace smlm::nn {

BatchNorm2d::BatchNorm2d(int64_t channels, float eps, float momentum)
    : channels_(channels), eps_(eps), momentum_(momentum) {
  SMLM_CHECK(channels > 0 && eps > 0 && momentum >= 0 && momentum <= 1,
             "BatchNorm2d: channels > 0, eps > 0 and momentum in [0, 1] expected");
  const Shape s{channels, 1, 1, 1};
  gamma = Parameter(Tensor::full(s, 1.f));
  beta = Parameter(Tensor::zeros(s));
  running_mean = Tensor::zeros(s);
  running_var = Tensor::full(s, 1.f);
}

Tensor BatchNorm2d::forward(const Tensor& x, bool training) {
  check_input(x, "input");
  SMLM_CHECK(x.c() == channels_, describe() << ": input " << x.shape().str());
  Tensor y(x.shape(), device_);
  batch_stats_ = training && !frozen_;
  if (batch_stats_) {
    save_mean_ = Tensor(Shape{channels_, 1, 1, 1}, device_);
    save_invstd_ = Tensor(Shape{channels_, 1, 1, 1}, device_);
    kernels::nn::batch_norm_forward_training(
        device_, x.shape(), x.data(), gamma.value.data(), beta.value.data(), eps_, momentum_,
        y.data(), running_mean.data(), running_var.data(), save_mean_.data(), save_invstd_.data());
  } else {
    kernels::nn::batch_norm_forward_inference(device_, x.shape(), x.data(), gamma.value.data(),
                                              beta.value.data(), running_mean.data(),
                                              running_var.data(), eps_, y.data());
  }
  if (training) input_ = x;
  return y;
}

Tensor BatchNorm2d::backward(const Tensor& grad_out) {
  SMLM_CHECK(input_.defined(), describe() << ": backward without a training forward");
  check_input(grad_out, "gradient");
  SMLM_CHECK(grad_out.shape() == input_.shape(), describe() << ": gradient shape");
  const Shape s{channels_, 1, 1, 1};
  Tensor dx(input_.shape(), device_), dg(s, device_), db(s, device_);
  if (batch_stats_)
    kernels::nn::batch_norm_backward(device_, input_.shape(), input_.data(), grad_out.data(),
                                     gamma.value.data(), save_mean_.data(), save_invstd_.data(),
                                     dx.data(), dg.data(), db.data());
  else
    kernels::nn::batch_norm_backward_inference(
        device_, input_.shape(), input_.data(), grad_out.data(), gamma.value.data(),
        running_mean.data(), running_var.data(), eps_, dx.data(), dg.data(), db.data());
  add_(gamma.grad, dg);
  add_(beta.grad, db);
  input_ = save_mean_ = save_invstd_ = Tensor();
  return dx;
}

std::string BatchNorm2d::describe() const {
  std::ostringstream s;
  s << "BatchNorm2d(" << channels_ << ", eps=" << eps_ << ", momentum=" << momentum_ << ")";
  return s.str();
}

std::vector<std::pair<std::string, Parameter*>> BatchNorm2d::own_parameters() {
  return {{"gamma", &gamma}, {"beta", &beta}};
}

std::vector<std::pair<std::string, Tensor*>> BatchNorm2d::own_buffers() {
  return {{"running_mean", &running_mean}, {"running_var", &running_var}};
}

}  // namespace smlm::nn
