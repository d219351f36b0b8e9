// Tests of FrameRenderer's per-emitter tables of pixel integrals: the same PSF values as the
// per-pixel evaluation for every pixel within the cutoff (2D Gaussian and astigmatic), all the
// emitter's light inside the table, and the same frame.
#include "simulation/frame_renderer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/random.h"

namespace smlm::simulation {
namespace {

FrameRenderer renderer(RenderPsf psf, std::vector<FrameEmitter>& emitters, float* out) {
  kernels::Rng rng(5, 0);
  for (int k = 0; k < 40; ++k)  // some beyond the frame's edges
    emitters.push_back({rng.uniform() * 70 - 3, rng.uniform() * 54 - 3, 1000 + 2000 * rng.uniform(),
                        rng.uniform() * 6 - 3});
  std::sort(emitters.begin(), emitters.end(),
            [](const FrameEmitter& a, const FrameEmitter& b) { return a.y < b.y; });
  FrameRenderer r;
  r.emitters = emitters.data();
  r.num_emitters = static_cast<int64_t>(emitters.size());
  r.width = 64;
  r.height = 48;
  r.psf = psf;
  r.sigma_px = 1.3;
  psf::AstigmaticCalibration c;
  c.x.sigma0 = c.y.sigma0 = 1.1;
  c.x.c = -250;
  c.y.c = 250;
  r.astigmatic = psf::AstigmaticGaussian(c, 100.0);
  r.cutoff_px = 7.3;
  r.background = 10;
  r.seed = 9;
  r.out = out;
  return r;
}

class FrameTablesTest : public ::testing::TestWithParam<RenderPsf> {};

TEST_P(FrameTablesTest, GiveThePerPixelValues) {
  std::vector<FrameEmitter> emitters;
  std::vector<float> a(64 * 48), b(64 * 48);
  const FrameRenderer plain = renderer(GetParam(), emitters, a.data());
  FrameRenderer tabled = plain;
  tabled.out = b.data();
  tabled.table_side = FrameRenderer::table_side_for(tabled.cutoff_px);
  std::vector<double> tables(emitters.size() * 2 * tabled.table_side);
  tabled.tables = tables.data();
  for (int64_t k = 0; k < tabled.num_emitters; ++k) FrameTables{tabled}(k);

  double worst = 0;
  int64_t checked = 0;
  for (int64_t k = 0; k < plain.num_emitters; ++k) {
    const FrameEmitter& e = emitters[k];
    double inside = 0;  // the table's share of the emitter's light
    for (int py = static_cast<int>(e.y) - 10; py <= static_cast<int>(e.y) + 10; ++py)
      for (int px = static_cast<int>(e.x) - 10; px <= static_cast<int>(e.x) + 10; ++px) {
        const double t = tabled.psf_value(e, k, px, py);
        inside += t;
        if (std::fabs(e.x - px) > plain.cutoff_px || std::fabs(e.y - py) > plain.cutoff_px)
          continue;
        worst = std::max(worst, std::fabs(t - plain.psf_value(e, k, px, py)));
        ++checked;
      }
    EXPECT_GT(inside, 0.999) << "emitter " << k;  // the table reaches ≥ 4σ each way
  }
  EXPECT_GT(checked, 40 * 200);
  EXPECT_LT(worst, 1e-15);

  for (int64_t i = 0; i < 64 * 48; ++i) {
    plain(i);
    tabled(i);
  }
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_GE(same, static_cast<int64_t>(a.size()) - 2);  // a rounding step may tip one draw
}

INSTANTIATE_TEST_SUITE_P(Psfs, FrameTablesTest,
                         ::testing::Values(RenderPsf::integrated_gaussian, RenderPsf::astigmatic),
                         [](const auto& info) {
                           return info.param == RenderPsf::astigmatic ? "astigmatic" : "gaussian";
                         });

}  // namespace
}  // namespace smlm::simulation
