// Checkpoints: a round trip restores identical outputs, Adam resumes exactly (one step after
// save + load equals one step without), settings survive, mismatches are refused, the write is
// atomic, and a checkpoint loads onto a GPU.
#include "nn/checkpoint.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "kernels/device.h"
#include "nn/layers/activation.h"
#include "nn/layers/batch_norm2d.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/graph.h"
#include "nn/layers/hardtanh.h"
#include "nn/layers/linear.h"
#include "nn/layers/pool2d.h"
#include "nn/layers/prelu.h"
#include "nn/layers/sequential.h"
#include "nn/layers/upsample.h"
#include "nn/losses/mse.h"
#include "nn/optim/adam.h"
#include "nn/optim/sgd.h"
#include "tests/nn/gradient_check.h"
#include "tests/test_util.h"

namespace smlm::test {
namespace {

using namespace smlm::nn;

// A small U-Net-like graph with batch norm: parameters, buffers and nested paths.
std::unique_ptr<Graph> model(uint64_t seed) {
  auto conv = [&](int64_t in, int64_t out, uint64_t s) {
    Conv2dOptions o;
    o.in_channels = in, o.out_channels = out, o.kernel = 3, o.padding = 1, o.seed = seed * 10 + s;
    return std::make_unique<Conv2d>(o);
  };
  auto g = std::make_unique<Graph>();
  auto block = std::make_unique<Sequential>();
  block->add(conv(1, 4, 1));
  block->emplace<BatchNorm2d>(4);
  block->emplace<Activation>(ActivationKind::relu);
  const int e = g->add(std::move(block), Graph::kInput, "encoder");
  const int p = g->emplace<MaxPool2d>(e, 2);
  const int m = g->add(conv(4, 4, 2), p, "middle");
  const int u = g->emplace<Upsample>(m, 2);
  const int c = g->concat({e, u});
  g->add(conv(8, 1, 3), c, "head");
  return g;
}

void train_step(Layer& net, Optimizer& opt, int seed) {
  const Tensor x = random_tensor({2, 1, 8, 8}, seed);
  const Tensor t = random_tensor({2, 1, 8, 8}, seed + 1000);
  opt.zero_grad();
  const auto loss = mse_loss(net.forward(x.to(net.device()), true), t.to(net.device()));
  net.backward(loss.grad);
  opt.step();
}

std::vector<std::vector<float>> weights(Layer& net) {
  std::vector<std::vector<float>> w;
  for (auto& p : net.parameters()) w.push_back(p.parameter->value.host());
  for (auto& b : net.buffers()) w.push_back(b.tensor->host());
  return w;
}

TEST(Checkpoint, RoundTripRestoresOutputsAndSettings) {
  TempDir dir;
  auto a = model(1);
  Adam adam(a->parameters());
  for (int i = 0; i < 3; ++i) train_step(*a, adam, i);
  const Attributes settings{{"name", std::string("deep-storm test")},
                            {"pixel_size_nm", 100.0},
                            {"upsampling", int64_t{8}},
                            {"empty", std::string()}};
  const std::string path = dir / "net.h5";
  save_checkpoint(path, *a, &adam, settings);

  auto b = model(2);  // other weights
  const Tensor x = random_tensor({1, 1, 8, 8}, 77);
  EXPECT_NE(a->forward(x, false).host(), b->forward(x, false).host());
  EXPECT_EQ(load_checkpoint(path, *b), settings);
  EXPECT_EQ(a->forward(x, false).host(), b->forward(x, false).host()) << "bit-identical outputs";
  EXPECT_EQ(read_checkpoint_settings(path), settings);
  EXPECT_EQ(read_checkpoint_architecture(path), a->architecture());

  // Only the checkpoint is left in the folder: the temporary file was renamed.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(Checkpoint, AdamResumesExactly) {
  TempDir dir;
  const std::string path = dir / "resume.h5";
  auto a = model(1);
  Adam adam_a(a->parameters(), adamw_options(2e-3f, 0.01f));
  for (int i = 0; i < 4; ++i) train_step(*a, adam_a, i);
  save_checkpoint(path, *a, &adam_a);
  train_step(*a, adam_a, 4);  // the step without a save and load

  auto b = model(3);
  Adam adam_b(b->parameters());  // default settings: the checkpoint's replace them
  load_checkpoint(path, *b, &adam_b);
  EXPECT_EQ(adam_b.steps(), 4);
  EXPECT_FLOAT_EQ(adam_b.lr(), 2e-3f);
  train_step(*b, adam_b, 4);
  EXPECT_EQ(weights(*a), weights(*b));
}

TEST(Checkpoint, RefusesMismatches) {
  TempDir dir;
  const std::string path = dir / "net.h5";
  auto a = model(1);
  save_checkpoint(path, *a);
  Sequential other;
  Conv2dOptions o;
  other.emplace<Conv2d>(o);
  EXPECT_THROW(load_checkpoint(path, other), Error) << "another architecture";
  Adam adam(a->parameters());
  EXPECT_THROW(load_checkpoint(path, *a, &adam), Error) << "no optimizer state stored";
  save_checkpoint(path, *a, &adam);
  Sgd sgd(a->parameters());
  EXPECT_THROW(load_checkpoint(path, *a, &sgd), Error) << "another optimizer";
  EXPECT_THROW(load_checkpoint(dir / "missing.h5", *a), Error);
  EXPECT_THROW(save_checkpoint(dir / "no/such/folder/net.h5", *a), Error);
  {
    std::FILE* f = std::fopen((dir / "text.h5").c_str(), "w");
    std::fputs("not hdf5", f);
    std::fclose(f);
  }
  EXPECT_THROW(load_checkpoint(dir / "text.h5", *a), Error);
}

TEST(Checkpoint, RefusesNonFiniteValuesNamingTheDataset) {
  TempDir dir;
  const std::string path = dir / "nan.h5";
  auto a = model(1);
  {
    Tensor& w = a->parameters().front().parameter->value;
    std::vector<float> v = w.host();
    v.at(3) = NAN;
    w.copy_from(Tensor::from_host(w.shape(), v));
  }
  save_checkpoint(path, *a);
  auto b = model(2);
  std::string msg = error_of([&] { load_checkpoint(path, *b); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("parameters/" + b->parameters().front().name), std::string::npos) << msg;
  EXPECT_NE(msg.find("nan at index 3"), std::string::npos) << msg;

  auto c = model(3);
  save_checkpoint(path, *c, nullptr, {{"norm_std", NAN}});
  msg = error_of([&] { read_checkpoint_settings(path); });
  EXPECT_NE(msg.find("attribute norm_std is nan"), std::string::npos) << msg;
}

// Types and sizes that a damaged file can claim (found by fuzz/model_fuzz, whose input
// fuzz/regressions/model-huge-float.h5 gave a weight dataset a float type of 4 143 972 099
// bytes: HDF5 allocated a conversion buffer of that size per value). Each is refused with the
// file and the dataset or attribute named, before HDF5 reads a byte of it.
TEST(Checkpoint, RefusesDamagedTypesAndSizes) {
  TempDir dir;
  auto a = model(1);
  const std::string weight = "parameters/" + a->parameters().front().name;
  const auto shape = a->parameters().front().parameter->value.shape();
  const hsize_t dims[4] = {hsize_t(shape.n), hsize_t(shape.c), hsize_t(shape.h), hsize_t(shape.w)};
  // Rewrites the checkpoint with `edit` applied to the open file.
  auto damaged = [&](const std::string& name, auto edit) {
    const std::string path = dir / name;
    save_checkpoint(path, *a, nullptr, {{"norm_std", 1.5}});
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    EXPECT_GE(f, 0);
    edit(f);
    H5Fclose(f);
    return path;
  };
  auto replace_weight = [&](hid_t type) {
    return [&, type](hid_t f) {
      EXPECT_GE(H5Ldelete(f, weight.c_str(), H5P_DEFAULT), 0);
      const hid_t space = H5Screate_simple(4, dims, nullptr);
      H5Dclose(H5Dcreate2(f, weight.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      H5Sclose(space);
    };
  };
  auto b = model(2);
  const hid_t huge = H5Tcopy(H5T_IEEE_F32LE);
  ASSERT_GE(H5Tset_size(huge, 1 << 20), 0);
  for (const hid_t type : {huge, H5T_STD_I32LE}) {
    const std::string path = damaged("weight.h5", replace_weight(type));
    EXPECT_EQ(error_of([&] { load_checkpoint(path, *b); }),
              "checkpoint '" + path + "': dataset " + weight +
                  " does not hold 32- or 64-bit floating-point numbers");
  }
  H5Tclose(huge);

  // Attributes: one value each, numbers of at most 8 bytes.
  auto add_attribute = [](hid_t type, hsize_t n) {
    return [type, n](hid_t f) {
      const hid_t g = H5Gopen2(f, "settings", H5P_DEFAULT);
      const hid_t space = H5Screate_simple(1, &n, nullptr);
      const hid_t attr = H5Acreate2(g, "extra", type, space, H5P_DEFAULT, H5P_DEFAULT);
      EXPECT_GE(attr, 0);
      const std::vector<char> zeros(n * H5Tget_size(type), 0);
      H5Awrite(attr, type, zeros.data());
      H5Aclose(attr);
      H5Sclose(space);
      H5Gclose(g);
    };
  };
  std::string path = damaged("array.h5", add_attribute(H5T_STD_I64LE, 1000));
  EXPECT_EQ(error_of([&] { read_checkpoint_settings(path); }),
            "checkpoint '" + path + "': attribute extra is not a single value");
  path = damaged("long.h5", add_attribute(H5T_NATIVE_LDOUBLE, 1));
  EXPECT_EQ(error_of([&] { read_checkpoint_settings(path); }),
            "checkpoint '" + path + "': attribute extra is a number of " +
                std::to_string(H5Tget_size(H5T_NATIVE_LDOUBLE)) + " bytes (damaged file)");
  // The undamaged settings still read.
  path = damaged("fine.h5", [](hid_t) {});
  EXPECT_EQ(std::get<double>(read_checkpoint_settings(path).at("norm_std")), 1.5);
}

// A full disk, as a file size limit: the save throws an Error naming the file, leaves nothing
// behind, and the process exits normally (HDF5 used to crash at exit, closing the file it had
// failed to flush). Run in a child, whose exit runs HDF5's atexit clean-up.
TEST(Checkpoint, AWriteErrorThrowsAndExitsCleanly) {
  TempDir dir;
  const std::string path = dir / "full.h5";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int code = 2;
    try {
      auto a = model(1);
      save_checkpoint(path, *a);
    } catch (const Error& e) {
      const std::string m = e.what();
      code = m.find(path) != std::string::npos && m.find("write failed") != std::string::npos;
      code = code ? 0 : 3;
    }
    std::exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: no error thrown; 3: the message";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Checkpoint, SgdStateRoundTrips) {
  TempDir dir;
  auto a = model(1);
  SgdOptions so;
  so.lr = 0.01f, so.momentum = 0.9f;
  Sgd sgd_a(a->parameters(), so);
  for (int i = 0; i < 2; ++i) train_step(*a, sgd_a, i);
  save_checkpoint(dir / "sgd.h5", *a, &sgd_a);
  train_step(*a, sgd_a, 2);
  auto b = model(4);
  Sgd sgd_b(b->parameters());
  load_checkpoint(dir / "sgd.h5", *b, &sgd_b);
  train_step(*b, sgd_b, 2);
  EXPECT_EQ(weights(*a), weights(*b));
}

TEST(Checkpoint, LoadsOntoAGpu) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  kernels::nn::set_conv2d_allow_tf32(false);
  TempDir dir;
  auto a = model(1);
  save_checkpoint(dir / "net.h5", *a);
  auto b = model(2);
  b->to(kernels::Device::cuda(0));
  load_checkpoint(dir / "net.h5", *b);
  EXPECT_TRUE(b->parameters()[0].parameter->value.device().is_cuda());
  const Tensor x = random_tensor({1, 1, 8, 8}, 5);
  const auto ya = a->forward(x, false).host();
  const auto yb = b->forward(x.to(b->device()), false).host();
  for (size_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya[i], yb[i], 1e-5);
  kernels::nn::set_conv2d_allow_tf32(true);
}

// An smNet-like regression net in both containers: a conv trunk with PReLU in a Sequential, a
// flattening Linear, a shared-slope PReLU, a second Linear and a HardTanh bound in a Graph
// (with a residual sum of the two flat nodes). Gradients flow through the flat tensors, the
// parameters are named by path, and a checkpoint round trip restores the outputs exactly.
std::unique_ptr<Graph> regression_model(uint64_t seed, float lo, float hi, float slope = 0.25f) {
  auto g = std::make_unique<Graph>();
  auto trunk = std::make_unique<Sequential>();
  Conv2dOptions o;
  o.in_channels = 1, o.out_channels = 4, o.kernel = 3, o.padding = 1, o.seed = seed;
  trunk->emplace<Conv2d>(o);
  trunk->emplace<PReLU>(4, slope);
  const int t = g->add(std::move(trunk), Graph::kInput, "trunk");
  const int f1 = g->add(std::make_unique<Linear>(4 * 6 * 6, 3, seed + 1), t, "fc1");
  const int a = g->add(std::make_unique<PReLU>(1, slope), f1, "act");
  const int f2 = g->add(std::make_unique<Linear>(3, 3, seed + 2), a, "fc2");
  const int r = g->sum({f1, f2});
  g->add(std::make_unique<HardTanh>(lo, hi), r, "bound");
  return g;
}

TEST(Checkpoint, LinearPReLUAndHardTanhInContainers) {
  // Wide bounds and slopes of 1: no kink for the finite differences to straddle (a step of a
  // conv weight moves 108 PReLU inputs at once); PReLU's and HardTanh's own tests check those.
  auto net = regression_model(1, -5.f, 5.f, 1.f);
  GradientCheckOptions go;
  go.tolerance = 1e-2;
  check_gradients(*net, random_tensor({3, 1, 6, 6}, 30), go);
  std::vector<std::string> names;
  for (auto& p : net->parameters()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"trunk/0/weight", "trunk/0/bias", "trunk/1/slope",
                                             "fc1/weight", "fc1/bias", "act/slope", "fc2/weight",
                                             "fc2/bias"}));

  TempDir dir;
  auto a = regression_model(1, -0.2f, 0.3f);
  Adam adam(a->parameters());
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    const Tensor x = random_tensor({2, 1, 6, 6}, i);
    const auto loss = mse_loss(a->forward(x, true), random_tensor({2, 3, 1, 1}, i + 100));
    a->backward(loss.grad);
    adam.step();
  }
  save_checkpoint(dir / "regression.h5", *a, &adam);
  auto b = regression_model(7, -0.2f, 0.3f);
  const Tensor x = random_tensor({4, 1, 6, 6}, 31);
  EXPECT_NE(a->forward(x, false).host(), b->forward(x, false).host());
  load_checkpoint(dir / "regression.h5", *b);
  const auto y = b->forward(x, false);
  EXPECT_EQ(y.shape(), (Shape{4, 3, 1, 1}));
  EXPECT_EQ(a->forward(x, false).host(), y.host()) << "bit-identical outputs";
  for (float v : y.host()) EXPECT_TRUE(v >= -0.2f && v <= 0.3f) << v;
  EXPECT_NE(read_checkpoint_architecture(dir / "regression.h5").find("HardTanh(-0.2, 0.3)"),
            std::string::npos);
  auto other_bounds = regression_model(1, -1.f, 1.f);
  EXPECT_THROW(load_checkpoint(dir / "regression.h5", *other_bounds), Error)
      << "the bounds are part of the architecture";
}

}  // namespace
}  // namespace smlm::test
