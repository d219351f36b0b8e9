// conv2d on the CPU through oneDNN. The convolutions take format_tag::any so that oneDNN picks its
// blocked layouts (nChw16c, …) and fast JIT kernels; plain NCHW tensors and OIHW weights are
// reordered in and out around them. One exception, measured: with ≤ 4 input channels per group the
// blocked backward-data kernel runs at a tenth of its usual speed, while oneDNN's GEMM path on
// plain layouts does not, so that case keeps plain layouts. Primitives are built once per
// Conv2dDesc.
#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/error.h"
#include "kernels/nn/conv2d_backends.h"

namespace smlm::kernels::nn::detail {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

// A tensor as the user holds it (plain layout, pointer bound per call) and as a primitive wants
// it; a reorder links the two when they differ.
class Port {
 public:
  Port(const memory::desc& user, const memory::desc& inner, bool input, const dnnl::engine& e)
      : user_(user, e, DNNL_MEMORY_NONE) {
    if (user != inner) {
      inner_ = memory(inner, e);
      reorder_ = input ? dnnl::reorder(user_, *inner_) : dnnl::reorder(*inner_, user_);
    }
  }
  // Binds the user's pointer; for an input, converts it into the primitive's layout.
  memory& in(dnnl::stream& s, const void* p) {
    user_.set_data_handle(const_cast<void*>(p));
    if (!inner_) return user_;
    reorder_.execute(s, user_, *inner_);
    return *inner_;
  }
  // Binds the user's pointer; the primitive writes into the returned memory, then flush().
  memory& out(void* p) {
    user_.set_data_handle(p);
    return inner_ ? *inner_ : user_;
  }
  void flush(dnnl::stream& s) {
    if (inner_) reorder_.execute(s, *inner_, user_);
  }

 private:
  memory user_;
  std::optional<memory> inner_;
  dnnl::reorder reorder_;
};

memory::desc plain(const Shape& s) {
  return memory::desc({s.n, s.c, s.h, s.w}, dt::f32, tag::nchw);
}
memory::desc any(const Shape& s) { return memory::desc({s.n, s.c, s.h, s.w}, dt::f32, tag::any); }

struct Conv {
  explicit Conv(const Conv2dDesc& d, const dnnl::engine& e) : desc(d) {
    const Shape y = d.y(), w = d.weight();
    const int64_t g = d.groups;
    wdims = g == 1 ? memory::dims{w.n, w.c, w.h, w.w} : memory::dims{g, w.n / g, w.c, w.h, w.w};
    wtag = g == 1 ? tag::oihw : tag::goihw;
    strides = {d.stride_h, d.stride_w};
    dilates = {d.dilation_h - 1, d.dilation_w - 1};
    pad_l = {d.pad_h, d.pad_w};
    // Right padding that makes oneDNN's size formula give exactly y (it may be negative).
    pad_r = {(y.h - 1) * d.stride_h + d.dilation_h * (d.kernel_h - 1) + 1 - d.x.h - d.pad_h,
             (y.w - 1) * d.stride_w + d.dilation_w * (d.kernel_w - 1) + 1 - d.x.w - d.pad_w};
    bias_md = memory::desc({d.out_channels}, dt::f32, tag::x);
    fwd_desc = dnnl::convolution_forward::desc(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any(d.x),
        memory::desc(wdims, dt::f32, tag::any), bias_md, any(y), strides, dilates, pad_l, pad_r);
    fwd_pd = dnnl::convolution_forward::primitive_desc(*fwd_desc, e);
    zeros.assign(d.out_channels, 0.f);
    sink.assign(d.out_channels, 0.f);
  }

  memory::desc user_w() const { return memory::desc(wdims, dt::f32, wtag); }

  Conv2dDesc desc;
  memory::dims wdims, strides, dilates, pad_l, pad_r;
  tag wtag;
  memory::desc bias_md;
  std::optional<dnnl::convolution_forward::desc> fwd_desc;
  dnnl::convolution_forward::primitive_desc fwd_pd;
  std::vector<float> zeros;  // the bias when there is none
  std::vector<float> sink;   // dbias when it is not wanted

  struct Forward {
    dnnl::convolution_forward prim;
    std::unique_ptr<Port> x, w, y;
  };
  struct BackwardData {
    dnnl::convolution_backward_data prim;
    std::unique_ptr<Port> dy, w, dx;
  };
  struct BackwardFilter {
    dnnl::convolution_backward_weights prim;
    std::unique_ptr<Port> x, dy, dw;
    memory db;
  };
  std::optional<Forward> fwd;
  std::optional<BackwardData> bwd_data;
  std::optional<BackwardFilter> bwd_filter;
};

struct Cache {
  Context ctx;
  std::map<Conv2dDesc, std::unique_ptr<Conv>> convs;

  Conv& get(const Conv2dDesc& d) {
    auto& c = convs[d];
    if (!c) c = std::make_unique<Conv>(d, ctx.engine);
    return *c;
  }
};

Cache& cache() {
  thread_local Cache c;
  return c;
}

template <class F>
auto guarded(const char* what, F&& f) {
  try {
    return f();
  } catch (const dnnl::error& e) {
    throw Error(std::string("oneDNN ") + what + ": " + e.what());
  }
}

}  // namespace

void onednn_conv2d_forward(const Conv2dDesc& d, const float* x, const float* w, const float* bias,
                           float* y) {
  guarded("convolution forward", [&] {
    Cache& k = cache();
    Conv& c = k.get(d);
    const dnnl::engine& e = k.ctx.engine;
    if (!c.fwd) {
      const auto& pd = c.fwd_pd;
      c.fwd = Conv::Forward{dnnl::convolution_forward(pd),
                            std::make_unique<Port>(plain(d.x), pd.src_desc(), true, e),
                            std::make_unique<Port>(c.user_w(), pd.weights_desc(), true, e),
                            std::make_unique<Port>(plain(d.y()), pd.dst_desc(), false, e)};
    }
    auto& s = k.ctx.stream;
    auto& f = *c.fwd;
    memory b(c.bias_md, e, const_cast<float*>(bias ? bias : c.zeros.data()));
    f.prim.execute(s, {{DNNL_ARG_SRC, f.x->in(s, x)},
                       {DNNL_ARG_WEIGHTS, f.w->in(s, w)},
                       {DNNL_ARG_BIAS, b},
                       {DNNL_ARG_DST, f.y->out(y)}});
    f.y->flush(s);
    s.wait();
  });
}

void onednn_conv2d_backward_data(const Conv2dDesc& d, const float* dy, const float* w, float* dx) {
  guarded("convolution backward data", [&] {
    Cache& k = cache();
    Conv& c = k.get(d);
    const dnnl::engine& e = k.ctx.engine;
    if (!c.bwd_data) {
      const bool few = d.x.c / d.groups <= 4 && d.groups == 1;
      const Shape y = d.y();
      auto md = [&](const Shape& s) { return few ? plain(s) : any(s); };
      const memory::desc wmd(c.wdims, dt::f32, few ? c.wtag : tag::any);
      const dnnl::convolution_backward_data::desc bd(dnnl::algorithm::convolution_direct, md(d.x),
                                                     wmd, md(y), c.strides, c.dilates, c.pad_l,
                                                     c.pad_r);
      const dnnl::convolution_backward_data::primitive_desc pd(bd, e, c.fwd_pd);
      c.bwd_data =
          Conv::BackwardData{dnnl::convolution_backward_data(pd),
                             std::make_unique<Port>(plain(y), pd.diff_dst_desc(), true, e),
                             std::make_unique<Port>(c.user_w(), pd.weights_desc(), true, e),
                             std::make_unique<Port>(plain(d.x), pd.diff_src_desc(), false, e)};
    }
    auto& s = k.ctx.stream;
    auto& b = *c.bwd_data;
    b.prim.execute(s, {{DNNL_ARG_DIFF_DST, b.dy->in(s, dy)},
                       {DNNL_ARG_WEIGHTS, b.w->in(s, w)},
                       {DNNL_ARG_DIFF_SRC, b.dx->out(dx)}});
    b.dx->flush(s);
    s.wait();
  });
}

void onednn_conv2d_backward_filter(const Conv2dDesc& d, const float* x, const float* dy, float* dw,
                                   float* dbias) {
  guarded("convolution backward weights", [&] {
    Cache& k = cache();
    Conv& c = k.get(d);
    const dnnl::engine& e = k.ctx.engine;
    if (!c.bwd_filter) {
      const Shape y = d.y();
      const dnnl::convolution_backward_weights::desc bd(
          dnnl::algorithm::convolution_direct, any(d.x), memory::desc(c.wdims, dt::f32, tag::any),
          c.bias_md, any(y), c.strides, c.dilates, c.pad_l, c.pad_r);
      const dnnl::convolution_backward_weights::primitive_desc pd(bd, e, c.fwd_pd);
      c.bwd_filter =
          Conv::BackwardFilter{dnnl::convolution_backward_weights(pd),
                               std::make_unique<Port>(plain(d.x), pd.src_desc(), true, e),
                               std::make_unique<Port>(plain(y), pd.diff_dst_desc(), true, e),
                               std::make_unique<Port>(c.user_w(), pd.diff_weights_desc(), false, e),
                               memory(c.bias_md, e, DNNL_MEMORY_NONE)};
    }
    auto& s = k.ctx.stream;
    auto& b = *c.bwd_filter;
    b.db.set_data_handle(dbias ? dbias : c.sink.data());
    b.prim.execute(s, {{DNNL_ARG_SRC, b.x->in(s, x)},
                       {DNNL_ARG_DIFF_DST, b.dy->in(s, dy)},
                       {DNNL_ARG_DIFF_WEIGHTS, b.dw->out(dw)},
                       {DNNL_ARG_DIFF_BIAS, b.db}});
    b.dw->flush(s);
    s.wait();
  });
}

void onednn_clear_cache() { cache().convs.clear(); }

}  // namespace smlm::kernels::nn::detail
