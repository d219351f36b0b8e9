// What `smlm train NET` commands share: frames sampled from a movie for --like, the one-line
// training display (on a terminal only), and the loop of steps, epochs and atomic checkpoints.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/image.h"
#include "io/tiff_movie.h"

namespace smlm::cli {

// Reads up to `count` frames spread evenly over the movie.
inline std::vector<ImageF> sample_frames(const std::string& path, int count) {
  io::TiffMovieReader reader(path);
  const int64_t n = reader.num_frames();
  const int64_t stride = std::max<int64_t>(1, n / std::max(1, count));
  std::vector<ImageF> frames;
  ImageF f;
  for (int64_t i = 0; reader.read(f); ++i)
    if (i % stride == 0 && static_cast<int>(frames.size()) < count) frames.push_back(f);
  return frames;
}

// The training display: one line, redrawn at most ten times a second, on a terminal only.
class TrainDisplay {
 public:
  explicit TrainDisplay(int64_t total) : total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}
  void update(int64_t step, double loss, double lr, double steps_per_s) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && step < total_) return;
    last_ = now;
    const double eta = steps_per_s > 0 ? (total_ - step) / steps_per_s : 0;
    std::fprintf(stderr, "\rtrain: step %lld/%lld, loss %.4g, lr %.2g, %.2f steps/s, ETA %.0f s   ",
                 static_cast<long long>(step), static_cast<long long>(total_), loss, lr,
                 steps_per_s, eta);
  }
  void clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  int64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

// Trains until trainer.steps_done() reaches `steps`: an epoch report every epoch_steps (a line
// from epoch_report(), which runs the trainer's validation and schedule), a checkpoint to `out`
// every checkpoint_every steps and at the end. Returns the seconds spent.
template <class Trainer, class EpochReport>
double run_training(Trainer& trainer, int64_t steps, int epoch_steps, int checkpoint_every,
                    const std::string& out, EpochReport epoch_report) {
  TrainDisplay display(steps);
  const auto start = std::chrono::steady_clock::now();
  const int64_t first = trainer.steps_done();
  double loss = 0;
  while (trainer.steps_done() < steps) {
    loss = trainer.step();
    const int64_t done = trainer.steps_done();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = elapsed > 0 ? (done - first) / elapsed : 0;
    display.update(done, loss, trainer.lr(), rate);
    if (done % epoch_steps == 0) {
      const std::string report = epoch_report();
      display.clear();
      std::fprintf(stderr, "step %lld: loss %.4g, %s, lr %.2g, %.2f steps/s\n",
                   static_cast<long long>(done), loss, report.c_str(), trainer.lr(), rate);
    }
    if (done % checkpoint_every == 0) trainer.save(out);
  }
  display.clear();
  trainer.save(out);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace smlm::cli
