// Metrics against ground truth from the optimal matching, and their JSON form.
#include "reconstruction/evaluate.h"

#include <charconv>
#include <cmath>

namespace smlm::reconstruction {
namespace {

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

double ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / b : 0.0; }

}  // namespace

std::string Evaluation::to_json() const {
  std::string s = "{";
  auto add = [&](const char* key, const std::string& value) {
    if (s.size() > 1) s += ", ";
    s += '"';
    s += key;
    s += "\": ";
    s += value;
  };
  add("recall", number(recall));
  add("precision", number(precision));
  add("jaccard", number(jaccard));
  add("rmse_lateral_nm", number(rmse_lateral_nm));
  add("bias_x_nm", number(bias_x_nm));
  add("bias_y_nm", number(bias_y_nm));
  add("efficiency_lateral", number(efficiency_lateral));
  if (is_3d) {
    add("rmse_axial_nm", number(rmse_axial_nm));
    add("bias_z_nm", number(bias_z_nm));
    add("efficiency_axial", number(efficiency_axial));
  }
  add("true_positives", std::to_string(true_positives));
  add("false_positives", std::to_string(false_positives));
  add("false_negatives", std::to_string(false_negatives));
  return s + "}";
}

Evaluation evaluate(const LocalizationTable& locs, const LocalizationTable& truth,
                    const MatchSettings& s) {
  const std::vector<Match> matches = match(locs, truth, s);
  Evaluation e;
  e.true_positives = static_cast<int64_t>(matches.size());
  e.false_positives = static_cast<int64_t>(locs.size()) - e.true_positives;
  e.false_negatives = static_cast<int64_t>(truth.size()) - e.true_positives;
  e.recall = ratio(e.true_positives, e.true_positives + e.false_negatives);
  e.precision = ratio(e.true_positives, e.true_positives + e.false_positives);
  e.jaccard = ratio(e.true_positives, e.true_positives + e.false_positives + e.false_negatives);

  if (!matches.empty()) {
    const auto& lx = locs[col::x];
    const auto& ly = locs[col::y];
    const auto& tx = truth[col::x];
    const auto& ty = truth[col::y];
    double sx = 0, sy = 0, s2 = 0;
    for (const Match& m : matches) {
      const double dx = lx[m.loc] - tx[m.truth], dy = ly[m.loc] - ty[m.truth];
      sx += dx;
      sy += dy;
      s2 += dx * dx + dy * dy;
    }
    const double n = static_cast<double>(matches.size());
    e.rmse_lateral_nm = std::sqrt(s2 / n);
    e.bias_x_nm = sx / n;
    e.bias_y_nm = sy / n;
  }
  e.is_3d = matches_in_3d(locs, truth, s);
  if (e.is_3d && !matches.empty()) {
    const auto& lz = locs[col::z];
    const auto& tz = truth[col::z];
    double sz = 0, s2 = 0;
    for (const Match& m : matches) {
      const double dz = lz[m.loc] - tz[m.truth];
      sz += dz;
      s2 += dz * dz;
    }
    const double n = static_cast<double>(matches.size());
    e.rmse_axial_nm = std::sqrt(s2 / n);
    e.bias_z_nm = sz / n;
  }
  const double ji_percent = 100.0 * e.jaccard;
  e.efficiency_lateral = 100.0 - std::sqrt((100.0 - ji_percent) * (100.0 - ji_percent) +
                                           e.rmse_lateral_nm * e.rmse_lateral_nm);  // α = 1 nm⁻¹
  if (e.is_3d) {
    const double a = 0.5 * e.rmse_axial_nm;  // α = 0.5 nm⁻¹
    e.efficiency_axial = 100.0 - std::sqrt((100.0 - ji_percent) * (100.0 - ji_percent) + a * a);
  }
  return e;
}

}  // namespace smlm::reconstruction
