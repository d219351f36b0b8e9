// `smlm bench`: the standard workloads (LM fits, detection, the localize pipeline, Deep-STORM
// inference and training) on data simulated in memory, timed on one device; prints one table
// headed by the machine and writes the same as JSON (-o).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/workloads.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "kernels/device.h"
#include "kernels/parallel_for.h"
#include "localization/batch_fit.h"
#include "localization/detect_batch.h"
#include "localization/lm_models.h"
#include "localization/localizer.h"
#include "localization/nets/deepstorm/model.h"
#include "localization/nets/deepstorm/net.h"
#include "localization/nets/deepstorm/trainer.h"
#include "nn/tensor.h"

namespace smlm::cli {

namespace {

namespace ds = localization::nets::deepstorm;
using Clock = std::chrono::steady_clock;

// One workload's result: `items` (fits, frames, steps) in `seconds` of timed calls.
struct Row {
  std::string id;    // stable key, e.g. "fit_2d_7x7"
  std::string name;  // what runs
  std::string size;  // ROI, frame or patch size
  int64_t per_call = 0;
  std::string per_call_unit;  // what per_call counts
  std::string unit;           // of the rate: "fits/s", …
  int64_t items = 0, calls = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(items) / seconds : 0; }
};

// How much each workload does per call: --quick's smaller batches, larger ones on a GPU (where a
// small batch measures launch and copy latency, not throughput).
struct Plan {
  static constexpr int kWorkloads = 12;
  static constexpr int kSmall = 256, kLarge = 2048;  // frame sides of the pipeline movies

  kernels::Device device;
  bool quick;
  double min_time_s;     // timed seconds per workload, at least
  int fit_batch;         // ROIs per fit call
  int frames_small;      // kSmall² frames per detection / localize call
  int frames_large;      // kLarge² frames per call
  int net_frame;         // side of the Deep-STORM inference frame [camera px]
  int train_batch = 16;  // Deep-STORM patches per training step

  // min_time 0: the mode's default.
  Plan(kernels::Device d, bool q, double min_time) : device(d), quick(q) {
    const bool gpu = d.is_cuda();
    min_time_s = min_time > 0 ? min_time : (quick ? 0.25 : 2.0);
    fit_batch = gpu ? (quick ? 1 << 16 : 1 << 18) : (quick ? 4096 : 16384);
    frames_small = gpu ? (quick ? 64 : 256) : 32;
    frames_large = gpu ? (quick ? 4 : 16) : (quick ? 2 : 4);
    net_frame = quick && !gpu ? 128 : kSmall;  // a 256² forward takes ~1 s of one core
  }
};

std::string square(int side) { return std::to_string(side) + "x" + std::to_string(side); }

// Runs the workloads one after the other: one warm-up call (buffers allocated, primitives built),
// then calls until min_time has passed. On a terminal, stderr shows which is running.
class Runner {
 public:
  explicit Runner(double min_time_s)
      : min_time_s_(min_time_s), status_(isatty(STDERR_FILENO) != 0) {}
  ~Runner() { clear_status(); }

  // Announces the next workload (before its set-up, which may take a moment).
  void start(Row row) {
    current_ = std::move(row);
    if (status_) {
      std::fprintf(stderr, "\r\033[Kbench [%d/%d] %s, %s ...", static_cast<int>(rows_.size()) + 1,
                   Plan::kWorkloads, current_.name.c_str(), current_.size.c_str());
      std::fflush(stderr);
    }
  }

  // Times `call` (returns the items it processed); the row goes to rows().
  template <class F>
  void time(F&& call) {
    call();
    int64_t items = 0, calls = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    do {
      items += call();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (elapsed < min_time_s_);
    current_.items = items;
    current_.calls = calls;
    current_.seconds = elapsed;
    SMLM_CHECK(items > 0 && std::isfinite(current_.rate()),
               "workload '" << current_.id << "' processed nothing");
    rows_.push_back(current_);
  }

  void clear_status() {
    if (status_) std::fprintf(stderr, "\r\033[K");
    status_ = false;
  }
  const std::vector<Row>& rows() const { return rows_; }

 private:
  double min_time_s_;
  bool status_;
  Row current_;
  std::vector<Row> rows_;
};

// LM fits/s, 2D then 3D, at 7×7 and 9×9: start values from the data (as `localize`).
void fit_workloads(Runner& run, const Plan& plan) {
  using localization::BatchFitter;
  using localization::BatchModel;
  std::vector<localization::LmResult> results;
  for (int side : {7, 9}) {
    run.start({"fit_2d_" + square(side), "LM fit 2D, integrated Gaussian", square(side),
               plan.fit_batch, "ROIs", "fits/s"});
    auto rois = bench::gaussian_rois(side, plan.fit_batch);
    rois.starts.clear();
    BatchFitter fitter(localization::LmIntegratedGaussian::settings(false), plan.device);
    run.time([&] {
      fitter.fit(rois, results);
      return rois.count();
    });
  }
  const psf::AstigmaticGaussian astigmatic(bench::astigmatic_curves(), 100.0);
  std::unique_ptr<psf::CubicSpline> spline;
  for (bool use_spline : {false, true}) {
    for (int side : {7, 9}) {
      const std::string kind = use_spline ? "spline" : "astigmatic";
      run.start({"fit_" + kind + "_" + square(side),
                 use_spline ? "LM fit 3D, cubic spline" : "LM fit 3D, astigmatic Gaussian",
                 square(side), plan.fit_batch, "ROIs", "fits/s"});
      if (use_spline && !spline) spline = bench::astigmatic_spline(astigmatic);
      const auto rois = bench::astigmatic_rois(astigmatic, side, plan.fit_batch);
      const BatchModel model =
          use_spline ? BatchModel::of(spline->model()) : BatchModel::of(astigmatic);
      BatchFitter fitter(model.default_settings(), model, plan.device);
      run.time([&] {
        fitter.fit(rois, results);
        return rois.count();
      });
    }
  }
}

// Detection and the whole pipeline, frames/s, on sparse movies at 256² and 2048². Returns the
// first 256² frame (Deep-STORM's input).
ImageF pipeline_workloads(Runner& run, const Plan& plan) {
  const int sides[2] = {Plan::kSmall, Plan::kLarge};
  std::vector<ImageF> movies[2];
  for (int k = 0; k < 2; ++k) {
    const int side = sides[k], frames = k == 0 ? plan.frames_small : plan.frames_large;
    run.start({"detect_" + square(side), "detection (ADU to candidates, 7x7 ROIs)", square(side),
               frames, "frames", "frames/s"});
    movies[k] = bench::simulate_movie(side, frames, bench::movie_density(side), plan.device);
    localization::BatchDetector detector(CameraModel{}, {}, 3, plan.device);
    run.time([&] {
      detector.run(movies[k]);
      return static_cast<int64_t>(movies[k].size());
    });
  }
  for (int k = 0; k < 2; ++k) {
    run.start({"localize_" + square(sides[k]), "localize pipeline (detection + LM fits)",
               square(sides[k]), static_cast<int64_t>(movies[k].size()), "frames", "frames/s"});
    localization::LocalizeSettings settings;
    settings.fit.device = plan.device;
    localization::Localizer localizer(CameraModel{}, settings);
    run.time([&] {
      localizer.localize(movies[k], 0);
      return static_cast<int64_t>(movies[k].size());
    });
  }
  return std::move(movies[0].front());
}

// Deep-STORM, the net `smlm train deepstorm` makes by default: inference on one normalized
// simulated frame per call (the top left net_frame² of `movie_frame`; the output map copied to
// the host), and training steps (forward, loss, backward, Adam, with the batch simulated).
void deepstorm_workloads(Runner& run, const Plan& plan, const ImageF& movie_frame) {
  const ds::NetConfig config = bench::deepstorm_config(bench::DeepStormNet::train_default);
  std::ostringstream describe;
  describe << "U" << config.upsampling << ", widths " << config.widths[0] << "-"
           << config.widths[3];
  const std::string net = describe.str();
  {
    run.start({"deepstorm_inference", "Deep-STORM inference (" + net + ")", square(plan.net_frame),
               1, "frame", "frames/s"});
    ImageF frame(plan.net_frame, plan.net_frame);
    for (int y = 0; y < frame.height(); ++y)
      for (int x = 0; x < frame.width(); ++x) frame(x, y) = movie_frame(x, y);
    auto model = ds::build_net(config, 1);
    model->to(plan.device);
    std::vector<float> input(frame.size());
    ds::normalize_frame(frame.data(), static_cast<int64_t>(frame.size()), {}, input.data());
    const nn::Tensor x =
        nn::Tensor::from_host({1, 1, frame.height(), frame.width()}, input, plan.device);
    run.time([&] {
      const nn::Tensor y = model->forward(x, false);
      if (plan.device.is_cuda()) (void)y.host();  // waits for the GPU
      return int64_t{1};
    });
  }
  ds::TrainSettings s;
  s.net = config;
  s.batch = plan.train_batch;
  s.validation_size = 1;
  s.device = plan.device;
  run.start({"deepstorm_training", "Deep-STORM training (" + net + ")",
             std::to_string(s.batch) + "x" + square(s.data.patch), 1, "step", "steps/s"});
  ds::Trainer trainer(s);
  run.time([&] {
    trainer.step();
    return int64_t{1};
  });
}

// The "model name" of /proc/cpuinfo (other architectures: "Hardware" or "Processor").
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string fallback;
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string value = colon + 1 < line.size() ? line.substr(colon + 1) : "";
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "model name" && !value.empty()) return value;
    if ((key == "Hardware" || key == "Processor") && fallback.empty()) fallback = value;
  }
  return fallback.empty() ? "unknown" : fallback;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The machine block, shared by the table's header and the JSON.
struct Machine {
  std::string cpu;
  int cpu_threads_available = 0, threads = 0;
  std::optional<kernels::CudaDeviceInfo> gpu;
};

std::string gpu_summary(const kernels::CudaDeviceInfo& g) {
  std::ostringstream s;
  s << g.name << ", driver " << (g.driver_version.empty() ? "?" : g.driver_version) << " (CUDA "
    << kernels::cuda_version_text(g.driver_cuda_version) << "), runtime CUDA "
    << kernels::cuda_version_text(g.runtime_cuda_version) << ", ";
  char mem[32];
  std::snprintf(mem, sizeof mem, "%.1f GiB", g.memory_gib);
  s << mem << ", sm_" << g.compute_major << g.compute_minor << ", " << g.multiprocessors << " SMs";
  return s.str();
}

std::string to_json(const Machine& m, const Plan& plan, const std::vector<Row>& rows) {
  std::ostringstream j;
  j << "{\n  \"smlm_version\": " << json_string(SMLM_VERSION) << ",\n";
  j << "  \"date\": " << json_string(utc_now()) << ",\n";
  j << "  \"device\": " << json_string(plan.device.name()) << ",\n";
  j << "  \"quick\": " << (plan.quick ? "true" : "false") << ",\n";
  j << "  \"min_time_s\": " << json_number(plan.min_time_s) << ",\n";
  j << "  \"machine\": {\"cpu\": " << json_string(m.cpu)
    << ", \"cpu_threads_available\": " << m.cpu_threads_available << ", \"threads\": " << m.threads
    << ", \"gpu\": ";
  if (m.gpu) {
    const auto& g = *m.gpu;
    j << "{\"name\": " << json_string(g.name)
      << ", \"driver_version\": " << json_string(g.driver_version)
      << ", \"driver_cuda\": " << json_string(kernels::cuda_version_text(g.driver_cuda_version))
      << ", \"runtime_cuda\": " << json_string(kernels::cuda_version_text(g.runtime_cuda_version))
      << ", \"memory_gib\": " << json_number(g.memory_gib) << ", \"compute_capability\": "
      << json_string(std::to_string(g.compute_major) + "." + std::to_string(g.compute_minor))
      << ", \"multiprocessors\": " << g.multiprocessors << "}";
  } else {
    j << "null";
  }
  j << "},\n  \"workloads\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    j << "    {\"id\": " << json_string(r.id) << ", \"name\": " << json_string(r.name)
      << ", \"size\": " << json_string(r.size) << ", \"per_call\": " << r.per_call
      << ", \"per_call_unit\": " << json_string(r.per_call_unit) << ", \"calls\": " << r.calls
      << ", \"items\": " << r.items << ", \"seconds\": " << json_number(r.seconds)
      << ", \"rate\": " << json_number(r.rate()) << ", \"unit\": " << json_string(r.unit) << "}"
      << (i + 1 < rows.size() ? ",\n" : "\n");
  }
  j << "  ]\n}\n";
  return j.str();
}

// Four significant digits, with k or M above 10⁴: 352100 → "352.1 k", 7.8 → "7.800  ".
std::string format_rate(double r) {
  const char* suffix = "  ";
  if (r >= 1e6) {
    r /= 1e6;
    suffix = " M";
  } else if (r >= 1e4) {
    r /= 1e3;
    suffix = " k";
  }
  const int decimals =
      r > 0 ? std::clamp(3 - static_cast<int>(std::floor(std::log10(r))), 0, 6) : 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals, r, suffix);
  return buf;
}

void print_table(const Machine& m, const Plan& plan, const std::vector<Row>& rows) {
  std::printf("smlm %s bench%s on %s\n", SMLM_VERSION, plan.quick ? " --quick" : "",
              plan.device.name().c_str());
  std::printf("CPU   %s, %d threads used (%d available)\n", m.cpu.c_str(), m.threads,
              m.cpu_threads_available);
  if (m.gpu) std::printf("GPU   %s\n", gpu_summary(*m.gpu).c_str());
  std::printf("each workload: one warm-up call, then calls for at least %g s\n\n", plan.min_time_s);
  std::printf("%-46s %-10s %-14s %12s  %s\n", "workload", "size", "per call", "rate", "unit");
  for (const Row& r : rows) {
    const std::string per_call = std::to_string(r.per_call) + " " + r.per_call_unit;
    std::printf("%-46s %-10s %-14s %12s  %s\n", r.name.c_str(), r.size.c_str(), per_call.c_str(),
                format_rate(r.rate()).c_str(), r.unit.c_str());
  }
}

}  // namespace

int run_bench(int argc, char** argv) {
  std::string device_text = "cpu", out;
  bool quick = false;
  int threads = 0;
  double min_time = 0;
  ArgParser p("smlm bench [options]",
              "Runs the standard workloads on data simulated in memory and prints one table: "
              "LM fits/s (2D integrated Gaussian, 3D astigmatic Gaussian and cubic spline, 7x7 "
              "and 9x9 ROIs), detection and whole-pipeline frames/s (256x256 and 2048x2048 "
              "sparse movies), Deep-STORM inference frames/s and training steps/s. Each workload "
              "makes one warm-up call, then repeats until its minimum time has passed; rate = "
              "items / elapsed. The default run takes a few minutes, --quick under one.");
  p.add("--device", &device_text, "where the workloads run: cpu, cuda or cuda:N", "DEVICE");
  p.add_flag("--quick", &quick,
             "smaller batches, a 128x128 Deep-STORM frame on the CPU, 0.25 s per workload: under a "
             "minute");
  p.add("-o", &out, "also write the results as JSON to this file", "FILE");
  p.add("--threads", &threads, "CPU threads (0 = all cores)");
  p.add("--min-time", &min_time,
        "seconds each workload is timed at least (0 = 2 s, or 0.25 s with --quick); for testing");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(min_time >= 0, "--min-time: " << min_time << " must be >= 0");
  const kernels::Device device = kernels::parse_device(device_text);
  // Fails now, before minutes of work, when the folder is missing or not writable.
  std::optional<AtomicFile> file;
  if (!out.empty()) file.emplace(out);

  apply_threads_option(threads);
  const Plan plan(device, quick, min_time);
  Machine machine;
  machine.cpu = cpu_model();
  machine.cpu_threads_available = static_cast<int>(std::thread::hardware_concurrency());
  machine.threads = kernels::cpu_threads();
  if (device.is_cuda()) {
    machine.gpu = kernels::cuda_device_info(device.index);
    kernels::use_cuda_device(device.index, "smlm bench");
  }

  Runner run(plan.min_time_s);
  fit_workloads(run, plan);
  const ImageF frame = pipeline_workloads(run, plan);
  deepstorm_workloads(run, plan, frame);
  run.clear_status();
  SMLM_CHECK(static_cast<int>(run.rows().size()) == Plan::kWorkloads,
             "ran " << run.rows().size() << " workloads, expected " << Plan::kWorkloads);

  print_table(machine, plan, run.rows());
  if (file) {
    {
      std::ofstream f(file->temp_path());
      f << to_json(machine, plan, run.rows());
      SMLM_CHECK(f.good(), out << ": cannot write");
    }
    file->commit();
  }
  return 0;
}

}  // namespace smlm::cli
