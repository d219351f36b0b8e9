// Tests for the streaming pipeline (run_stream): the same table as one Localizer call, TIFF and
// simulator sources, errors from every stage propagating with no thread left running, and
// memory bounded by a few batches over a long synthetic stream (peak RSS printed).
#include "localization/stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "io/tiff_movie.h"
#include "localization/localizer.h"
#include "simulation/movie_simulator.h"
#include "tests/test_util.h"

// AddressSanitizer and ThreadSanitizer builds (GCC defines the macros, clang has the feature
// tests).
#if defined(__SANITIZE_ADDRESS__)
#define SMLM_TEST_ASAN 1
#elif defined(__SANITIZE_THREAD__)
#define SMLM_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMLM_TEST_ASAN 1
#elif __has_feature(thread_sanitizer)
#define SMLM_TEST_TSAN 1
#endif
#endif

namespace smlm::localization {
namespace {

// A field of /proc/self/status in kB ("VmHWM", "VmRSS", "Threads"), or -1.
int64_t proc_status(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

// Waits (up to 2 s) for the thread count to come back to `n`: a joined thread's exit is
// complete before join returns, but be lenient about the kernel's bookkeeping.
int64_t threads_settled_to(int64_t n) {
  int64_t now = proc_status("Threads");
  for (int i = 0; i < 200 && now != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = proc_status("Threads");
  }
  return now;
}

// The simulated movie of the equivalence tests: sparse blinking emitters, 96×80 px.
simulation::SimulationSettings movie_settings(int64_t frames) {
  simulation::SimulationSettings s;
  s.width = 96;
  s.height = 80;
  s.frames = frames;
  s.density = 0.6;
  s.seed = 11;
  return s;
}

std::vector<ImageF> simulate(const simulation::SimulationSettings& s) {
  simulation::MovieSimulator sim(s);
  std::vector<ImageF> movie(static_cast<size_t>(s.frames));
  LocalizationTable truth;
  for (auto& f : movie) EXPECT_TRUE(sim.next(f, truth));
  return movie;
}

// Cheap synthetic frames: 120 photons of background with ±4 of hash noise and two bright spots,
// at ADU = photons + 100 (the default camera). A few ns per pixel, so long streams are fast.
void cheap_frame(int64_t index, ImageF& frame, int w, int h) {
  if (frame.width() != w || frame.height() != h) frame = ImageF(w, h);
  float* p = frame.data();
  uint64_t state = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1);
  for (size_t i = 0; i < frame.size(); ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    p[i] = 220.0f + static_cast<float>(state >> 61);  // 220 … 227 ADU
  }
  for (int s = 0; s < 2; ++s) {
    const int cx = 8 + static_cast<int>((index * 37 + s * 101) % (w - 16));
    const int cy = 8 + static_cast<int>((index * 53 + s * 67) % (h - 16));
    for (int dy = -2; dy <= 2; ++dy)
      for (int dx = -2; dx <= 2; ++dx)
        frame(cx + dx, cy + dy) += 400.0f / static_cast<float>(1 + dx * dx + dy * dy);
  }
}

// Same columns in the same order, every value the same double (NaN equal to NaN).
void expect_identical(const LocalizationTable& a, const LocalizationTable& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.num_columns(), b.num_columns());
  for (size_t c = 0; c < a.num_columns(); ++c) {
    const auto& ca = a.columns()[c];
    const auto& cb = b.columns()[c];
    ASSERT_EQ(ca.name, cb.name);
    for (size_t r = 0; r < a.size(); ++r)
      ASSERT_EQ(std::bit_cast<uint64_t>(ca.values[r]), std::bit_cast<uint64_t>(cb.values[r]))
          << ca.name << " row " << r;
  }
}

// Runs the stream and concatenates the sink's tables; checks the order of progress calls.
LocalizationTable stream_all(FrameSource& source, Localizer& localizer, const StreamSettings& s,
                             StreamStats* stats = nullptr) {
  LocalizationTable all;
  bool first = true;
  int64_t last_progress = 0, calls = 0;
  const StreamStats st = run_stream(
      source, localizer, s,
      [&](LocalizationTable&& t) {
        if (first) {
          all = std::move(t);
          first = false;
        } else {
          all.append(t);
        }
      },
      [&](int64_t done) {
        EXPECT_GT(done, last_progress);
        EXPECT_LE(done - last_progress, s.batch_frames);
        last_progress = done;
        ++calls;
      });
  EXPECT_EQ(st.frames, last_progress);
  EXPECT_EQ(st.batches, calls);
  EXPECT_EQ(st.localizations, static_cast<int64_t>(all.size()));
  if (stats != nullptr) *stats = st;
  return all;
}

TEST(Stream, GivesTheTableOfOneLocalizeCallOverTheWholeMovie) {
  const auto settings = movie_settings(100);
  const std::vector<ImageF> movie = simulate(settings);
  Localizer whole(CameraModel{}, {});
  const LocalizationTable expected = whole.localize(movie, 0);
  ASSERT_GT(expected.size(), 500u);

  for (const StreamSettings s : {StreamSettings{7, 2}, StreamSettings{1, 1}, StreamSettings{64, 3},
                                 StreamSettings{500, 2}}) {
    SCOPED_TRACE(testing::Message() << "batch " << s.batch_frames << ", queue " << s.queue_batches);
    GeneratedSource source(static_cast<int64_t>(movie.size()),
                           [&](int64_t i, ImageF& f) { f = movie[static_cast<size_t>(i)]; });
    Localizer localizer(CameraModel{}, {});
    StreamStats st;
    expect_identical(stream_all(source, localizer, s, &st), expected);
    EXPECT_EQ(st.frames, 100);
    EXPECT_EQ(st.batches, (100 + s.batch_frames - 1) / s.batch_frames);
    EXPECT_EQ(localizer.stats().frames, 100);
    EXPECT_EQ(localizer.stats().fitted, whole.stats().fitted);
  }
}

TEST(Stream, SimulatorSourceMatchesTheSimulatedMovie) {
  // The simulator generating frames on the reader thread, as tests and benchmarks stream it.
  const auto settings = movie_settings(40);
  Localizer whole(CameraModel{}, {});
  const LocalizationTable expected = whole.localize(simulate(settings), 0);
  simulation::MovieSimulator sim(settings);
  LocalizationTable truth;
  GeneratedSource source(settings.frames, [&](int64_t, ImageF& f) {
    sim.next(f, truth);
    truth.resize(0);  // memory stays bounded by a frame's truth
  });
  Localizer localizer(CameraModel{}, {});
  expect_identical(stream_all(source, localizer, {16, 2}), expected);
}

TEST(Stream, TiffReaderSourceMatchesTheInMemoryMovie) {
  const auto settings = movie_settings(50);
  const std::vector<ImageF> movie = simulate(settings);
  test::TempDir dir;
  const std::string path = dir / "movie.tif";
  io::TiffMovieWriter writer(path, settings.width, settings.height, io::PixelType::u16);
  for (const auto& f : movie) writer.write(f);
  writer.close();

  Localizer whole(CameraModel{}, {});
  const LocalizationTable expected = whole.localize(movie, 0);
  io::TiffMovieReader reader(path);
  ReaderSource<io::TiffMovieReader> source(reader);
  EXPECT_EQ(source.num_frames(), 50);
  Localizer localizer(CameraModel{}, {});
  expect_identical(stream_all(source, localizer, {12, 2}), expected);
}

TEST(Stream, EmptySourceGivesNoTablesAndZeroStats) {
  GeneratedSource source(0, [](int64_t, ImageF&) { FAIL() << "no frame to generate"; });
  Localizer localizer(CameraModel{}, {});
  int sinks = 0;
  const StreamStats st = run_stream(source, localizer, {}, [&](LocalizationTable&&) { ++sinks; });
  EXPECT_EQ(sinks, 0);
  EXPECT_EQ(st.frames, 0);
  EXPECT_EQ(st.batches, 0);
}

TEST(Stream, AtMostQueuePlusOneBatchesOfFramesExist) {
  // Every frame buffer the generator is handed is one of the pool's: a slow sink lets the reader
  // run as far ahead as it can, and it still never gets a new buffer.
  constexpr int kW = 48, kH = 40, kBatch = 5, kQueue = 2;
  std::set<const float*> buffers;
  GeneratedSource source(300, [&](int64_t i, ImageF& f) {
    cheap_frame(i, f, kW, kH);
    buffers.insert(f.data());
  });
  Localizer localizer(CameraModel{}, {});
  run_stream(source, localizer, {kBatch, kQueue}, [&](LocalizationTable&&) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  });
  EXPECT_LE(buffers.size(), static_cast<size_t>((kQueue + 1) * kBatch));
}

TEST(Stream, InvalidSettingsAreErrors) {
  GeneratedSource source(10, [](int64_t i, ImageF& f) { cheap_frame(i, f, 32, 32); });
  Localizer localizer(CameraModel{}, {});
  auto sink = [](LocalizationTable&&) {};
  EXPECT_THROW(run_stream(source, localizer, {0, 2}, sink), Error);
  EXPECT_THROW(run_stream(source, localizer, {8, 0}, sink), Error);
  EXPECT_THROW(run_stream(source, localizer, {8, 2}, nullptr), Error);
  EXPECT_THROW(GeneratedSource(-1, [](int64_t, ImageF&) {}), Error);
  EXPECT_THROW(GeneratedSource(5, nullptr), Error);
}

// A source of `frames` cheap frames that throws smlm::Error when asked for frame `fail_at`.
struct FailingSource final : FrameSource {
  int64_t frames, fail_at, index = 0;
  std::atomic<int64_t> generated{0};
  FailingSource(int64_t frames, int64_t fail_at) : frames(frames), fail_at(fail_at) {}
  int next(int n, std::vector<ImageF>& out) override {
    const int count = static_cast<int>(std::min<int64_t>(n, frames - index));
    out.resize(static_cast<size_t>(count));
    for (auto& f : out) {
      SMLM_CHECK(index != fail_at, "movie.tif: frame " << index << ": damaged strip");
      cheap_frame(index++, f, 40, 40);
      ++generated;
    }
    return count;
  }
};

TEST(Stream, SourceErrorMidStreamPropagatesAndNothingKeepsRunning) {
  Localizer localizer(CameraModel{}, {});
  {
    std::vector<ImageF> warm(1);
    cheap_frame(0, warm[0], 40, 40);
    localizer.localize(warm, 0);  // OpenMP's threads, if any, exist before the count
  }
  const int64_t threads = proc_status("Threads");
  for (int64_t fail_at : {int64_t{0}, int64_t{50}, int64_t{99}}) {
    SCOPED_TRACE(testing::Message() << "fails at frame " << fail_at);
    FailingSource source(100, fail_at);
    int64_t frames_sunk = 0, max_frame = -1;
    try {
      run_stream(
          source, localizer, {8, 2},
          [&](LocalizationTable&& t) {
            for (double f : t[col::frame]) max_frame = std::max(max_frame, static_cast<int64_t>(f));
          },
          [&](int64_t done) { frames_sunk = done; });
      ADD_FAILURE() << "expected smlm::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("frame " + std::to_string(fail_at) + ": damaged"),
                std::string::npos)
          << e.what();
    }
    EXPECT_LE(frames_sunk, fail_at);  // only whole batches before the failure were handed on
    EXPECT_LT(max_frame, fail_at);
    EXPECT_EQ(source.generated.load(), fail_at);  // nothing was read past the error
    EXPECT_EQ(threads_settled_to(threads), threads);
  }
}

TEST(Stream, SinkAndProgressErrorsStopTheReaderAndPropagate) {
  Localizer localizer(CameraModel{}, {});
  {
    std::vector<ImageF> warm(1);
    cheap_frame(0, warm[0], 40, 40);
    localizer.localize(warm, 0);  // OpenMP's threads, if any, exist before the count
  }
  const int64_t threads = proc_status("Threads");
  for (bool in_progress : {false, true}) {
    SCOPED_TRACE(in_progress ? "progress throws" : "sink throws");
    FailingSource source(100000, -1);  // long: the reader must stop early, not read it all
    int batches = 0;
    auto sink = [&](LocalizationTable&&) {
      if (!in_progress && ++batches == 3) throw std::runtime_error("disk full");
    };
    auto progress = [&](int64_t) {
      if (in_progress && ++batches == 3) throw std::runtime_error("disk full");
    };
    EXPECT_THROW(run_stream(source, localizer, {4, 2}, sink, progress), std::runtime_error);
    // Batches 0-2 handed on, at most 2 tables queued, 1 being fitted, 3 read ahead or reading.
    EXPECT_LE(source.generated.load(), 4 * (3 + 2 + 1 + 3));
    EXPECT_EQ(threads_settled_to(threads), threads);
  }
}

TEST(Stream, LongStreamPeakMemoryIsBoundedByBatchesNotLength) {
#ifdef SMLM_TEST_ASAN
  // ASan keeps freed memory in quarantine (256 MB) and pads every block: the peak RSS no longer
  // measures the pipeline (408 MB here under -DSMLM_SANITIZE=address,undefined).
  GTEST_SKIP() << "peak RSS is not the pipeline's under AddressSanitizer";
#endif
#ifdef SMLM_TEST_TSAN
  // TSan's shadow memory and its allocator's caches count in the RSS (332 MB against the 195 MB
  // bound under -DSMLM_SANITIZE=thread), and the 2000 frames take 6 minutes.
  GTEST_SKIP() << "peak RSS is not the pipeline's under ThreadSanitizer";
#endif
  // 1.6 GB of 16-bit frames (2000 frames of 640×640, 0.8 MB each; 3.3 GB as the floats the
  // pipeline holds) through detection and fitting; bench/stream_bench streams 20 GB.
  constexpr int kW = 640, kH = 640, kFrames = 2000, kBatch = 16, kQueue = 2;
  const double frame_mb = kW * kH * 4.0 / 1e6;  // as float
  // Resets VmHWM to the current RSS (Linux >= 4.0), so the peak is this test's.
  std::ofstream("/proc/self/clear_refs") << "5";
  const int64_t rss_before = proc_status("VmRSS");
  const int64_t hwm_reset = proc_status("VmHWM");
  ASSERT_GT(rss_before, 0) << "no /proc/self/status";
  GeneratedSource source(kFrames, [&](int64_t i, ImageF& f) { cheap_frame(i, f, kW, kH); });
  Localizer localizer(CameraModel{}, {});
  int64_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const StreamStats st = run_stream(source, localizer, {kBatch, kQueue},
                                    [&](LocalizationTable&& t) { rows += t.size(); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t hwm_after = proc_status("VmHWM");
  const double growth_mb = (hwm_after - std::max(rss_before, hwm_reset)) / 1e3;
  const double batch_mb = kBatch * frame_mb;
  const double stream_gb = kFrames * kW * kH * 2.0 / 1e9;
  std::printf(
      "[ stream   ] %.2f GB-equivalent (16-bit) stream, %d frames %dx%d in %.1f s (%.0f "
      "frames/s; read %.1f s, localize %.1f s, waiting %.1f s): peak RSS %.1f MB before, %.1f MB "
      "after, growth %.1f MB = %.1f batches of %.1f MB (float frames); %lld localizations\n",
      stream_gb, kFrames, kW, kH, seconds, kFrames / seconds, st.read_seconds, st.localize_seconds,
      st.wait_seconds, rss_before / 1e3, hwm_after / 1e3, growth_mb, growth_mb / batch_mb, batch_mb,
      static_cast<long long>(rows));
  EXPECT_EQ(st.frames, kFrames);
  EXPECT_GE(rows, kFrames);  // the two spots of each frame
  // The pool (queue + 1 batches), the Localizer's converted copy of a batch and its per-frame
  // work (wavelet levels), plus allocator slack: a few batches, not the stream's 3.3 GB.
  EXPECT_LT(growth_mb, (kQueue + 3) * batch_mb + 64);
}

}  // namespace
}  // namespace smlm::localization

namespace smlm::localization {
namespace {

// A method that asks for context and writes, for each frame it localizes, which frames its
// window held before and after it (frame k's pixel (0, 0) holds k, so the window can be read).
class ContextProbe final : public FrameLocalizer {
 public:
  ContextProbe(int before, int after) : before_(before), after_(after) {}
  int frames_before() const override { return before_; }
  int frames_after() const override { return after_; }
  LocalizationTable empty_table() const override {
    LocalizationTable t;
    t.add_column(col::frame);
    for (int d = -before_; d <= after_; ++d) t.add_column("at" + std::to_string(d));
    return t;
  }
  LocalizationTable localize(const FrameWindow& w) override {
    EXPECT_EQ(w.before, before_);
    EXPECT_EQ(w.after, after_);
    LocalizationTable t = empty_table();
    t.resize(static_cast<size_t>(w.count()));
    for (int i = 0; i < w.count(); ++i) {
      t[col::frame][i] = static_cast<double>(w.first_frame + i);
      for (int d = -before_; d <= after_; ++d) t["at" + std::to_string(d)][i] = w.frame(i + d)(0, 0);
    }
    return t;
  }
  std::string summary() const override { return "probe"; }

 private:
  int before_, after_;
};

// Frames across batch boundaries are the movie's neighbours; at its ends, its first and last
// frames repeat (DECODE's padding 'same'). For every batch size, including batches shorter than
// the context before and a last batch shorter than the context after.
TEST(Stream, TemporalContextCrossesBatchesAndRepeatsTheMovieEnds) {
  const int64_t n = 11;
  for (const auto& [before, after] : {std::pair{1, 1}, std::pair{2, 1}, std::pair{3, 0},
                                     std::pair{0, 2}}) {
    for (int batch : {2, 3, 4, 5, 11, 16}) {
      if (batch < after) continue;
      SCOPED_TRACE("before " + std::to_string(before) + ", after " + std::to_string(after) +
                   ", batch " + std::to_string(batch));
      GeneratedSource source(n, [](int64_t k, ImageF& f) {
        f = ImageF(4, 3);
        f(0, 0) = static_cast<float>(k);
      });
      ContextProbe probe(before, after);
      StreamSettings ss;
      ss.batch_frames = batch;
      ss.queue_batches = 1;
      LocalizationTable all = probe.empty_table();
      const StreamStats st = run_stream(source, probe, ss, [&](LocalizationTable&& t) {
        all.append(t);
      });
      EXPECT_EQ(st.frames, n);
      ASSERT_EQ(all.size(), static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) {
        EXPECT_EQ(all[col::frame][k], static_cast<double>(k));
        for (int d = -before; d <= after; ++d)
          EXPECT_EQ(all["at" + std::to_string(d)][k],
                    static_cast<double>(std::clamp<int64_t>(k + d, 0, n - 1)))
              << "frame " << k << ", offset " << d;
      }
    }
  }
}

TEST(Stream, BatchesShorterThanTheContextAfterAreRefused) {
  GeneratedSource source(4, [](int64_t, ImageF& f) { f = ImageF(2, 2); });
  ContextProbe probe(1, 3);
  StreamSettings ss;
  ss.batch_frames = 2;
  EXPECT_THROW(run_stream(source, probe, ss, [](LocalizationTable&&) {}), Error);
}

}  // namespace
}  // namespace smlm::localization
