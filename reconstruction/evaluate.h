// Detection and localization metrics of a localization table against ground truth (SMLM
// Challenge 2016, Sage et al. 2019): recall, precision, Jaccard index, lateral RMSE and bias, and
// the lateral efficiency; in 3D (both tables with z) also the axial RMSE, z bias and axial
// efficiency; with a JSON form for reports.
#pragma once

#include <cstdint>
#include <string>

#include "core/localization_table.h"
#include "reconstruction/matching.h"

namespace smlm::reconstruction {

struct Evaluation {
  // Counts: TP = matched pairs, FP = localization rows left unmatched (rows with a non-finite
  // frame/x/y included), FN = truth rows left unmatched.
  int64_t true_positives = 0, false_positives = 0, false_negatives = 0;
  // Fractions in [0, 1] (0 when the denominator is 0): recall = TP/(TP + FN),
  // precision = TP/(TP + FP), jaccard = TP/(TP + FP + FN).
  double recall = 0, precision = 0, jaccard = 0;
  // Over matched pairs, in nm (0 when there are none): rmse = √mean(Δx² + Δy²),
  // bias = mean(loc − truth).
  double rmse_lateral_nm = 0, bias_x_nm = 0, bias_y_nm = 0;
  // The challenge's lateral efficiency in percent (100 is perfect; it can be negative):
  // E = 100 − √((100 − JI)² + (α·RMSE)²) with JI = 100·jaccard (the challenge's JI is in
  // percent) and α = 1 nm⁻¹.
  double efficiency_lateral = 0;
  // 3D (matched in 3D: both tables have z, MatchSettings::use_z): over matched pairs, in nm,
  // rmse_axial = √mean(Δz²), bias_z = mean(loc z − truth z); the axial efficiency
  // E = 100 − √((100 − JI)² + (α·RMSE_ax)²), α = 0.5 nm⁻¹. All 0 and is_3d false in 2D.
  bool is_3d = false;
  double rmse_axial_nm = 0, bias_z_nm = 0, efficiency_axial = 0;

  // One JSON object with every field above under its own name: {"recall": 0.95, …,
  // "true_positives": 950, "false_positives": 12, "false_negatives": 50}; the 3D keys
  // rmse_axial_nm, bias_z_nm, efficiency_axial only when is_3d. Numbers are written in the
  // shortest form that reads back to the same double.
  std::string to_json() const;
};

// Matches (see match()) and computes the metrics. Throws what match() throws.
Evaluation evaluate(const LocalizationTable& locs, const LocalizationTable& truth,
                    const MatchSettings& s);

}  // namespace smlm::reconstruction
