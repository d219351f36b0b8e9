// FrameLocalizer: the one interface of every localization method — the classic detection + MLE
// pipeline (Localizer), Deep-STORM, and the nets to come — so that the streaming pipeline, the
// CLI and the Python module run any of them the same way: batches of raw frames in (with the
// neighbouring frames a method asks for), table rows out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/localization_table.h"

namespace smlm::localization {

// A batch of frames with its temporal context. `frames` holds, in movie order, `before` frames
// of context, the `count()` frames to localize, then `after` frames of context. At the movie's
// ends the context repeats its first or last frame (DECODE's padding 'same'), so a method always
// sees exactly the context it asked for.
struct FrameWindow {
  const std::vector<ImageF>& frames;  // raw ADU
  int before = 0, after = 0;
  int64_t first_frame = 0;  // 0-based movie index of frames[before]

  int count() const { return static_cast<int>(frames.size()) - before - after; }
  // Frame i of the batch (i = 0 … count() − 1), or of its context (i < 0 or i ≥ count()).
  const ImageF& frame(int i) const { return frames[static_cast<size_t>(before + i)]; }
};

class FrameLocalizer {
 public:
  virtual ~FrameLocalizer() = default;
  // The context frames the method needs before and after each frame it localizes.
  virtual int frames_before() const { return 0; }
  virtual int frames_after() const { return 0; }
  // Localizes window.count() frames (window.before == frames_before(), window.after ==
  // frames_after()). Rows by frame, frame column 0-based movie indices; the columns are the
  // same for every call (an empty result still has them).
  virtual LocalizationTable localize(const FrameWindow& window) = 0;
  // The columns localize() returns, without rows (the header of a movie without molecules).
  virtual LocalizationTable empty_table() const = 0;
  // What ran and what it counted so far, one line for the CLI's summary ("412 frames: 9120
  // localizations (9301 candidates, 181 rejected fits; lm fitter, gaussian PSF, on cpu)").
  virtual std::string summary() const = 0;
};

}  // namespace smlm::localization
