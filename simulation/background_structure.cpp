// Structured background maps: fractal Perlin noise per pixel.
#include "simulation/background_structure.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::simulation {

void PerlinSettings::validate() const {
  SMLM_CHECK(std::isfinite(amplitude) && amplitude >= 0,
             "structured background: amplitude must be >= 0 photons/pixel, got " << amplitude);
  SMLM_CHECK(std::isfinite(scale_px) && scale_px >= 0.5 && scale_px <= 1e6,
             "structured background: scale must be 0.5 ... 1e6 px, got " << scale_px);
  SMLM_CHECK(octaves >= 1 && octaves <= 12,
             "structured background: octaves must be 1 ... 12, got " << octaves);
  SMLM_CHECK(std::isfinite(persistence) && persistence > 0 && persistence <= 1,
             "structured background: persistence must be in (0, 1], got " << persistence);
}

ImageF perlin_background(const PerlinSettings& s, double background, int w, int h, double x0,
                         double y0) {
  s.validate();
  SMLM_CHECK(std::isfinite(background) && background >= 0,
             "background must be >= 0 photons/pixel, got " << background);
  ImageF map(w, h);
  float* out = map.data();
  kernels::parallel_for(int64_t{w} * h, [&](int64_t i) {
    const double x = x0 + static_cast<double>(i % w), y = y0 + static_cast<double>(i / w);
    out[i] = static_cast<float>(background + s.amplitude * fractal_perlin(s, x, y));
  });
  return map;
}

namespace {

double number(const std::string& text, const std::string& what, const std::string& option) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  SMLM_CHECK(!text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(v),
             option << ": " << what << " '" << text << "' is not a number");
  return v;
}

}  // namespace

PerlinSettings parse_perlin_spec(const std::string& spec, double pixel_size_nm, uint64_t seed,
                                 const std::string& option) {
  std::vector<std::string> f;
  for (size_t a = 0;;) {
    const size_t b = spec.find(':', a);
    f.push_back(spec.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  SMLM_CHECK(f[0] == "perlin" && f.size() >= 3 && f.size() <= 5,
             option << ": '" << spec
                    << "' is not perlin:AMP:SCALE_NM[:OCTAVES[:PERSISTENCE]] or file:PATH");
  SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
             option << ": pixel size must be > 0 nm, got " << pixel_size_nm);
  PerlinSettings s;
  s.amplitude = number(f[1], "amplitude", option);
  s.scale_px = number(f[2], "scale", option) / pixel_size_nm;
  if (f.size() > 3) {
    const double o = number(f[3], "octaves", option);
    SMLM_CHECK(o == std::floor(o) && o >= 1 && o <= 12,
               option << ": octaves must be a whole number 1 ... 12, got '" << f[3] << "'");
    s.octaves = static_cast<int>(o);
  }
  if (f.size() > 4) s.persistence = number(f[4], "persistence", option);
  s.seed = seed;
  try {
    s.validate();
  } catch (const Error& e) {
    throw Error(option + ": " + e.what());
  }
  return s;
}

}  // namespace smlm::simulation
