// Matching localizations to ground truth, frame by frame: the optimal one-to-one assignment of
// localizations to true emitters within a lateral radius, and in 3D also an axial one (SMLM
// Challenge 2016 protocol, with an optimal rather than a greedy assignment).
#pragma once

#include <cstdint>
#include <vector>

#include "core/localization_table.h"

namespace smlm::reconstruction {

struct MatchSettings {
  double radius_nm = 250;  // a pair may match when √(Δx² + Δy²) <= radius_nm (nm, > 0)
  // 3D, when use_z and both tables have a z column [nm]: a pair must also have |Δz| <=
  // axial_radius_nm (> 0), its cost is the 3D distance, and rows with a non-finite z never match.
  double axial_radius_nm = 500;
  bool use_z = true;
};

// Whether match() works in 3D for these tables and settings.
bool matches_in_3d(const LocalizationTable& locs, const LocalizationTable& truth,
                   const MatchSettings& s);

struct Match {
  int64_t loc, truth;  // row indices into the localization and the ground-truth table
};

// Matches the rows of `locs` to the rows of `truth` (both need the columns frame, x, y; x, y in
// nm). Only rows of the same frame may match, each row at most once, and only pairs within the
// radius (3D: and the axial radius). Per frame the assignment is optimal: it has the largest
// possible number of matches and, among those, the smallest total distance Σ√(Δx² + Δy²)
// (3D: Σ√(Δx² + Δy² + Δz²)). This is the answer of the Hungarian
// method on the dense matrix with cost = distance for pairs within the radius and a cost larger
// than any sum for the others (disallowed assignments dropped), computed here on the sparse graph
// of candidate pairs (found with a grid of radius-sized cells) by shortest augmenting paths with
// potentials: 10^6 rows in ~100-row frames take well under a second. One crowded frame costs
// more (augmenting paths grow long): 200 000 rows in a single frame with ~10 candidates per row
// take ~15 s on one core.
// Rows with a non-finite frame, x or y never match. Frames in parallel; deterministic.
// Returns the matches sorted by `loc`. Throws smlm::Error for a missing column or a radius that is
// not a positive finite number.
std::vector<Match> match(const LocalizationTable& locs, const LocalizationTable& truth,
                         const MatchSettings& s);

}  // namespace smlm::reconstruction
