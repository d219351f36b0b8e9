// FrameRenderer settings from SimulationSettings.
#include "simulation/frame_setup.h"

#include <algorithm>

namespace smlm::simulation {

FrameRenderer frame_renderer_for(const SimulationSettings& s) {
  const double ps = s.camera.pixel_size_nm;
  FrameRenderer fr;
  fr.sigma_px = s.psf_sigma_nm / ps;
  fr.cutoff_px = 5 * fr.sigma_px + 0.5;  // pixels wholly beyond 5σ get nothing
  fr.psf = s.psf;
  if (s.psf == RenderPsf::astigmatic) {
    fr.astigmatic = psf::AstigmaticGaussian(s.astigmatic, ps);
    double widest = 0;  // the widest σ over the z range
    for (int k = 0; k <= 32; ++k) {
      const double z = s.z_min_nm + (s.z_max_nm - s.z_min_nm) * k / 32.0;
      widest = std::max({widest, s.astigmatic.x.sigma(z), s.astigmatic.y.sigma(z)});
    }
    fr.cutoff_px = 5 * widest + 0.5;
  } else if (s.psf == RenderPsf::spline) {
    fr.spline = s.spline->model();
    const psf::CubicSplinePsf& m = fr.spline;
    const double half =  // the spline is 0 beyond its grid
        std::max({m.cx, m.nx - m.cx, m.cy, m.ny - m.cy}) / m.oversampling;
    fr.cutoff_px = half + 0.5;
  }
  if (s.psf != RenderPsf::spline) fr.table_side = FrameRenderer::table_side_for(fr.cutoff_px);
  fr.background = s.background;
  fr.background_map = s.background_map ? s.background_map->data() : nullptr;
  fr.camera = CameraNoise::from(s.camera);
  fr.seed = s.seed;
  return fr;
}

}  // namespace smlm::simulation
