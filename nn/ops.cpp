// Tensor arithmetic on top of kernels/nn/elementwise.
#include "nn/ops.h"

#include "core/error.h"
#include "kernels/nn/elementwise.h"

namespace smlm::nn {

namespace k = kernels::nn;

namespace {
bool same_device(const Device& a, const Device& b) {
  return a.kind == b.kind && a.index == b.index;
}
}  // namespace

void check_compatible(const Tensor& a, const Tensor& b, const char* what) {
  SMLM_CHECK(a.defined() && b.defined(), what << ": undefined tensor");
  SMLM_CHECK(same_device(a.device(), b.device()),
             what << ": tensors on " << a.device().name() << " and " << b.device().name());
  SMLM_CHECK(a.numel() == b.numel(),
             what << ": shapes " << a.shape().str() << " and " << b.shape().str() << " differ");
}

Tensor axpby(float alpha, const Tensor& a, float beta, const Tensor& b) {
  check_compatible(a, b, "axpby");
  Tensor out(a.shape(), a.device());
  k::add(a.device(), a.numel(), alpha, a.data(), beta, b.data(), out.data());
  return out;
}
Tensor add(const Tensor& a, const Tensor& b) { return axpby(1.f, a, 1.f, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return axpby(1.f, a, -1.f, b); }

Tensor mul(const Tensor& a, const Tensor& b) {
  check_compatible(a, b, "mul");
  Tensor out(a.shape(), a.device());
  k::mul(a.device(), a.numel(), a.data(), b.data(), out.data());
  return out;
}

Tensor affine(const Tensor& a, float s, float t) {
  Tensor out(a.shape(), a.device());
  k::affine(a.device(), a.numel(), a.data(), s, t, out.data());
  return out;
}
Tensor scale(const Tensor& a, float s) { return affine(a, s, 0.f); }

Tensor abs(const Tensor& a) {
  Tensor out(a.shape(), a.device());
  k::abs(a.device(), a.numel(), a.data(), out.data());
  return out;
}
Tensor sign(const Tensor& a) {
  Tensor out(a.shape(), a.device());
  k::sign(a.device(), a.numel(), a.data(), out.data());
  return out;
}
Tensor square(const Tensor& a) {
  Tensor out(a.shape(), a.device());
  k::square(a.device(), a.numel(), a.data(), out.data());
  return out;
}
Tensor clamp(const Tensor& a, float lo, float hi) {
  Tensor out(a.shape(), a.device());
  k::clamp(a.device(), a.numel(), a.data(), lo, hi, out.data());
  return out;
}

void add_(Tensor& y, const Tensor& x, float alpha) {
  check_compatible(y, x, "add_");
  k::axpby(y.device(), y.numel(), alpha, x.data(), 1.f, y.data());
}
void scale_(Tensor& y, float s) { k::affine(y.device(), y.numel(), y.data(), s, 0.f, y.data()); }

double sum(const Tensor& a) { return k::sum(a.device(), a.numel(), a.data()); }
double mean(const Tensor& a) { return a.numel() ? sum(a) / static_cast<double>(a.numel()) : 0.0; }
double sum_squares(const Tensor& a) { return k::sum_squares(a.device(), a.numel(), a.data()); }
double dot(const Tensor& a, const Tensor& b) {
  check_compatible(a, b, "dot");
  return k::dot(a.device(), a.numel(), a.data(), b.data());
}
bool all_finite(const Tensor& a) { return k::all_finite(a.device(), a.numel(), a.data()); }

Tensor concat_channels(const std::vector<Tensor>& parts) {
  SMLM_CHECK(!parts.empty(), "concat_channels: no tensors");
  const Tensor& f = parts.front();
  int64_t c = 0;
  for (const Tensor& p : parts) {
    SMLM_CHECK(p.defined() && same_device(p.device(), f.device()),
               "concat_channels: undefined tensor or mixed devices");
    SMLM_CHECK(p.n() == f.n() && p.h() == f.h() && p.w() == f.w(),
               "concat_channels: shapes " << f.shape().str() << " and " << p.shape().str()
                                          << " differ outside the channels");
    c += p.c();
  }
  Tensor out(Shape{f.n(), c, f.h(), f.w()}, f.device());
  int64_t c0 = 0;
  for (const Tensor& p : parts) {
    k::copy_channels(f.device(), f.n(), f.h() * f.w(), p.data(), p.c(), 0, out.data(), c, c0,
                     p.c());
    c0 += p.c();
  }
  return out;
}

std::vector<Tensor> split_channels(const Tensor& x, const std::vector<int64_t>& channels) {
  int64_t total = 0;
  for (int64_t c : channels) total += c;
  SMLM_CHECK(total == x.c(), "split_channels: " << total << " channels asked of " << x.c());
  std::vector<Tensor> parts;
  int64_t c0 = 0;
  for (int64_t c : channels) {
    Tensor p(Shape{x.n(), c, x.h(), x.w()}, x.device());
    k::copy_channels(x.device(), x.n(), x.h() * x.w(), x.data(), x.c(), c0, p.data(), c, 0, c);
    parts.push_back(std::move(p));
    c0 += c;
  }
  return parts;
}

}  // namespace smlm::nn
