// Streaming localization: a reader thread reads batches of frames ahead into a bounded queue,
// the caller's thread detects and fits them with a Localizer, and a writer thread hands each
// batch's table to a sink, so reading, fitting and writing overlap in memory bounded by batches.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/image.h"
#include "core/localization_table.h"
#include "localization/frame_localizer.h"

namespace smlm::localization {

// Raw frames (ADU, as Localizer::localize takes them) in movie order.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Reads up to n (>= 1) next frames into `frames`, resizing it to the number read; its images
  // may be reused (overwritten) or replaced. Returns that number: n, fewer at the end, 0 after
  // it. Errors throw. run_stream calls it from its reader thread, never concurrently.
  virtual int next(int n, std::vector<ImageF>& frames) = 0;
  // Number of frames the source will give, or -1 when unknown (for progress displays).
  virtual int64_t num_frames() const { return -1; }
};

// Adapts a movie reader with `int read_batch(int n, std::vector<ImageF>&)` and
// `int64_t num_frames() const` — io::TiffMovieReader — to FrameSource, without this folder
// depending on io/: `ReaderSource<io::TiffMovieReader> source(reader);`. The reader is
// borrowed, and must outlive the source and not be used by others during run_stream.
template <class Reader>
class ReaderSource final : public FrameSource {
 public:
  explicit ReaderSource(Reader& reader) : reader_(reader) {}
  int next(int n, std::vector<ImageF>& frames) override { return reader_.read_batch(n, frames); }
  int64_t num_frames() const override { return reader_.num_frames(); }

 private:
  Reader& reader_;
};

// Frames made on the fly by a function (synthetic movies, simulators in tests and benchmarks):
// generate(index, frame) fills `frame` (a reused image: resize it if its size differs) with
// frame `index` (0-based), for index = 0 … frames − 1, in order, on the reader thread.
class GeneratedSource final : public FrameSource {
 public:
  using Generator = std::function<void(int64_t index, ImageF& frame)>;
  // Throws smlm::Error when frames < 0 or generate is empty.
  GeneratedSource(int64_t frames, Generator generate);
  int next(int n, std::vector<ImageF>& frames) override;
  int64_t num_frames() const override { return frames_; }

 private:
  int64_t frames_, index_ = 0;
  Generator generate_;
};

struct StreamSettings {
  int batch_frames = 64;  // frames per batch, >= 1: each Localizer::localize call takes one
  int queue_batches = 2;  // batches read ahead of the one being fitted, >= 1

  // Throws smlm::Error naming the value when one is < 1.
  void validate() const;
};

// Counts and wall-clock times of one run_stream call [s]. The stage times overlap in time (they
// run on different threads): read + wait ≈ nothing means fitting was the bottleneck.
struct StreamStats {
  int64_t frames = 0, batches = 0, localizations = 0;
  double seconds = 0;           // the whole call
  double read_seconds = 0;      // reader thread, inside FrameSource::next
  double localize_seconds = 0;  // caller's thread, inside Localizer::localize
  double wait_seconds = 0;      // caller's thread, waiting for the reader (input-bound time)
  double sink_seconds = 0;      // writer thread, inside sink and progress
};

// Localizes every frame of `source`, batch by batch, with any FrameLocalizer, and returns when
// all tables have been handed to `sink`.
//
// Temporal context: a localizer whose frames_before()/frames_after() are not 0 gets each batch
// with that many neighbouring frames on either side, across batch boundaries: the last frames of
// the previous batch are kept, and a batch is localized once the next one has been read (whose
// first frames are its context after). At the movie's first and last frames the context repeats
// that frame (FrameWindow). batch_frames must be at least frames_after().
//
// Threads: a reader thread calls source.next(batch_frames) into a bounded queue; the calling
// thread runs localizer.localize(window of the batch) (first_frame counted from 0 at the first
// frame this call reads, so the tables' frame column is the source's frame index), so its
// OpenMP threads and kernels::set_cpu_threads settings are the caller's; a writer thread calls
// sink(table) for each batch, then progress(frames done so far, when given), in batch order, one
// call at a time. Concatenating the sink's tables gives the table one localize() call over the
// whole movie gives. Tables of batches without localizations are passed too (empty, with their
// columns).
//
// Memory: at most queue_batches + 1 batches of frames exist at once (the one being fitted and
// those read ahead, the reader's reused between batches), plus the localizer's own working
// copy of one batch (with context: a copy of the window, and the previous batch's last frames)
// and at most queue_batches tables waiting for the sink, whatever the movie's length.
//
// Errors: the first exception thrown by the source, the Localizer, the sink or progress stops
// the pipeline (the reader finishes the next() call it is in, nothing further is read or
// handed on), both threads are joined, and the exception is rethrown to the caller. Nothing
// keeps running after run_stream returns or throws.
StreamStats run_stream(FrameSource& source, FrameLocalizer& localizer, const StreamSettings& settings,
                       const std::function<void(LocalizationTable&&)>& sink,
                       const std::function<void(int64_t frames_done)>& progress = {});

}  // namespace smlm::localization
