// BGNet inference on the Localizer's ROIs.
#include "localization/nets/bgnet/bgnet_background.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "localization/nets/bgnet/training_data.h"

namespace smlm::localization::nets::bgnet {

namespace {
constexpr int64_t kChunk = 512;  // windows per forward pass
}  // namespace

BgNetBackground::BgNetBackground(Model model, kernels::Device device, std::string name)
    : model_(std::move(model)), device_(device), name_(std::move(name)) {
  model_.to(device_);
}

BgNetBackground::BgNetBackground(const std::string& model_path, kernels::Device device)
    : BgNetBackground(load_model(model_path, kernels::Device::cpu()), device,
                      "BGNet model " + model_path) {}

int BgNetBackground::window(int size) const {
  const int m = NetConfig::kMultiple;
  return std::max(model_.data.roi, (size + m - 1) / m * m);
}

void BgNetBackground::estimate(std::span<const ImageF> frames, std::span<const RoiPlace> rois,
                               int size, float* out) {
  const int s = window(size);
  const int64_t npix = int64_t{s} * s, n = static_cast<int64_t>(rois.size());
  std::vector<float> in, scale;
  for (int64_t a = 0; a < n; a += kChunk) {
    const int64_t m = std::min(kChunk, n - a);
    in.resize(static_cast<size_t>(m * npix));
    scale.resize(static_cast<size_t>(m));
    std::vector<int> ox(m), oy(m);
    kernels::parallel_for(m, [&](int64_t i) {
      const RoiPlace& r = rois[a + i];
      const ImageF& f = frames[static_cast<size_t>(r.frame)];
      const int w = f.width(), h = f.height();
      // The window's origin: centred on the ROI, inside the frame when it fits.
      int x0 = r.x0 + size / 2 - s / 2, y0 = r.y0 + size / 2 - s / 2;
      x0 = w >= s ? std::clamp(x0, 0, w - s) : x0;
      y0 = h >= s ? std::clamp(y0, 0, h - s) : y0;
      ox[i] = x0;
      oy[i] = y0;
      float* v = in.data() + i * npix;
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x)
          v[y * s + x] = f(std::clamp(x0 + x, 0, w - 1), std::clamp(y0 + y, 0, h - 1));
      scale[i] = normalization_scale(v, npix);
      for (int64_t k = 0; k < npix; ++k) v[k] /= scale[i];
    });
    const nn::Tensor x = nn::Tensor::from_host({m, 1, s, s}, in, device_);
    const std::vector<float> pred = model_.net->forward(x, false).host();
    kernels::parallel_for(m, [&](int64_t i) {
      const RoiPlace& r = rois[a + i];
      const float* p = pred.data() + i * npix;
      float* o = out + (a + i) * int64_t{size} * size;
      const int dx = r.x0 - ox[i], dy = r.y0 - oy[i];
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
          o[y * size + x] = std::max(0.f, p[(dy + y) * s + dx + x] * scale[i]);
    });
  }
}

}  // namespace smlm::localization::nets::bgnet
