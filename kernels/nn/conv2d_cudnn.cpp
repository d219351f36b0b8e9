// conv2d on the GPU through cuDNN 9's legacy convolution API. Per Conv2dDesc (and TF32 and
// autotune settings) the descriptors are built and each direction's algorithm chosen once — by
// cudnnGet…_v7's heuristics, or by timing with cudnnFind… when autotuning, deterministic algorithms
// only, each query falling back on the other — then reused; one workspace per device grows to the
// largest need. Plain C calls: compiled by the host compiler.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <map>
#include <memory>
#include <tuple>

#include "kernels/cuda_check.h"
#include "kernels/nn/conv2d_backends.h"
#include "kernels/nn/cudnn_check.h"

namespace smlm::kernels::nn::detail {

namespace {

const float kOne = 1.f, kZero = 0.f;

class Workspace {
 public:
  ~Workspace() {
    if (ptr_) cudaFree(ptr_);
  }
  void* get(size_t bytes) {
    if (bytes > size_) {
      if (ptr_) SMLM_CUDA_CHECK(cudaFree(ptr_));
      ptr_ = nullptr;
      size_ = 0;
      SMLM_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
      size_ = bytes;
    }
    return ptr_;
  }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

struct Handle {
  explicit Handle(int device) {
    SMLM_CUDA_CHECK(cudaSetDevice(device));
    SMLM_CUDNN_CHECK(cudnnCreate(&h));
  }
  ~Handle() { cudnnDestroy(h); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  cudnnHandle_t h = nullptr;
  Workspace workspace;
};

// Successful, deterministic, and never down-converting float data to half precision
// (ALLOW_CONVERSION): tensor-op math only when TF32 is allowed.
template <class Perf>
bool usable(const Perf& p, bool tf32) {
  return p.status == CUDNN_STATUS_SUCCESS && p.determinism == CUDNN_DETERMINISTIC &&
         p.mathType != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION &&
         (tf32 || p.mathType != CUDNN_TENSOR_OP_MATH);
}

template <class Algo>
struct Choice {
  Algo algo{};
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
};

// The first usable result of cudnnGet…_v7 then cudnnFind… (reversed when autotuning).
template <class Perf, class Find, class Get>
auto choose(bool tf32, bool autotune, Find find, Get get) {
  using Algo = decltype(Perf{}.algo);
  constexpr int kMax = 16;
  Perf perf[kMax];
  int count = 0;
  for (const bool timed : {autotune, !autotune}) {
    const cudnnStatus_t st = timed ? find(kMax, &count, perf) : get(kMax, &count, perf);
    if (st != CUDNN_STATUS_SUCCESS) continue;
    for (int i = 0; i < count; ++i)
      if (usable(perf[i], tf32))
        return Choice<Algo>{perf[i].algo, tf32 ? perf[i].mathType : CUDNN_FMA_MATH, perf[i].memory};
  }
  throw Error("cuDNN: no deterministic convolution algorithm for this shape");
}

struct Conv {
  Conv(const Conv2dDesc& d, bool tf32_, bool autotune_) : tf32(tf32_), autotune(autotune_) {
    const Shape y = d.y(), w = d.weight();
    SMLM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&xd));
    SMLM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&yd));
    SMLM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&bd));
    SMLM_CUDNN_CHECK(cudnnCreateFilterDescriptor(&wd));
    SMLM_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cd));
    auto set4 = [](cudnnTensorDescriptor_t t, const Shape& s) {
      SMLM_CUDNN_CHECK(cudnnSetTensor4dDescriptor(t, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                  static_cast<int>(s.n), static_cast<int>(s.c),
                                                  static_cast<int>(s.h), static_cast<int>(s.w)));
    };
    set4(xd, d.x);
    set4(yd, y);
    set4(bd, Shape{1, d.out_channels, 1, 1});
    SMLM_CUDNN_CHECK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                static_cast<int>(w.n), static_cast<int>(w.c),
                                                static_cast<int>(w.h), static_cast<int>(w.w)));
    SMLM_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cd, d.pad_h, d.pad_w, d.stride_h, d.stride_w,
                                                     d.dilation_h, d.dilation_w,
                                                     CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    SMLM_CUDNN_CHECK(cudnnSetConvolutionGroupCount(cd, d.groups));
    SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(cd, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
  }
  ~Conv() {
    cudnnDestroyTensorDescriptor(xd);
    cudnnDestroyTensorDescriptor(yd);
    cudnnDestroyTensorDescriptor(bd);
    cudnnDestroyFilterDescriptor(wd);
    cudnnDestroyConvolutionDescriptor(cd);
  }
  Conv(const Conv&) = delete;
  Conv& operator=(const Conv&) = delete;

  bool tf32, autotune;
  cudnnTensorDescriptor_t xd{}, yd{}, bd{};
  cudnnFilterDescriptor_t wd{};
  cudnnConvolutionDescriptor_t cd{};
  std::unique_ptr<Choice<cudnnConvolutionFwdAlgo_t>> fwd;
  std::unique_ptr<Choice<cudnnConvolutionBwdDataAlgo_t>> bwd_data;
  std::unique_ptr<Choice<cudnnConvolutionBwdFilterAlgo_t>> bwd_filter;
};

struct DeviceCache {
  explicit DeviceCache(int device) : handle(device) {}
  Handle handle;
  std::map<std::tuple<Conv2dDesc, bool, bool>, std::unique_ptr<Conv>> convs;
};

// One cache per thread and device: cuDNN handles must not be shared between threads.
struct Cache {
  std::map<int, std::unique_ptr<DeviceCache>> devices;
};

Cache& cache() {
  thread_local Cache c;
  return c;
}

struct Bound {
  DeviceCache& dev;
  Conv& conv;
};

Bound bind(int device, const Conv2dDesc& d) {
  SMLM_CUDA_CHECK(cudaSetDevice(device));
  auto& dc = cache().devices[device];
  if (!dc) dc = std::make_unique<DeviceCache>(device);
  const bool tf32 = conv2d_allow_tf32(), autotune = conv2d_autotune();
  auto& c = dc->convs[{d, tf32, autotune}];
  if (!c) c = std::make_unique<Conv>(d, tf32, autotune);
  return {*dc, *c};
}

}  // namespace

void cudnn_conv2d_forward(int device, const Conv2dDesc& d, const float* x, const float* w,
                          const float* bias, float* y) {
  auto [dev, c] = bind(device, d);
  cudnnHandle_t h = dev.handle.h;
  if (!c.fwd) {
    c.fwd =
        std::make_unique<Choice<cudnnConvolutionFwdAlgo_t>>(choose<cudnnConvolutionFwdAlgoPerf_t>(
            c.tf32, c.autotune,
            [&](int n, int* got, cudnnConvolutionFwdAlgoPerf_t* p) {
              return cudnnFindConvolutionForwardAlgorithm(h, c.xd, c.wd, c.cd, c.yd, n, got, p);
            },
            [&](int n, int* got, cudnnConvolutionFwdAlgoPerf_t* p) {
              return cudnnGetConvolutionForwardAlgorithm_v7(h, c.xd, c.wd, c.cd, c.yd, n, got, p);
            }));
    SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.fwd->math));
    SMLM_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, c.xd, c.wd, c.cd, c.yd, c.fwd->algo,
                                                             &c.fwd->workspace));
  }
  SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.fwd->math));
  void* ws = dev.handle.workspace.get(c.fwd->workspace);
  SMLM_CUDNN_CHECK(cudnnConvolutionForward(h, &kOne, c.xd, x, c.wd, w, c.cd, c.fwd->algo, ws,
                                           c.fwd->workspace, &kZero, c.yd, y));
  if (bias) SMLM_CUDNN_CHECK(cudnnAddTensor(h, &kOne, c.bd, bias, &kOne, c.yd, y));
}

void cudnn_conv2d_backward_data(int device, const Conv2dDesc& d, const float* dy, const float* w,
                                float* dx) {
  auto [dev, c] = bind(device, d);
  cudnnHandle_t h = dev.handle.h;
  if (!c.bwd_data) {
    c.bwd_data = std::make_unique<Choice<cudnnConvolutionBwdDataAlgo_t>>(
        choose<cudnnConvolutionBwdDataAlgoPerf_t>(
            c.tf32, c.autotune,
            [&](int n, int* got, cudnnConvolutionBwdDataAlgoPerf_t* p) {
              return cudnnFindConvolutionBackwardDataAlgorithm(h, c.wd, c.yd, c.cd, c.xd, n, got,
                                                               p);
            },
            [&](int n, int* got, cudnnConvolutionBwdDataAlgoPerf_t* p) {
              return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, c.wd, c.yd, c.cd, c.xd, n, got,
                                                                 p);
            }));
    SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.bwd_data->math));
    SMLM_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        h, c.wd, c.yd, c.cd, c.xd, c.bwd_data->algo, &c.bwd_data->workspace));
  }
  SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.bwd_data->math));
  void* ws = dev.handle.workspace.get(c.bwd_data->workspace);
  SMLM_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &kOne, c.wd, w, c.yd, dy, c.cd, c.bwd_data->algo,
                                                ws, c.bwd_data->workspace, &kZero, c.xd, dx));
}

void cudnn_conv2d_backward_filter(int device, const Conv2dDesc& d, const float* x, const float* dy,
                                  float* dw) {
  auto [dev, c] = bind(device, d);
  cudnnHandle_t h = dev.handle.h;
  if (!c.bwd_filter) {
    c.bwd_filter = std::make_unique<Choice<cudnnConvolutionBwdFilterAlgo_t>>(
        choose<cudnnConvolutionBwdFilterAlgoPerf_t>(
            c.tf32, c.autotune,
            [&](int n, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
              return cudnnFindConvolutionBackwardFilterAlgorithm(h, c.xd, c.yd, c.cd, c.wd, n, got,
                                                                 p);
            },
            [&](int n, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
              return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, c.xd, c.yd, c.cd, c.wd, n,
                                                                   got, p);
            }));
    SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.bwd_filter->math));
    SMLM_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        h, c.xd, c.yd, c.cd, c.wd, c.bwd_filter->algo, &c.bwd_filter->workspace));
  }
  SMLM_CUDNN_CHECK(cudnnSetConvolutionMathType(c.cd, c.bwd_filter->math));
  void* ws = dev.handle.workspace.get(c.bwd_filter->workspace);
  SMLM_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &kOne, c.xd, x, c.yd, dy, c.cd,
                                                  c.bwd_filter->algo, ws, c.bwd_filter->workspace,
                                                  &kZero, c.wd, dw));
}

void cudnn_clear_cache() { cache().devices.clear(); }

}  // namespace smlm::kernels::nn::detail
