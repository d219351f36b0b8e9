// The streaming pipeline over a long synthetic movie: 2048×2048 16-bit-equivalent frames made
// on the fly (cheap noise and two spots per frame), localized and written to a CSV batch by
// batch; reports frames/s and the growth of peak memory (VmHWM). SMLM_STREAM_GB sets the
// stream's size in GB of 16-bit pixels (default 2; bench/run.sh STREAM_GB=20 for the long run).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "io/thunderstorm_csv.h"
#include "localization/localizer.h"
#include "localization/stream.h"

namespace {

int64_t proc_status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

// 220–227 ADU of hash noise and two bright spots at frame-dependent places.
void cheap_frame(int64_t index, smlm::ImageF& frame, int w, int h) {
  if (frame.width() != w || frame.height() != h) frame = smlm::ImageF(w, h);
  float* p = frame.data();
  uint64_t state = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1);
  for (size_t i = 0; i < frame.size(); ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    p[i] = 220.0f + static_cast<float>(state >> 61);
  }
  for (int s = 0; s < 2; ++s) {
    const int cx = 8 + static_cast<int>((index * 37 + s * 101) % (w - 16));
    const int cy = 8 + static_cast<int>((index * 53 + s * 67) % (h - 16));
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx)
        frame(cx + dx, cy + dy) += 400.0f / static_cast<float>(1 + dx * dx + dy * dy);
  }
}

// range(0): frame side; range(1): frames per batch; range(2): batches read ahead.
void BM_Stream(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const char* gb_env = std::getenv("SMLM_STREAM_GB");
  const double gb = gb_env != nullptr ? std::atof(gb_env) : 2.0;
  const double frame_bytes = 2.0 * size * size;
  const int64_t frames = std::max<int64_t>(1, static_cast<int64_t>(gb * 1e9 / frame_bytes));
  const smlm::localization::StreamSettings ss{static_cast<int>(state.range(1)),
                                              static_cast<int>(state.range(2))};
  const std::string csv = (std::filesystem::temp_directory_path() /
                           ("smlm_stream_bench_" + std::to_string(getpid()) + ".csv"))
                              .string();
  double growth_mb = 0, seconds = 0, wait = 0;
  int64_t rows = 0, csv_bytes = 0;
  for (auto _ : state) {
    std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
    const int64_t before = std::max(proc_status_kb("VmRSS"), proc_status_kb("VmHWM"));
    smlm::localization::GeneratedSource source(
        frames, [&](int64_t i, smlm::ImageF& f) { cheap_frame(i, f, size, size); });
    smlm::localization::Localizer localizer(smlm::CameraModel{}, {});
    std::optional<smlm::io::ThunderstormCsvWriter> writer;
    const auto st =
        smlm::localization::run_stream(source, localizer, ss, [&](smlm::LocalizationTable&& t) {
          if (!writer) writer.emplace(csv, t);
          writer->write(t);
        });
    writer->close();
    growth_mb = (proc_status_kb("VmHWM") - before) / 1e3;
    seconds = st.seconds;
    wait = st.wait_seconds;
    rows = writer->rows_written();
    csv_bytes = static_cast<int64_t>(std::filesystem::file_size(csv));
    std::filesystem::remove(csv);
  }
  state.SetItemsProcessed(frames * state.iterations());
  state.counters["frames/s"] = frames / seconds;
  state.counters["GB"] = gb;
  state.counters["peak_growth_MB"] = growth_mb;
  state.counters["batch_MB"] = ss.batch_frames * 4.0 * size * size / 1e6;  // float frames
  state.counters["wait_s"] = wait;
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["csv_MB"] = csv_bytes / 1e6;
}

BENCHMARK(BM_Stream)
    ->ArgNames({"size", "batch", "queue"})
    ->Args({2048, 8, 2})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
