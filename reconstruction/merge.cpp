// Track linking with a per-frame grid of the active tracks (sorted cells, binary-searched), and
// the per-track reduction of every column.
#include "reconstruction/merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::reconstruction {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Active {
  int64_t id;
  double x, y, frame;
};

struct Cell {
  double cy, cx;
  int index;  // into the active list
};

struct Candidate {
  double d2;
  int64_t loc;  // position in the frame's run of rows
  int track;    // index into the active list
};

}  // namespace

std::vector<int64_t> link_tracks(const LocalizationTable& t, const MergeSettings& s) {
  SMLM_CHECK(std::isfinite(s.max_distance_nm) && s.max_distance_nm > 0,
             "merge: the distance must be a positive number of nm, got " << s.max_distance_nm);
  SMLM_CHECK(s.max_gap_frames >= 0,
             "merge: the number of off frames must be >= 0, got " << s.max_gap_frames);
  for (std::string_view c : {col::frame, col::x, col::y})
    SMLM_CHECK(t.has(c), "merge: the localization table has no column '" << c << "'");
  const auto& f = t[col::frame];
  const auto& x = t[col::x];
  const auto& y = t[col::y];
  const int64_t n = static_cast<int64_t>(t.size());

  std::vector<int64_t> rows;
  rows.reserve(n);
  for (int64_t k = 0; k < n; ++k)
    if (std::isfinite(f[k]) && std::isfinite(x[k]) && std::isfinite(y[k])) rows.push_back(k);
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return f[a] < f[b]; });

  const double r = s.max_distance_nm, r2 = r * r;
  const double max_step = s.max_gap_frames + 1.0;
  std::vector<int64_t> track(n, -1);
  int64_t next_id = 0;
  std::vector<Active> active;
  std::vector<Cell> cells;
  std::vector<Candidate> cands;
  std::vector<char> loc_taken, track_taken;

  for (size_t a = 0; a < rows.size();) {
    const double fr = f[rows[a]];
    size_t b = a;
    while (b < rows.size() && f[rows[b]] == fr) ++b;

    std::erase_if(active, [&](const Active& tr) { return fr - tr.frame > max_step; });
    cells.resize(active.size());
    for (size_t k = 0; k < active.size(); ++k)
      cells[k] = {std::floor(active[k].y / r), std::floor(active[k].x / r), static_cast<int>(k)};
    std::sort(cells.begin(), cells.end(), [](const Cell& p, const Cell& q) {
      return p.cy != q.cy ? p.cy < q.cy : p.cx != q.cx ? p.cx < q.cx : p.index < q.index;
    });

    cands.clear();
    for (size_t p = a; p < b; ++p) {
      const double px = x[rows[p]], py = y[rows[p]];
      const double cy = std::floor(py / r), cx = std::floor(px / r);
      for (double dy = -1; dy <= 1; ++dy) {
        auto it = std::lower_bound(cells.begin(), cells.end(), std::pair(cy + dy, cx - 1),
                                   [](const Cell& c, const std::pair<double, double>& k) {
                                     return c.cy != k.first ? c.cy < k.first : c.cx < k.second;
                                   });
        for (; it != cells.end() && it->cy == cy + dy && it->cx <= cx + 1; ++it) {
          const Active& tr = active[it->index];
          const double ex = tr.x - px, ey = tr.y - py;
          const double d2 = ex * ex + ey * ey;
          if (d2 <= r2) cands.push_back({d2, static_cast<int64_t>(p - a), it->index});
        }
      }
    }
    std::sort(cands.begin(), cands.end(), [](const Candidate& p, const Candidate& q) {
      return p.d2 != q.d2 ? p.d2 < q.d2 : p.loc != q.loc ? p.loc < q.loc : p.track < q.track;
    });
    loc_taken.assign(b - a, 0);
    track_taken.assign(active.size(), 0);
    for (const Candidate& c : cands) {
      if (loc_taken[c.loc] || track_taken[c.track]) continue;
      loc_taken[c.loc] = track_taken[c.track] = 1;
      const int64_t row = rows[a + c.loc];
      Active& tr = active[c.track];
      track[row] = tr.id;
      tr.x = x[row], tr.y = y[row], tr.frame = fr;
    }
    for (size_t p = a; p < b; ++p) {
      if (loc_taken[p - a]) continue;
      const int64_t row = rows[p];
      track[row] = next_id;
      active.push_back({next_id++, x[row], y[row], fr});
    }
    a = b;
  }
  for (int64_t k = 0; k < n; ++k)
    if (track[k] < 0) track[k] = next_id++;
  return track;
}

LocalizationTable merge_tracks(const LocalizationTable& t, const std::vector<int64_t>& track) {
  SMLM_CHECK(track.size() == t.size(),
             "merge: " << track.size() << " track ids for a table of " << t.size() << " rows");
  const int64_t n = static_cast<int64_t>(t.size());
  int64_t tracks = 0;
  for (int64_t id : track) {
    SMLM_CHECK(id >= 0, "merge: negative track id " << id);
    tracks = std::max(tracks, id + 1);
  }
  // Members of each track, in row order (counting sort).
  std::vector<int64_t> start(tracks + 1, 0), members(n);
  for (int64_t id : track) ++start[id + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t k = 0; k < n; ++k) members[fill[track[k]]++] = k;
  }

  LocalizationTable out;
  for (const auto& c : t.columns()) out.add_column(c.name, 0.0, c.unit);
  const bool had_detections = t.has(col::detections);
  out.add_column(col::detections);
  out.resize(static_cast<size_t>(tracks));

  const std::vector<double>* unc = t.has(col::uncertainty_xy) ? &t[col::uncertainty_xy] : nullptr;
  const std::vector<double>* frame = t.has(col::frame) ? &t[col::frame] : nullptr;

  // Per track: the weights (1/u², or all 1) and the representative (first-frame) row.
  std::vector<char> weighted(tracks, 0);
  std::vector<int64_t> first(tracks);
  std::vector<double> weight(n, 1.0);
  kernels::parallel_for(tracks, [&](int64_t id) {
    const int64_t b = start[id], e = start[id + 1];
    int64_t best = members[b];
    for (int64_t m = b; m < e; ++m)
      if (frame && (*frame)[members[m]] < (*frame)[best]) best = members[m];
    first[id] = best;
    if (!unc) return;
    bool ok = true;
    for (int64_t m = b; m < e; ++m) {
      const double u = (*unc)[members[m]];
      ok = ok && std::isfinite(u) && u > 0;
    }
    if (!ok) return;
    weighted[id] = 1;
    for (int64_t m = b; m < e; ++m) {
      const double u = (*unc)[members[m]];
      weight[members[m]] = 1.0 / (u * u);
    }
  });

  for (const auto& c : t.columns()) {
    const std::vector<double>& v = c.values;
    std::vector<double>& o = out[c.name];
    const std::string& name = c.name;
    const bool position = name == col::x || name == col::y;
    kernels::parallel_for(tracks, [&](int64_t id) {
      const int64_t b = start[id], e = start[id + 1];
      double sum = 0, wsum = 0, lo = std::numeric_limits<double>::infinity();
      int64_t count = 0;
      for (int64_t m = b; m < e; ++m) {
        const double val = v[members[m]];
        if (!std::isfinite(val)) continue;
        const double w = position ? weight[members[m]] : 1.0;
        sum += w * val;
        wsum += w;
        lo = std::min(lo, val);
        ++count;
      }
      double result;
      if (name == col::frame) {
        result = count ? lo : kNaN;
      } else if (name == col::intensity || name == col::detections) {
        result = count ? sum : kNaN;
      } else if (name == col::id) {
        result = v[first[id]];
      } else if (name == col::uncertainty_xy) {
        if (weighted[id]) {
          double inv = 0;
          for (int64_t m = b; m < e; ++m) inv += weight[members[m]];
          result = 1.0 / std::sqrt(inv);
        } else {
          result = count ? sum / count / std::sqrt(double(count)) : kNaN;
        }
      } else {
        result = count ? sum / wsum : kNaN;
      }
      o[id] = result;
    });
  }
  if (!had_detections) {
    std::vector<double>& d = out[col::detections];
    for (int64_t id = 0; id < tracks; ++id) d[id] = double(start[id + 1] - start[id]);
  }
  return out;
}

LocalizationTable merge_localizations(const LocalizationTable& table, const MergeSettings& s) {
  return merge_tracks(table, link_tracks(table, s));
}

}  // namespace smlm::reconstruction
