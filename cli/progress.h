// Progress: a one-line progress display (count, rate, ETA) for long commands. It draws on stderr
// only when stderr is a terminal, at most ten times a second, and stays silent when piped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace smlm::cli {

class Progress {
 public:
  // unit: what is counted ("frames"); total 0 = unknown.
  Progress(std::string label, std::string unit, int64_t total);
  ~Progress();
  void update(int64_t done);
  // Clears the line; returns the elapsed seconds.
  double finish();

 private:
  std::string label_, unit_;
  int64_t total_;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace smlm::cli
