#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace smlm::cli {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::string label, std::string unit, int64_t total)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(isatty(STDERR_FILENO) != 0),
      start_(Clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - last_ < std::chrono::milliseconds(100) && done != total_) return;
  last_ = now;
  const double t = std::chrono::duration<double>(now - start_).count();
  const double rate = t > 0 ? done / t : 0;
  if (total_ > 0) {
    const double eta = rate > 0 ? (total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%s: %lld/%lld %s, %.0f %s/s, ETA %.0f s   ", label_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), unit_.c_str(), rate,
                 unit_.c_str(), eta);
  } else {
    std::fprintf(stderr, "\r%s: %lld %s, %.0f %s/s   ", label_.c_str(),
                 static_cast<long long>(done), unit_.c_str(), rate, unit_.c_str());
  }
  std::fflush(stderr);
}

double Progress::finish() {
  const double t = std::chrono::duration<double>(Clock::now() - start_).count();
  if (enabled_ && !finished_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  finished_ = true;
  return t;
}

}  // namespace smlm::cli
