// PlaneFft on FFTW (CPU) and cuFFT (CUDA builds). FFTW plans are made once on an aligned scratch
// plane; a plane whose alignment differs from it (FFTW's SIMD codelets assume the planned one)
// goes through a second, FFTW_UNALIGNED plan made on first need.
#include "psf/pupil_fft.h"

#include <fftw3.h>

#include <complex>
#include <map>
#include <new>
#include <type_traits>

#include "core/error.h"
#include "kernels/parallel_for.h"

#if SMLM_HAVE_CUDA
#include <cufft.h>

#include "kernels/cuda_check.h"
#endif

namespace smlm::psf {

std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

namespace {

template <class Real>
struct Fftw;

template <>
struct Fftw<double> {
  using Plan = fftw_plan;
  using Complex = fftw_complex;
  static Plan plan(int n, Complex* p, int sign, unsigned flags) {
    return fftw_plan_dft_2d(n, n, p, p, sign, flags);
  }
  static void execute(Plan plan, Complex* p) { fftw_execute_dft(plan, p, p); }
  static void destroy(Plan plan) { fftw_destroy_plan(plan); }
  static int alignment_of(double* p) { return fftw_alignment_of(p); }
};

template <>
struct Fftw<float> {
  using Plan = fftwf_plan;
  using Complex = fftwf_complex;
  static Plan plan(int n, Complex* p, int sign, unsigned flags) {
    return fftwf_plan_dft_2d(n, n, p, p, sign, flags);
  }
  static void execute(Plan plan, Complex* p) { fftwf_execute_dft(plan, p, p); }
  static void destroy(Plan plan) { fftwf_destroy_plan(plan); }
  static int alignment_of(float* p) { return fftwf_alignment_of(p); }
};

#if SMLM_HAVE_CUDA
const char* cufft_error(cufftResult r) {
  switch (r) {
    case CUFFT_ALLOC_FAILED:
      return "allocation failed";
    case CUFFT_INVALID_VALUE:
      return "invalid value";
    case CUFFT_INTERNAL_ERROR:
      return "internal error";
    case CUFFT_EXEC_FAILED:
      return "execution failed";
    case CUFFT_SETUP_FAILED:
      return "setup failed";
    case CUFFT_INVALID_SIZE:
      return "invalid size";
    default:
      return "error";
  }
}
#define SMLM_CUFFT_CHECK(call)                                                                \
  do {                                                                                        \
    const cufftResult smlm_cufft_r_ = (call);                                                 \
    SMLM_CHECK(smlm_cufft_r_ == CUFFT_SUCCESS, "cuFFT " << cufft_error(smlm_cufft_r_) << " (" \
                                                        << static_cast<int>(smlm_cufft_r_)    \
                                                        << ") in " #call);                    \
  } while (0)
#endif

}  // namespace

template <class Real>
struct PlaneFft<Real>::Impl {
  using F = Fftw<Real>;
  kernels::Device device;
  int n = 0;
  // CPU
  typename F::Plan fwd = nullptr, bwd = nullptr, fwd_u = nullptr, bwd_u = nullptr;
  int alignment = 0;
  std::mutex unaligned_mutex;
#if SMLM_HAVE_CUDA
  // One plan per batch size, all sharing one work area (the largest any of them needs): the last
  // batch of a call varies in size, and a work area per plan would add up.
  std::map<int, cufftHandle> plans;
  void* work = nullptr;
  size_t work_bytes = 0;
#endif

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      for (auto p : {fwd, bwd, fwd_u, bwd_u})
        if (p) F::destroy(p);
    }
#if SMLM_HAVE_CUDA
    for (auto& [batch, plan] : plans) cufftDestroy(plan);
    if (work) cudaFree(work);
#endif
  }

  void plan_cpu() {
    const size_t bytes = sizeof(typename F::Complex) * n * n;
    auto* scratch = static_cast<typename F::Complex*>(::operator new (bytes, std::align_val_t{64}));
    {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      fwd = F::plan(n, scratch, FFTW_FORWARD, FFTW_ESTIMATE);
      bwd = F::plan(n, scratch, FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    alignment = F::alignment_of(reinterpret_cast<Real*>(scratch));
    ::operator delete (scratch, std::align_val_t{64});
    SMLM_CHECK(fwd && bwd, "pupil FFT: FFTW could not plan a " << n << "x" << n << " FFT");
  }

  void run_cpu(Real* data, int planes, bool forward) {
    const size_t plane = static_cast<size_t>(n) * n * 2;
    bool aligned = true;
    for (int i = 0; i < planes && aligned; ++i)
      aligned = F::alignment_of(data + i * plane) == alignment;
    typename F::Plan p = forward ? fwd : bwd;
    if (!aligned) {
      std::lock_guard<std::mutex> lock(unaligned_mutex);
      typename F::Plan& u = forward ? fwd_u : bwd_u;
      if (!u) {
        std::lock_guard<std::mutex> planner(fftw_planner_mutex());
        u = F::plan(n, reinterpret_cast<typename F::Complex*>(data),
                    forward ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
      }
      SMLM_CHECK(u, "pupil FFT: FFTW could not plan an unaligned " << n << "x" << n << " FFT");
      p = u;
    }
    kernels::parallel_for(planes, [&](int64_t i) {
      F::execute(p, reinterpret_cast<typename F::Complex*>(data + i * plane));
    });
  }

#if SMLM_HAVE_CUDA
  void run_gpu(Real* data, int planes, bool forward) {
    SMLM_CUDA_CHECK(cudaSetDevice(device.index));
    constexpr cufftType type = std::is_same_v<Real, double> ? CUFFT_Z2Z : CUFFT_C2C;
    auto it = plans.find(planes);
    if (it == plans.end()) {
      cufftHandle h;
      SMLM_CUFFT_CHECK(cufftCreate(&h));
      int dims[2] = {n, n};
      size_t bytes = 0;
      cufftResult r = cufftSetAutoAllocation(h, 0);
      if (r == CUFFT_SUCCESS)
        r = cufftMakePlanMany(h, 2, dims, nullptr, 1, n * n, nullptr, 1, n * n, type, planes,
                              &bytes);
      void* fresh = nullptr;
      if (r == CUFFT_SUCCESS && bytes > work_bytes && cudaMalloc(&fresh, bytes) != cudaSuccess) {
        (void)cudaGetLastError();
        r = CUFFT_ALLOC_FAILED;
      }
      if (r != CUFFT_SUCCESS) cufftDestroy(h);
      SMLM_CUFFT_CHECK(r);
      it = plans.emplace(planes, h).first;
      if (fresh) {  // a larger work area for every plan; the old one goes once none uses it
        for (auto& [batch, plan] : plans) cufftSetWorkArea(plan, fresh);
        if (work) cudaFree(work);
        work = fresh;
        work_bytes = bytes;
      } else {
        SMLM_CUFFT_CHECK(cufftSetWorkArea(h, work));
      }
    }
    const int dir = forward ? CUFFT_FORWARD : CUFFT_INVERSE;
    if constexpr (std::is_same_v<Real, double>) {
      auto* p = reinterpret_cast<cufftDoubleComplex*>(data);
      SMLM_CUFFT_CHECK(cufftExecZ2Z(it->second, p, p, dir));
    } else {
      auto* p = reinterpret_cast<cufftComplex*>(data);
      SMLM_CUFFT_CHECK(cufftExecC2C(it->second, p, p, dir));
    }
  }
#endif

  void run(Real* data, int planes, bool forward) {
    if (planes <= 0) return;
    if (device.is_cuda()) {
#if SMLM_HAVE_CUDA
      run_gpu(data, planes, forward);
#endif
      return;
    }
    run_cpu(data, planes, forward);
  }
};

template <class Real>
PlaneFft<Real>::PlaneFft(const kernels::Device& device, int n) : n_(n), impl_(new Impl) {
  SMLM_CHECK(n >= 2, "pupil FFT: plane side must be >= 2, got " << n);
  impl_->device = device;
  impl_->n = n;
  if (device.is_cuda()) {
#if SMLM_HAVE_CUDA
    kernels::use_cuda_device(device.index, "pupil FFT");
#else
    throw Error("pupil FFT: a CUDA device was requested but smlm was built without CUDA");
#endif
  } else {
    impl_->plan_cpu();
  }
}

template <class Real>
PlaneFft<Real>::~PlaneFft() = default;

template <class Real>
void PlaneFft<Real>::forward(Real* data, int planes) {
  impl_->run(data, planes, true);
}

template <class Real>
void PlaneFft<Real>::backward(Real* data, int planes) {
  impl_->run(data, planes, false);
}

template class PlaneFft<float>;
template class PlaneFft<double>;

}  // namespace smlm::psf
