// Drift correction: the stage drift of a movie estimated from the localizations themselves by
// redundant cross-correlation (RCC, Wang et al. 2014) or from fiducial markers, as a per-frame
// curve that apply_drift() subtracts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/localization_table.h"

namespace smlm::reconstruction {

// The drift of every frame of a movie, in nm: a localization found at (x, y) in frame f is at
// (x − dx(f), y − dy(f)) in the coordinates of the first frame (dx = dy = 0 at the first entry).
// `frame` increases (0-based, one entry per frame from the table's first frame to its last);
// the three vectors have the same length.
struct DriftCurve {
  std::vector<double> frame, dx_nm, dy_nm;

  bool empty() const { return frame.empty(); }
  // The drift at any frame: linear between entries, the end values beyond them.
  void at(double frame, double& dx_nm, double& dy_nm) const;
};

enum class DriftInterpolation {
  linear,  // straight lines between the segment centres
  cubic,   // a natural cubic spline through the segment centres
};

struct DriftSettings {
  // Number of time segments (>= 2): the frames from the first to the last are split into
  // segments of equal length; each is rendered and correlated with every other one.
  int segments = 10;
  // Histogram pixel of the segment images (nm, > 0). Memory: segments × (the padded field of
  // view in pixels) × 16 bytes, e.g. 10 × 1250² × 16 B = 250 MB for a 20 µm field at 20 nm.
  double pixel_size_nm = 20;
  // σ of the Gaussian each segment image is smoothed with before correlating (nm; 0: one pixel).
  double blur_nm = 0;
  // rmax: pairs whose measured shift differs from the least-squares solution by more than this
  // (nm, > 0) are dropped and the system is solved again (pairs needed to keep every segment
  // connected to the others are kept).
  double max_residual_nm = 20;
  // The largest shift between two segments searched for (nm; 0: a quarter of the larger side of
  // the field of view). The images are zero-padded by this much, so the correlation is not
  // circular within it.
  double max_drift_nm = 0;
  DriftInterpolation interpolation = DriftInterpolation::cubic;
  // segments × padded field of view in pixels, at most: more is an error naming the size,
  // checked before any allocation (16 bytes per pixel: the default 4·10⁸ is about 6.4 GB).
  int64_t max_pixels = 400'000'000;
};

// What RCC measured, for reports and plots. Segment drifts use the curve's reference (the
// curve's first frame is 0).
struct RccReport {
  std::vector<double> segment_frame;  // mean frame of each segment's localizations
  std::vector<double> segment_dx_nm, segment_dy_nm;
  int pairs = 0;          // segment pairs correlated: segments·(segments − 1)/2
  int pairs_dropped = 0;  // pairs with a residual above max_residual_nm, left out of the solution
  double rms_residual_nm = 0;  // √mean |residual|² over the pairs kept
};

// Redundant cross-correlation. Each segment's localizations (finite frame, x, y) are rendered as
// a histogram over the common field of view, smoothed, Fourier transformed; every pair (i, j)
// is cross-correlated and the position of the correlation peak, refined to sub-pixel precision by
// a Gaussian (log-parabola) fit through the maximum and its four neighbours, is the shift
// r_ij = d_j − d_i between their drifts. The over-determined system (d_0 = 0) is solved by least
// squares, pairs with |residual| > max_residual_nm are dropped and it is solved again. The
// segment drifts, placed at each segment's mean frame, are interpolated per frame (linear or
// cubic) and extended beyond the first and last centre (at most half a segment) with the end
// slope. The result is shifted so that the first frame has zero drift.
// Pairs run in parallel; the result does not depend on the thread count.
// Throws smlm::Error for a missing frame/x/y column, invalid settings, fewer frames than
// segments, or a segment without localizations.
DriftCurve estimate_drift_rcc(const LocalizationTable& table, const DriftSettings& s,
                              RccReport* report = nullptr);

struct FiducialSettings {
  // Auto-detection: localizations are linked into tracks frame to frame (link_tracks() with this
  // distance in nm and gap in frames); a track is a fiducial when it has localizations in at
  // least min_fraction of the frames from the table's first frame to its last. The distance
  // must exceed the drift between neighbouring frames plus the markers' localization noise.
  double radius_nm = 50;
  int max_gap_frames = 5;
  double min_fraction = 0.5;  // in (0, 1]
  // Given tracks: when non-empty, no detection is done: every row is a fiducial localization
  // and rows with the same value in this column belong to one marker.
  std::string track_column;
  // σ (frames) of the Gaussian-weighted local linear fit that smooths the per-frame
  // displacement; 0: no smoothing (frames without a marker are interpolated linearly).
  double smoothing_frames = 10;
};

struct FiducialReport {
  int fiducials = 0;                   // markers used
  std::vector<int64_t> fiducial_rows;  // the table rows that belong to them
};

// Drift from fiducial markers. With the tracks of the markers, the per-frame drift D(t) and each
// marker's own position c_k solve min Σ_k,t |p_k(t) − c_k − D(t)|² over the frames where marker k
// was found (alternating updates), so markers that appear late or vanish early still agree. D is
// then smoothed (see FiducialSettings), frames without any marker interpolated, and the curve
// shifted to zero at its first frame. Throws smlm::Error for a missing column, invalid settings,
// or when no fiducial is found (the message names the criterion).
DriftCurve estimate_drift_fiducials(const LocalizationTable& table, const FiducialSettings& s,
                                    FiducialReport* report = nullptr);

// Subtracts the drift at each row's frame (DriftCurve::at) from x and y (nm). Rows with a
// non-finite frame are left as they are. Throws smlm::Error for an empty or inconsistent curve
// or a table without frame/x/y.
void apply_drift(LocalizationTable& table, const DriftCurve& curve);

}  // namespace smlm::reconstruction
