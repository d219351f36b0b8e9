// DECODE's two U-Nets and heads over nn::Graph.
#include "localization/nets/decode/net.h"

#include <sstream>

#include "core/error.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/upsample.h"

namespace smlm::localization::nets::decode {

void NetConfig::validate() const {
  SMLM_CHECK(frames == 1 || frames == 3, "DECODE frames must be 1 or 3, got " << frames);
  SMLM_CHECK(dims == 3 || dims == 4, "DECODE dims must be 3 (2D) or 4 (3D), got " << dims);
  SMLM_CHECK(width >= 1 && width <= kMaxWidth,
             "DECODE width must be in [1, " << kMaxWidth << "], got " << width);
  SMLM_CHECK(depth >= 1 && depth <= 5, "DECODE depth must be in [1, 5], got " << depth);
  SMLM_CHECK(int64_t{width} << depth <= 4 * kMaxWidth,
             "DECODE width " << width << " at depth " << depth << " is too wide");
  SMLM_CHECK(activation == nn::ActivationKind::elu || activation == nn::ActivationKind::relu ||
                 activation == nn::ActivationKind::leaky_relu,
             "DECODE activation must be elu, relu or leaky_relu");
}

namespace {

// Builds graphs node by node; every conv draws its weights from its own stream.
class Builder {
 public:
  Builder(nn::Graph& g, const NetConfig& c, uint64_t& seed) : g_(g), c_(c), seed_(seed) {}

  int conv(int input, int64_t in, int64_t out, int kernel, int stride, bool act,
           bool input_grad = true) {
    nn::Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = kernel, o.stride = stride;
    o.padding = stride == 1 ? kernel / 2 : 0;
    o.seed = ++seed_, o.input_grad = input_grad;
    if (!act) o.init = nn::Init::xavier_uniform;
    int node = g_.add(std::make_unique<nn::Conv2d>(o), input);
    if (act) node = g_.add(std::make_unique<nn::Activation>(c_.activation), node);
    return node;
  }
  int double_conv(int input, int64_t in, int64_t out, bool input_grad = true) {
    return conv(conv(input, in, out, 3, 1, true, input_grad), out, out, 3, 1, true);
  }
  // A U-Net from node `input` of `in` channels to F channels; returns its output node.
  int unet(int input, int64_t in, bool input_grad) {
    const int64_t F = c_.width;
    std::vector<int> skips;
    int x = input;
    int64_t ch = in;
    for (int l = 0; l < c_.depth; ++l) {
      x = double_conv(x, ch, F << l, l > 0 || input_grad);
      skips.push_back(x);
      ch = F << l;
      x = conv(x, ch, ch, 2, 2, true);
    }
    x = double_conv(x, ch, F << c_.depth);
    ch = F << c_.depth;
    for (int l = c_.depth - 1; l >= 0; --l) {
      x = g_.add(std::make_unique<nn::Upsample>(2, nn::UpsampleMode::nearest), x);
      x = conv(x, ch, F << l, 3, 1, true);
      x = g_.concat({skips[l], x});
      x = double_conv(x, 2 * (F << l), F << l);
      ch = F << l;
    }
    return x;
  }

 private:
  nn::Graph& g_;
  const NetConfig& c_;
  uint64_t& seed_;
};

}  // namespace

DecodeNet::DecodeNet(const NetConfig& c, uint64_t seed)
    : config_(c),
      frame_net_(std::make_unique<nn::Graph>()),
      union_net_(std::make_unique<nn::Graph>()) {
  c.validate();
  uint64_t s = seed * 1000;
  Builder fb(*frame_net_, c, s);
  fb.unet(nn::Graph::kInput, 1, /*input_grad=*/false);
  Builder ub(*union_net_, c, s);
  const int features = ub.unet(nn::Graph::kInput, int64_t{c.frames} * c.width, true);
  const int64_t F = c.width;
  const int64_t head_channels[4] = {1, c.dims, c.dims, 1};  // p, μ, σ, background
  std::vector<int> heads;
  for (int64_t hc : head_channels)
    heads.push_back(ub.conv(ub.conv(features, F, F, 3, 1, true), F, hc, 1, 1, false));
  union_net_->concat(heads);
}

nn::Tensor DecodeNet::forward(const nn::Tensor& x, bool training) {
  check_input(x, "DECODE net");
  SMLM_CHECK(x.c() == config_.frames,
             "DECODE net: input has " << x.c() << " frames, the net takes " << config_.frames);
  const int m = config_.size_multiple();
  SMLM_CHECK(x.h() % m == 0 && x.w() % m == 0,
             "DECODE net: frame sides must be multiples of " << m);
  input_shape_ = x.shape();
  const nn::Tensor f = frame_net_->forward(x.reshape({x.n() * x.c(), 1, x.h(), x.w()}), training);
  return union_net_->forward(f.reshape({x.n(), x.c() * f.c(), f.h(), f.w()}), training);
}

nn::Tensor DecodeNet::backward(const nn::Tensor& grad_out) {
  const nn::Tensor g = union_net_->backward(grad_out);
  const nn::Shape& s = input_shape_;
  frame_net_->backward(g.reshape({s.n * s.c, g.c() / s.c, g.h(), g.w()}));
  return nn::Tensor();
}

std::string DecodeNet::describe() const {
  std::ostringstream o;
  o << "DecodeNet(frames=" << config_.frames << ", dims=" << config_.dims
    << ", width=" << config_.width << ", depth=" << config_.depth
    << ", activation=" << kernels::nn::activation_name(config_.activation) << ")";
  return o.str();
}

std::vector<std::pair<std::string, nn::Layer*>> DecodeNet::children() const {
  return {{"frame", frame_net_.get()}, {"union", union_net_.get()}};
}

}  // namespace smlm::localization::nets::decode
