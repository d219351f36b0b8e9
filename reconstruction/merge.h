// Merging the localizations of one molecule that stays on over consecutive frames (ThunderSTORM's
// "merging"): localizations are linked into tracks frame by frame, and each track becomes one row.
#pragma once

#include <cstdint>
#include <vector>

#include "core/localization_table.h"

namespace smlm::reconstruction {

struct MergeSettings {
  // A localization may continue a track when it lies within max_distance_nm (nm, > 0) of the
  // track's last position ...
  double max_distance_nm = 20;
  // ... and the track's last frame L and its frame f satisfy 1 <= f − L <= max_gap_frames + 1,
  // i.e. up to max_gap_frames frames without the molecule are bridged (>= 0).
  int max_gap_frames = 1;
};

// Links localizations into tracks. Frames are processed in increasing order; within a frame, the
// candidate (localization, track) pairs within the distance are taken greedily by increasing
// distance (ties by row, then track), each track and each localization at most once; the rest
// start new tracks. Returns a track id per row, 0 .. T − 1 numbered in order of each track's
// first row (by frame, then row). Rows with a non-finite frame, x or y are tracks of their own,
// numbered after all others.
// The active tracks of a frame are found through a grid of max_distance-sized cells, so the cost
// is ~linear in the number of rows. Throws smlm::Error for a missing frame/x/y column or invalid
// settings.
std::vector<int64_t> link_tracks(const LocalizationTable& table, const MergeSettings& s);

// Collapses each track (track[row], as link_tracks returns; ids 0 .. T − 1) into one row:
//  - x, y: weighted by 1/uncertainty_xy² when the table has uncertainty_xy and every member has
//    a finite positive one; otherwise the plain mean;
//  - uncertainty_xy: 1/√Σ(1/u²) in the weighted case; otherwise the mean of the members' finite
//    values divided by √(their count);
//  - intensity: summed; frame: the first (smallest); id: the first row's;
//  - detections: the sum of the members' detections when the table has that column (merging a
//    merged table), else the number of members; the column is added if missing;
//  - every other column: the mean of its finite member values (NaN if none).
// Rows come out in track order, so by first frame. Non-finite values are skipped in sums and
// means (a track whose x is NaN everywhere gets NaN).
LocalizationTable merge_tracks(const LocalizationTable& table, const std::vector<int64_t>& track);

// link_tracks followed by merge_tracks.
LocalizationTable merge_localizations(const LocalizationTable& table, const MergeSettings& s);

}  // namespace smlm::reconstruction
