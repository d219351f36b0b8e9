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

StreamStats run_stream(FrameSource& source, FrameLocalizer& localizer,
                       const StreamSettings& settings,
                       const std::function<void(LocalizationTable&&)>& sink,
                       const std::function<void(int64_t frames_done)>& progress) {
  settings.validate();
  SMLM_CHECK(sink != nullptr, "stream: no sink function");
  const int before = localizer.frames_before(), after = localizer.frames_after();
  SMLM_CHECK(before >= 0 && after >= 0, "stream: negative temporal context");
  SMLM_CHECK(settings.batch_frames >= after, "stream: batches of " << settings.batch_frames
                                                 << " frames are shorter than the " << after
                                                 << " frames of context the method needs after");
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

    // Batches are localized in order; with context after, batch k waits for batch k + 1.
    std::optional<Batch> cur;
    std::vector<ImageF> tail, window;  // the previous frames kept for context before; the window
    auto localize = [&](Batch& b, const Batch* next) -> bool {
      const auto t = Clock::now();
      LocalizationTable table;
      if (before == 0 && after == 0) {
        table = localizer.localize(FrameWindow{b.frames, 0, 0, b.first});
      } else {
        window.clear();
        const ImageF& movie_first = tail.empty() ? b.frames.front() : tail.front();
        for (int i = static_cast<int>(tail.size()); i < before; ++i) window.push_back(movie_first);
        window.insert(window.end(), tail.begin(), tail.end());
        window.insert(window.end(), b.frames.begin(), b.frames.end());
        const int from_next = next ? std::min<int>(after, static_cast<int>(next->frames.size())) : 0;
        if (from_next > 0)
          window.insert(window.end(), next->frames.begin(), next->frames.begin() + from_next);
        const ImageF movie_last = window.back();  // the movie's last frame when `next` falls short
        for (int i = from_next; i < after; ++i) window.push_back(movie_last);
        table = localizer.localize(FrameWindow{window, before, after, b.first});
        // The last `before` frames so far, for the next batch.
        const size_t keep = static_cast<size_t>(before), nb = b.frames.size();
        if (nb >= keep) {
          tail.assign(b.frames.end() - static_cast<std::ptrdiff_t>(keep), b.frames.end());
        } else {
          tail.erase(tail.begin(),
                     tail.end() - static_cast<std::ptrdiff_t>(std::min(tail.size(), keep - nb)));
          tail.insert(tail.end(), b.frames.begin(), b.frames.end());
        }
      }
      st.localize_seconds += since(t);
      st.frames += static_cast<int64_t>(b.frames.size());
      st.batches += 1;
      st.localizations += static_cast<int64_t>(table.size());
      if (!free.push(std::move(b))) return false;
      return out.push({std::move(table), st.frames});
    };
    for (;;) {
      const auto t = Clock::now();
      auto b = ready.pop();
      st.wait_seconds += since(t);
      if (!b) break;
      if (after == 0) {
        if (!localize(*b, nullptr)) break;
        continue;
      }
      if (cur && !localize(*cur, &*b)) {
        cur.reset();
        break;
      }
      cur = std::move(b);
    }
    bool failed;
    {
      std::lock_guard lock(error_m);
      failed = error != nullptr;
    }
    if (cur && !failed) localize(*cur, nullptr);  // the last batch: its context after is padding
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
