// run_stream: three stages joined by bounded queues. Frame batches circulate through a fixed
// pool (free → reader → ready → caller → free), which is what bounds the memory; the first
// error aborts every queue so that no stage waits forever, and is rethrown after the joins.
#include "localization/stream.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/error.h"

namespace smlm::localization {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A blocking FIFO of at most `capacity` items. close(): no more pushes, pops drain what is
// left. abort(): every waiting and later call returns at once, without an item.
template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // False (the item dropped) when aborted.
  bool push(T item) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return aborted_ || items_.size() < capacity_; });
    if (aborted_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Nothing when aborted, or closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return aborted_ || closed_ || !items_.empty(); });
    if (aborted_ || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void abort() {
    std::lock_guard lock(m_);
    aborted_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  size_t capacity_;
  bool closed_ = false, aborted_ = false;
};

struct Batch {
  std::vector<ImageF> frames;
  int64_t first = 0;  // source index of frames[0]
};

}  // namespace

GeneratedSource::GeneratedSource(int64_t frames, Generator generate)
    : frames_(frames), generate_(std::move(generate)) {
  SMLM_CHECK(frames >= 0, "GeneratedSource: frame count " << frames << " is negative");
  SMLM_CHECK(generate_ != nullptr, "GeneratedSource: no generator function");
}

int GeneratedSource::next(int n, std::vector<ImageF>& frames) {
  const int count = static_cast<int>(std::min<int64_t>(std::max(n, 0), frames_ - index_));
  frames.resize(static_cast<size_t>(count));
  for (ImageF& f : frames) generate_(index_++, f);
  return count;
}

void StreamSettings::validate() const {
  SMLM_CHECK(batch_frames >= 1, "stream: batch_frames " << batch_frames << " must be >= 1");
  SMLM_CHECK(queue_batches >= 1, "stream: queue_batches " << queue_batches << " must be >= 1");
}

StreamStats run_stream(FrameSource& source, Localizer& localizer, const StreamSettings& settings,
                       const std::function<void(LocalizationTable&&)>& sink,
                       const std::function<void(int64_t frames_done)>& progress) {
  settings.validate();
  SMLM_CHECK(sink != nullptr, "stream: no sink function");
  const auto t0 = Clock::now();
  const size_t depth = static_cast<size_t>(settings.queue_batches);

  BoundedQueue<Batch> free(depth + 1), ready(depth);
  BoundedQueue<std::pair<LocalizationTable, int64_t>> out(depth);  // table, frames done
  for (size_t i = 0; i <= depth; ++i) free.push(Batch{});

  std::mutex error_m;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {
    {
      std::lock_guard lock(error_m);
      if (!error) error = std::move(e);
    }
    free.abort();
    ready.abort();
    out.abort();
  };

  StreamStats st;
  double read_seconds = 0, sink_seconds = 0;  // owned by the reader, the writer

  // Every exception inside this block, std::thread's own included, goes through fail(), which
  // aborts the queues: the joins below then always return.
  std::thread reader, writer;
  try {
    reader = std::thread([&] {
      try {
        int64_t next_first = 0;
        while (auto b = free.pop()) {
          const auto t = Clock::now();
          const int n = source.next(settings.batch_frames, b->frames);
          read_seconds += since(t);
          if (n <= 0) break;
          b->frames.resize(static_cast<size_t>(n));
          b->first = next_first;
          next_first += n;
          if (!ready.push(std::move(*b))) break;
        }
        ready.close();
      } catch (...) {
        fail(std::current_exception());
      }
    });

    writer = std::thread([&] {
      try {
        while (auto item = out.pop()) {
          const auto t = Clock::now();
          sink(std::move(item->first));
          if (progress) progress(item->second);
          sink_seconds += since(t);
        }
      } catch (...) {
        fail(std::current_exception());
      }
    });

    for (;;) {
      auto t = Clock::now();
      auto b = ready.pop();
      st.wait_seconds += since(t);
      if (!b) break;
      t = Clock::now();
      LocalizationTable table = localizer.localize(b->frames, b->first);
      st.localize_seconds += since(t);
      st.frames += static_cast<int64_t>(b->frames.size());
      st.batches += 1;
      st.localizations += static_cast<int64_t>(table.size());
      if (!free.push(std::move(*b))) break;
      if (!out.push({std::move(table), st.frames})) break;
    }
    out.close();
  } catch (...) {
    fail(std::current_exception());
  }
  if (reader.joinable()) reader.join();
  if (writer.joinable()) writer.join();
  if (error) std::rethrow_exception(error);

  st.read_seconds = read_seconds;
  st.sink_seconds = sink_seconds;
  st.seconds = since(t0);
  return st;
}

}  // namespace smlm::localization
