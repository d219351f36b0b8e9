// Plain-loop reference implementations of the neural primitives (convolution forward and both
// backward passes, pooling, batch normalization), accumulating in double: the tests' yardstick for
// the fast oneDNN, cuDNN and functor paths. Host vectors in NCHW layout, as in kernels/nn.
#pragma once

#include <vector>

#include "kernels/nn/conv2d.h"
#include "kernels/nn/pooling.h"

namespace smlm::test::reference {

using kernels::nn::Conv2dDesc;
using kernels::nn::Pool2dDesc;
using kernels::nn::Shape;
using Vec = std::vector<float>;

// bias may be empty.
Vec conv2d_forward(const Conv2dDesc& d, const Vec& x, const Vec& w, const Vec& bias);
Vec conv2d_backward_data(const Conv2dDesc& d, const Vec& dy, const Vec& w);
// Returns dw; fills dbias (K values).
Vec conv2d_backward_filter(const Conv2dDesc& d, const Vec& x, const Vec& dy, Vec* dbias);

Vec pool2d_forward(const Pool2dDesc& d, const Vec& x);
Vec pool2d_backward(const Pool2dDesc& d, const Vec& x, const Vec& dy);

// Training-mode batch norm: y, and the batch mean and biased variance per channel.
Vec batch_norm_forward(const Shape& s, const Vec& x, const Vec& gamma, const Vec& beta, float eps,
                       Vec* mean, Vec* var);
// dx; fills dgamma and dbeta.
Vec batch_norm_backward(const Shape& s, const Vec& x, const Vec& dy, const Vec& gamma, float eps,
                        Vec* dgamma, Vec* dbeta);

}  // namespace smlm::test::reference
