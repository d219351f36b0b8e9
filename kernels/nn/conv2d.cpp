// Conv2dDesc's geometry and the dispatch of each convolution to oneDNN or cuDNN.
#include "kernels/nn/conv2d.h"

#include <atomic>

#include "core/error.h"
#include "kernels/nn/conv2d_backends.h"
#include "kernels/nn/elementwise.h"

namespace smlm::kernels::nn {

namespace {
std::atomic<bool> g_allow_tf32{true};
std::atomic<bool> g_autotune{false};

#if !SMLM_HAVE_CUDNN
[[noreturn]] void no_gpu_conv() {
  throw Error(cuda_compiled() ? "conv2d on a GPU: smlm was built without cuDNN"
                              : "conv2d on a GPU: smlm was built without CUDA");
}
#endif
}  // namespace

Shape Conv2dDesc::y() const {
  const int64_t eh = static_cast<int64_t>(dilation_h) * (kernel_h - 1) + 1;
  const int64_t ew = static_cast<int64_t>(dilation_w) * (kernel_w - 1) + 1;
  return {x.n, out_channels, (x.h + 2 * pad_h - eh) / stride_h + 1,
          (x.w + 2 * pad_w - ew) / stride_w + 1};
}

Shape Conv2dDesc::weight() const { return {out_channels, x.c / groups, kernel_h, kernel_w}; }

void Conv2dDesc::validate() const {
  SMLM_CHECK(x.n > 0 && x.c > 0 && x.h > 0 && x.w > 0, "conv2d: empty input " << x.str());
  SMLM_CHECK(out_channels > 0 && kernel_h > 0 && kernel_w > 0 && stride_h > 0 && stride_w > 0 &&
                 dilation_h > 0 && dilation_w > 0 && pad_h >= 0 && pad_w >= 0 && groups > 0,
             "conv2d: sizes, strides and dilations must be positive, padding non-negative");
  SMLM_CHECK(x.c % groups == 0 && out_channels % groups == 0,
             "conv2d: " << x.c << " input and " << out_channels
                        << " output channels must both divide into " << groups << " groups");
  const Shape o = y();
  SMLM_CHECK(o.h > 0 && o.w > 0,
             "conv2d: input " << x.str() << " is smaller than the dilated kernel");
}

void set_conv2d_autotune(bool autotune) { g_autotune = autotune; }
bool conv2d_autotune() { return g_autotune; }
void set_conv2d_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool conv2d_allow_tf32() { return g_allow_tf32; }
bool cudnn_compiled() { return SMLM_HAVE_CUDNN != 0; }

void conv2d_forward(const Device& device, const Conv2dDesc& d, const float* x, const float* w,
                    const float* bias, float* y) {
  d.validate();
  if (!device.is_cuda()) return detail::onednn_conv2d_forward(d, x, w, bias, y);
#if SMLM_HAVE_CUDNN
  detail::cudnn_conv2d_forward(device.index, d, x, w, bias, y);
#else
  no_gpu_conv();
#endif
}

void conv2d_backward_data(const Device& device, const Conv2dDesc& d, const float* dy,
                          const float* w, float* dx) {
  d.validate();
  if (!device.is_cuda()) return detail::onednn_conv2d_backward_data(d, dy, w, dx);
#if SMLM_HAVE_CUDNN
  detail::cudnn_conv2d_backward_data(device.index, d, dy, w, dx);
#else
  no_gpu_conv();
#endif
}

void conv2d_backward_filter(const Device& device, const Conv2dDesc& d, const float* x,
                            const float* dy, float* dw, float* dbias) {
  d.validate();
  if (!device.is_cuda()) return detail::onednn_conv2d_backward_filter(d, x, dy, dw, dbias);
#if SMLM_HAVE_CUDNN
  // The bias gradient by channel_sum's fixed-tree reduction: cudnnConvolutionBackwardBias makes
  // no determinism promise.
  detail::cudnn_conv2d_backward_filter(device.index, d, x, dy, dw);
  if (dbias) channel_sum(device, d.y(), dy, dbias);
#else
  no_gpu_conv();
#endif
}

void clear_conv2d_cache() {
  detail::onednn_clear_cache();
#if SMLM_HAVE_CUDNN
  detail::cudnn_clear_cache();
#endif
}

}  // namespace smlm::kernels::nn
