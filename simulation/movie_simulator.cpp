// MovieSimulator: photophysics per frame, truth rows, then the FrameRenderer on the CPU or GPU.
#include "simulation/movie_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "simulation/cuda/movie_simulator_gpu.h"
#include "simulation/frame_setup.h"
#include "simulation/random_streams.h"

namespace smlm::simulation {

namespace {

constexpr int64_t kMaxMolecules = 10'000'000;
// 16384 x 16384: 1 GB per float frame, far beyond any camera.
constexpr int64_t kMaxFramePixels = int64_t{1} << 28;

const SimulationSettings& validated(const SimulationSettings& s) {
  s.validate();
  return s;
}

std::vector<Position> layout(const SimulationSettings& s) {
  std::vector<Position> p =
      make_layout(s.structure, s.num_molecules(),
                  {s.width * s.camera.pixel_size_nm, s.height * s.camera.pixel_size_nm}, s.seed);
  if (s.is_3d())
    for (size_t i = 0; i < p.size(); ++i) {
      kernels::Rng rng(s.seed, streams::kDepth + static_cast<uint64_t>(i));
      p[i].z_nm = s.z_min_nm + rng.uniform() * (s.z_max_nm - s.z_min_nm);
    }
  return p;
}

}  // namespace

double SimulationSettings::area_um2() const {
  const double ps_um = camera.pixel_size_nm * 1e-3;
  return static_cast<double>(width) * height * ps_um * ps_um;
}

int64_t SimulationSettings::num_molecules() const {
  return static_cast<int64_t>(std::llround(density * area_um2() / rates().emitting_probability()));
}

void SimulationSettings::validate() const {
  SMLM_CHECK(width > 0 && height > 0,
             "simulated frame size must be positive, got " << width << " x " << height << " px");
  SMLM_CHECK(frames > 0, "number of simulated frames must be positive, got " << frames);
  SMLM_CHECK(static_cast<double>(width) * height <= static_cast<double>(kMaxFramePixels),
             "simulated frame size " << width << " x " << height << " px is more than the limit of "
                                     << kMaxFramePixels << " pixels ("
                                     << kMaxFramePixels * 4 / (1 << 20) << " MB a frame)");
  SMLM_CHECK(static_cast<double>(frames) * width * height < 0x1p56,
             "simulated movie too large: " << frames << " frames of " << width << " x " << height
                                           << " px");
  camera.validate();
  SMLM_CHECK(std::isfinite(density) && density >= 0,
             "density must be >= 0 molecules/µm², got " << density);
  SMLM_CHECK(std::isfinite(photons) && photons >= 0,
             "photons must be >= 0 per frame, got " << photons);
  SMLM_CHECK(std::isfinite(background) && background >= 0,
             "background must be >= 0 photons/pixel, got " << background);
  SMLM_CHECK(std::isfinite(psf_sigma_nm) && psf_sigma_nm > 0,
             "PSF sigma must be a positive number of nm, got " << psf_sigma_nm);
  SMLM_CHECK(psf_sigma_nm / camera.pixel_size_nm <= 100,
             "PSF sigma " << psf_sigma_nm << " nm is more than 100 pixels");
  rates().validate();
  if (is_3d()) {
    SMLM_CHECK(std::isfinite(z_min_nm) && std::isfinite(z_max_nm) && z_min_nm <= z_max_nm,
               "z range must be MIN <= MAX nm, got " << z_min_nm << ".." << z_max_nm);
  }
  if (psf == RenderPsf::spline) {
    SMLM_CHECK(spline != nullptr && !spline->empty(), "the spline PSF has no coefficients");
    const double spx = spline->model().pixel_size_nm;
    SMLM_CHECK(std::fabs(spx - camera.pixel_size_nm) <= 0.01 * camera.pixel_size_nm,
               "the spline PSF was made for " << spx << " nm pixels, the camera has "
                                              << camera.pixel_size_nm << " nm");
  }
  if (background_map) {
    SMLM_CHECK(background_map->width() == width && background_map->height() == height,
               "the background map is " << background_map->width() << " x "
                                        << background_map->height() << " px, the frames " << width
                                        << " x " << height);
    const float* b = background_map->data();
    for (size_t i = 0; i < background_map->size(); ++i)
      SMLM_CHECK(std::isfinite(b[i]) && b[i] >= 0,
                 "the background map holds " << b[i] << ": values must be >= 0 photons/pixel");
  }
  if (camera_maps) {
    camera_maps->validate();
    camera_maps->check_camera(camera);
    camera_maps->frame_view(width, height, camera_maps_origin);  // throws unless they hold them
  }
  const double pixel_um2 = camera.pixel_size_nm * camera.pixel_size_nm * 1e-6;
  SMLM_CHECK(density * pixel_um2 <= 1.0,
             "density " << density << " /µm² is too high: more than one emitting molecule per "
                        << camera.pixel_size_nm << " nm pixel");
  const double n = density * area_um2() / rates().emitting_probability();
  SMLM_CHECK(n <= static_cast<double>(kMaxMolecules),
             "density " << density << " /µm² is too high for these blinking rates: " << n
                        << " molecules (at most " << kMaxMolecules
                        << "); raise k_on or lower k_off");
}

MovieSimulator::MovieSimulator(const SimulationSettings& s)
    : settings_(validated(s)),
      positions_(layout(s)),
      photophysics_(static_cast<int64_t>(positions_.size()), s.rates(), s.photon_distribution,
                    s.photons, s.seed) {
  if (s.camera_maps) maps_ = s.camera_maps->frame_view(s.width, s.height, s.camera_maps_origin);
}

MovieSimulator::~MovieSimulator() = default;

void MovieSimulator::set_device(kernels::Device device) {
  if (device.is_cuda()) {
    gpu_ = std::make_unique<GpuFrameRenderer>(device.index);
  } else {
    gpu_.reset();
  }
  device_ = device;
}

bool MovieSimulator::next(ImageF& adu, LocalizationTable& truth) {
  if (frame_ >= settings_.frames) return false;
  const SimulationSettings& s = settings_;
  const double ps = s.camera.pixel_size_nm;
  photophysics_.next_frame(on_fraction_);

  // Truth rows, in molecule order.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto name : {col::frame, col::x, col::y, col::intensity, col::molecule})
    truth.add_column(name, nan);
  if (s.is_3d()) truth.add_column(col::z, nan);
  const size_t first = truth.size();
  size_t rows = 0;
  for (double f : on_fraction_) rows += f > 0;
  truth.resize(first + rows);
  auto& c_frame = truth[col::frame];
  auto& c_x = truth[col::x];
  auto& c_y = truth[col::y];
  auto& c_int = truth[col::intensity];
  auto& c_id = truth[col::molecule];
  std::vector<double>* c_z = s.is_3d() ? &truth[col::z] : nullptr;
  emitters_.clear();
  size_t r = first;
  for (size_t i = 0; i < on_fraction_.size(); ++i) {
    if (!(on_fraction_[i] > 0)) continue;
    const Position& p = positions_[i];
    const double photons = on_fraction_[i] * photophysics_.brightness(static_cast<int64_t>(i));
    c_frame[r] = static_cast<double>(frame_);
    c_x[r] = p.x_nm;
    c_y[r] = p.y_nm;
    c_int[r] = photons;
    c_id[r] = static_cast<double>(i);
    if (c_z) (*c_z)[r] = p.z_nm;
    ++r;
    emitters_.push_back({p.x_nm / ps - 0.5, p.y_nm / ps - 0.5, photons, p.z_nm / ps});
  }
  std::stable_sort(emitters_.begin(), emitters_.end(),
                   [](const FrameEmitter& a, const FrameEmitter& b) { return a.y < b.y; });

  if (adu.width() != s.width || adu.height() != s.height) adu = ImageF(s.width, s.height);
  FrameRenderer fr = frame_renderer_for(s);
  fr.emitters = emitters_.data();
  fr.num_emitters = static_cast<int64_t>(emitters_.size());
  fr.width = s.width;
  fr.height = s.height;
  fr.camera = CameraNoise::from(s.camera, maps_);
  fr.frame = frame_;
  fr.out = adu.data();
  const int64_t pixels = static_cast<int64_t>(s.width) * s.height;
  if (gpu_) {
    gpu_->render(fr, emitters_, adu.data());  // fills the tables on the GPU
  } else {
    if (fr.table_side > 0) {
      tables_.resize(emitters_.size() * 2 * static_cast<size_t>(fr.table_side));
      fr.tables = tables_.data();
      kernels::parallel_for(fr.num_emitters, FrameTables{fr}, 64);
    }
    kernels::parallel_for(pixels, fr, 1024);
  }
  ++frame_;
  return true;
}

bool gpu_available() { return kernels::cuda_device_count() > 0; }

}  // namespace smlm::simulation
