// Reference loops for the neural primitives: direct sums over every tap, no cleverness.
#include "tests/kernels/nn/reference.h"

#include <cfloat>
#include <cmath>

namespace smlm::test::reference {

namespace {

int64_t at(const Shape& s, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * s.c + c) * s.h + h) * s.w + w;
}

// Calls f(n, k, oy, ox, c, a, b, iy, ix) for every (output, tap) pair that reads an input pixel.
template <class F>
void for_each_tap(const Conv2dDesc& d, F&& f) {
  const Shape y = d.y();
  const int64_t cg = d.x.c / d.groups, kg = d.out_channels / d.groups;
  for (int64_t n = 0; n < y.n; ++n)
    for (int64_t k = 0; k < y.c; ++k)
      for (int64_t oy = 0; oy < y.h; ++oy)
        for (int64_t ox = 0; ox < y.w; ++ox)
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int a = 0; a < d.kernel_h; ++a)
              for (int b = 0; b < d.kernel_w; ++b) {
                const int64_t iy = oy * d.stride_h - d.pad_h + a * d.dilation_h;
                const int64_t ix = ox * d.stride_w - d.pad_w + b * d.dilation_w;
                if (iy < 0 || iy >= d.x.h || ix < 0 || ix >= d.x.w) continue;
                const int64_t c = (k / kg) * cg + ci;
                f(n, k, oy, ox, ci, c, a, b, iy, ix);
              }
}

int64_t widx(const Conv2dDesc& d, int64_t k, int64_t ci, int a, int b) {
  const Shape w = d.weight();
  return ((k * w.c + ci) * w.h + a) * w.w + b;
}

}  // namespace

Vec conv2d_forward(const Conv2dDesc& d, const Vec& x, const Vec& w, const Vec& bias) {
  const Shape y = d.y();
  std::vector<double> acc(y.numel(), 0.0);
  for_each_tap(d, [&](int64_t n, int64_t k, int64_t oy, int64_t ox, int64_t ci, int64_t c, int a,
                      int b, int64_t iy, int64_t ix) {
    acc[at(y, n, k, oy, ox)] += double(x[at(d.x, n, c, iy, ix)]) * w[widx(d, k, ci, a, b)];
  });
  Vec out(acc.size());
  for (int64_t i = 0; i < y.numel(); ++i)
    out[i] = float(acc[i] + (bias.empty() ? 0.0 : bias[(i / y.plane()) % y.c]));
  return out;
}

Vec conv2d_backward_data(const Conv2dDesc& d, const Vec& dy, const Vec& w) {
  const Shape y = d.y();
  std::vector<double> acc(d.x.numel(), 0.0);
  for_each_tap(d, [&](int64_t n, int64_t k, int64_t oy, int64_t ox, int64_t ci, int64_t c, int a,
                      int b, int64_t iy, int64_t ix) {
    acc[at(d.x, n, c, iy, ix)] += double(dy[at(y, n, k, oy, ox)]) * w[widx(d, k, ci, a, b)];
  });
  return Vec(acc.begin(), acc.end());
}

Vec conv2d_backward_filter(const Conv2dDesc& d, const Vec& x, const Vec& dy, Vec* dbias) {
  const Shape y = d.y();
  std::vector<double> acc(d.weight().numel(), 0.0);
  for_each_tap(d, [&](int64_t n, int64_t k, int64_t oy, int64_t ox, int64_t ci, int64_t c, int a,
                      int b, int64_t iy, int64_t ix) {
    acc[widx(d, k, ci, a, b)] += double(dy[at(y, n, k, oy, ox)]) * x[at(d.x, n, c, iy, ix)];
  });
  if (dbias) {
    std::vector<double> db(y.c, 0.0);
    for (int64_t i = 0; i < y.numel(); ++i) db[(i / y.plane()) % y.c] += dy[i];
    dbias->assign(db.begin(), db.end());
  }
  return Vec(acc.begin(), acc.end());
}

namespace {

// Calls f(output index, input index or −1 for padding) for every window tap.
template <class F>
void for_each_window_tap(const Pool2dDesc& d, F&& f) {
  const Shape y = d.y();
  for (int64_t n = 0; n < y.n; ++n)
    for (int64_t c = 0; c < y.c; ++c)
      for (int64_t oy = 0; oy < y.h; ++oy)
        for (int64_t ox = 0; ox < y.w; ++ox)
          for (int a = 0; a < d.kernel_h; ++a)
            for (int b = 0; b < d.kernel_w; ++b) {
              const int64_t iy = oy * d.stride_h - d.pad_h + a, ix = ox * d.stride_w - d.pad_w + b;
              const bool in = iy >= 0 && iy < d.x.h && ix >= 0 && ix < d.x.w;
              f(at(y, n, c, oy, ox), in ? at(d.x, n, c, iy, ix) : int64_t{-1});
            }
}

}  // namespace

Vec pool2d_forward(const Pool2dDesc& d, const Vec& x) {
  const Shape y = d.y();
  const bool max = d.kind == kernels::nn::PoolKind::max;
  std::vector<double> acc(y.numel(), max ? -DBL_MAX : 0.0);
  for_each_window_tap(d, [&](int64_t o, int64_t i) {
    if (i < 0) return;
    acc[o] = max ? std::max(acc[o], double(x[i])) : acc[o] + x[i];
  });
  Vec out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i)
    out[i] = float(max ? acc[i] : acc[i] / (d.kernel_h * d.kernel_w));
  return out;
}

Vec pool2d_backward(const Pool2dDesc& d, const Vec& x, const Vec& dy) {
  const Shape y = d.y();
  const bool max = d.kind == kernels::nn::PoolKind::max;
  std::vector<int64_t> arg(y.numel(), -1);
  std::vector<double> acc(d.x.numel(), 0.0);
  for_each_window_tap(d, [&](int64_t o, int64_t i) {
    if (i < 0) return;
    if (!max)
      acc[i] += double(dy[o]) / (d.kernel_h * d.kernel_w);
    else if (arg[o] < 0 || x[i] > x[arg[o]])
      arg[o] = i;
  });
  if (max)
    for (int64_t o = 0; o < y.numel(); ++o) acc[arg[o]] += dy[o];
  return Vec(acc.begin(), acc.end());
}

Vec batch_norm_forward(const Shape& s, const Vec& x, const Vec& gamma, const Vec& beta, float eps,
                       Vec* mean, Vec* var) {
  const double m = double(s.n * s.plane());
  Vec y(x.size());
  mean->assign(s.c, 0.f);
  var->assign(s.c, 0.f);
  for (int64_t c = 0; c < s.c; ++c) {
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t p = 0; p < s.plane(); ++p) sum += x[(n * s.c + c) * s.plane() + p];
    const double mu = sum / m;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t p = 0; p < s.plane(); ++p) {
        const double dd = x[(n * s.c + c) * s.plane() + p] - mu;
        sq += dd * dd;
      }
    const double v = sq / m;
    (*mean)[c] = float(mu);
    (*var)[c] = float(v);
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t p = 0; p < s.plane(); ++p) {
        const int64_t i = (n * s.c + c) * s.plane() + p;
        y[i] = float(gamma[c] * (x[i] - mu) / std::sqrt(v + eps) + beta[c]);
      }
  }
  return y;
}

Vec batch_norm_backward(const Shape& s, const Vec& x, const Vec& dy, const Vec& gamma, float eps,
                        Vec* dgamma, Vec* dbeta) {
  // The textbook chain rule through μ and σ², term by term.
  const double m = double(s.n * s.plane());
  Vec mean, var, dx(x.size());
  batch_norm_forward(s, x, gamma, Vec(s.c, 0.f), eps, &mean, &var);
  dgamma->assign(s.c, 0.f);
  dbeta->assign(s.c, 0.f);
  for (int64_t c = 0; c < s.c; ++c) {
    const double mu = mean[c], v = var[c], is = 1.0 / std::sqrt(v + eps);
    double dvar = 0, dmu = 0, dg = 0, db = 0, sum_centered = 0;
    auto each = [&](auto&& f) {
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t p = 0; p < s.plane(); ++p) f((n * s.c + c) * s.plane() + p);
    };
    each([&](int64_t i) {
      const double dxhat = double(dy[i]) * gamma[c];
      dvar += dxhat * (x[i] - mu) * -0.5 * is * is * is;
      dmu += -dxhat * is;
      sum_centered += x[i] - mu;
      dg += double(dy[i]) * (x[i] - mu) * is;
      db += dy[i];
    });
    dmu += dvar * -2.0 * sum_centered / m;
    each([&](int64_t i) {
      dx[i] = float(double(dy[i]) * gamma[c] * is + dvar * 2.0 * (x[i] - mu) / m + dmu / m);
    });
    (*dgamma)[c] = float(dg);
    (*dbeta)[c] = float(db);
  }
  return dx;
}

}  // namespace smlm::test::reference
