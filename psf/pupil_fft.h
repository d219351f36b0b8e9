// Batched in-place 2D complex FFTs of n × n planes for the pupil models: FFTW on the CPU (double or
// float; one plan, the planes spread over the CPU's threads) and cuFFT on a CUDA device (one
// batched plan per batch size, kept). Internal to psf/; FFTW and cuFFT stay in pupil_fft.cpp.
#pragma once

#include <memory>
#include <mutex>

#include "kernels/device.h"

namespace smlm::psf {

// FFTW's planner is not thread-safe (executing a plan is): every FFTW plan of psf/ is made and
// destroyed under this mutex.
std::mutex& fftw_planner_mutex();

template <class Real>
class PlaneFft {
 public:
  // Plans for n × n planes on `device` (throws smlm::Error when it cannot).
  PlaneFft(const kernels::Device& device, int n);
  ~PlaneFft();
  PlaneFft(const PlaneFft&) = delete;
  PlaneFft& operator=(const PlaneFft&) = delete;

  // `planes` consecutive n × n planes of interleaved (re, im) Real pairs, row-major, in the
  // device's memory, transformed in place, unnormalized:
  //   forward:  X(u, v) = Σ x(a, b)·exp(−2πi(u·a + v·b)/n)
  //   backward: x(a, b) = Σ X(u, v)·exp(+2πi(u·a + v·b)/n)
  void forward(Real* data, int planes);
  void backward(Real* data, int planes);

  int size() const { return n_; }

  struct Impl;

 private:
  int n_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smlm::psf
