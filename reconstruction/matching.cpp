// Optimal per-frame matching: candidate pairs from a grid of radius-sized cells, then a
// minimum-cost maximum-cardinality bipartite matching by successive shortest augmenting paths
// (Dijkstra on reduced costs, the Hungarian method's sparse form).
#include "reconstruction/matching.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::reconstruction {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Candidate pairs of one frame in compressed rows: left i (a localization) has the edges
// [start[i], start[i + 1]) to rights (true emitters) `to` at distance `cost`.
struct Graph {
  int nl = 0, nr = 0;
  std::vector<int64_t> start;
  std::vector<int> to;
  std::vector<double> cost;
};

// Minimum-cost maximum-cardinality matching; returns each left's right, or -1.
//
// Left vertices are added one at a time. Each runs Dijkstra over alternating paths (unmatched
// edges left→right at +cost, matched edges right→left at −cost) with reduced costs
// c + p(u) − p(v) >= 0. Reaching a free right gives the cheapest augmenting path. When none is
// reachable, the reached set is Hall-deficient and one of its lefts must stay unmatched: the one
// whose removal is cheapest, i.e. the reached left with the smallest true path cost (exactly what
// the dense big-M formulation would choose); it is unmatched and the path shifted onto the source.
// Potentials then grow by min(d(v), D) (D: the terminal distance, or the largest distance when
// exhausted), which keeps reduced costs non-negative and path edges tight; a global offset makes
// that update O(visited) instead of O(V).
std::vector<int> min_cost_matching(const Graph& g) {
  std::vector<int> match_l(g.nl, -1), match_r(g.nr, -1);
  std::vector<double> match_cost(g.nl, 0);  // cost of left i's matched edge
  // Potentials less a common offset that is never stored: only their differences matter.
  std::vector<double> pl(g.nl, 0), pr(g.nr, 0);
  std::vector<double> dl(g.nl, kInf), dr(g.nr, kInf), parent_cost(g.nr, 0);
  std::vector<int> parent(g.nr, -1);
  std::vector<char> done_r(g.nr, 0);
  std::vector<int> seen_l, seen_r;
  using Item = std::pair<double, int>;  // (distance, right): a min-heap kept in a reused vector
  std::vector<Item> heap;
  const std::greater<Item> later;

  auto relax = [&](int i) {
    for (int64_t e = g.start[i]; e < g.start[i + 1]; ++e) {
      const int j = g.to[e];
      if (j == match_l[i]) continue;  // the matched edge runs right → left
      const double nd = dl[i] + std::max(0.0, g.cost[e] + pl[i] - pr[j]);
      if (nd < dr[j]) {
        if (dr[j] == kInf) seen_r.push_back(j);
        dr[j] = nd;
        parent[j] = i;
        parent_cost[j] = g.cost[e];
        heap.emplace_back(nd, j);
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
  };

  for (int u = 0; u < g.nl; ++u) {
    if (g.start[u] == g.start[u + 1]) continue;
    dl[u] = 0;
    seen_l.push_back(u);
    relax(u);
    int terminal = -1;
    double big_d = 0;
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const auto [d, j] = heap.back();
      heap.pop_back();
      if (done_r[j] || d > dr[j]) continue;
      done_r[j] = 1;
      if (match_r[j] < 0) {
        terminal = j;
        big_d = d;
        break;
      }
      const int i = match_r[j];
      dl[i] = d + std::max(0.0, -match_cost[i] + pr[j] - pl[i]);
      seen_l.push_back(i);
      relax(i);
    }

    int j = terminal;
    if (terminal < 0) {
      // Exhausted: drop the reached left whose removal costs least (true cost d(i) + p(i) − p(u)).
      int drop = u;
      for (int i : seen_l)
        if (dl[i] + pl[i] < dl[drop] + pl[drop]) drop = i;
      for (int i : seen_l) big_d = std::max(big_d, dl[i]);
      for (int r : seen_r) big_d = std::max(big_d, dr[r]);
      j = match_l[drop];
      if (drop != u) {
        match_l[drop] = -1;
        match_r[j] = -1;
      } else {
        j = -1;
      }
    }
    // Shift the path: every right on it takes the left it was reached from.
    while (j >= 0) {
      const int i = parent[j];
      const int next = match_l[i];
      match_l[i] = j;
      match_r[j] = i;
      match_cost[i] = parent_cost[j];
      j = next;
    }
    // p(v) += min(d(v), D) for all v: the common +D goes into the (implicit) offset.
    for (int i : seen_l) {
      if (dl[i] < big_d) pl[i] -= big_d - dl[i];
      dl[i] = kInf;
    }
    for (int r : seen_r) {
      if (dr[r] < big_d) pr[r] -= big_d - dr[r];
      dr[r] = kInf;
      done_r[r] = 0;
      parent[r] = -1;
    }
    seen_l.clear();
    seen_r.clear();
    heap.clear();
  }
  return match_l;
}

// Rows with finite frame, x and y (and z when use_z), sorted by frame (ties by row).
std::vector<int64_t> valid_rows_by_frame(const LocalizationTable& t, const char* what, bool use_z) {
  for (std::string_view c : {col::frame, col::x, col::y})
    SMLM_CHECK(t.has(c), "match: the " << what << " table has no column '" << c << "'");
  const auto& f = t[col::frame];
  const auto& x = t[col::x];
  const auto& y = t[col::y];
  std::vector<int64_t> rows;
  rows.reserve(t.size());
  const std::vector<double>* z = use_z ? &t[col::z] : nullptr;
  for (size_t k = 0; k < t.size(); ++k)
    if (std::isfinite(f[k]) && std::isfinite(x[k]) && std::isfinite(y[k]) &&
        (!z || std::isfinite((*z)[k])))
      rows.push_back(static_cast<int64_t>(k));
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return f[a] < f[b]; });
  return rows;
}

// One frame: its nl localization rows and nr truth rows.
std::vector<Match> match_frame(const LocalizationTable& locs, const LocalizationTable& truth,
                               const int64_t* lrows, int nl, const int64_t* trows, int nr,
                               double radius, double axial_radius, bool use_z) {
  const double* lz = use_z ? locs[col::z].data() : nullptr;
  const double* tz = use_z ? truth[col::z].data() : nullptr;
  const auto& lx = locs[col::x];
  const auto& ly = locs[col::y];
  const auto& tx = truth[col::x];
  const auto& ty = truth[col::y];

  // Truths sorted by grid cell (row-major), so that a cell row's 3 neighbouring cells are one run.
  struct Cell {
    double cy, cx;
    int j;
  };
  std::vector<Cell> cells(nr);
  for (int j = 0; j < nr; ++j)
    cells[j] = {std::floor(ty[trows[j]] / radius), std::floor(tx[trows[j]] / radius), j};
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return a.cy != b.cy ? a.cy < b.cy : a.cx != b.cx ? a.cx < b.cx : a.j < b.j;
  });

  Graph g;
  g.nl = nl;
  g.nr = nr;
  g.start.assign(nl + 1, 0);
  const double r2 = radius * radius;
  for (int i = 0; i < nl; ++i) {
    const double x = lx[lrows[i]], y = ly[lrows[i]];
    const double cy = std::floor(y / radius), cx = std::floor(x / radius);
    for (double dy = -1; dy <= 1; ++dy) {
      auto it = std::lower_bound(cells.begin(), cells.end(), std::pair(cy + dy, cx - 1),
                                 [](const Cell& c, const std::pair<double, double>& k) {
                                   return c.cy != k.first ? c.cy < k.first : c.cx < k.second;
                                 });
      for (; it != cells.end() && it->cy == cy + dy && it->cx <= cx + 1; ++it) {
        const double ex = tx[trows[it->j]] - x, ey = ty[trows[it->j]] - y;
        const double d2 = ex * ex + ey * ey;
        const double ez = use_z ? tz[trows[it->j]] - lz[lrows[i]] : 0.0;
        if (d2 <= r2 && std::fabs(ez) <= axial_radius) {
          g.to.push_back(it->j);
          g.cost.push_back(std::sqrt(d2 + ez * ez));
        }
      }
    }
    g.start[i + 1] = static_cast<int64_t>(g.to.size());
  }

  const std::vector<int> m = min_cost_matching(g);
  std::vector<Match> out;
  for (int i = 0; i < nl; ++i)
    if (m[i] >= 0) out.push_back({lrows[i], trows[m[i]]});
  return out;
}

}  // namespace

bool matches_in_3d(const LocalizationTable& locs, const LocalizationTable& truth,
                   const MatchSettings& s) {
  return s.use_z && locs.has(col::z) && truth.has(col::z);
}

std::vector<Match> match(const LocalizationTable& locs, const LocalizationTable& truth,
                         const MatchSettings& s) {
  SMLM_CHECK(std::isfinite(s.radius_nm) && s.radius_nm > 0,
             "match: the radius must be a positive number of nm, got " << s.radius_nm);
  const bool use_z = matches_in_3d(locs, truth, s);
  SMLM_CHECK(!use_z || (std::isfinite(s.axial_radius_nm) && s.axial_radius_nm > 0),
             "match: the axial radius must be a positive number of nm, got " << s.axial_radius_nm);
  const std::vector<int64_t> lrows = valid_rows_by_frame(locs, "localization", use_z);
  const std::vector<int64_t> trows = valid_rows_by_frame(truth, "ground-truth", use_z);
  const auto& lf = locs[col::frame];
  const auto& tf = truth[col::frame];

  // Frames present in both tables.
  struct Task {
    int64_t l0, l1, t0, t1;
  };
  std::vector<Task> tasks;
  for (size_t a = 0, b = 0; a < lrows.size() && b < trows.size();) {
    const double fa = lf[lrows[a]], fb = tf[trows[b]];
    if (fa < fb) {
      while (a < lrows.size() && lf[lrows[a]] == fa) ++a;
    } else if (fb < fa) {
      while (b < trows.size() && tf[trows[b]] == fb) ++b;
    } else {
      Task t{static_cast<int64_t>(a), 0, static_cast<int64_t>(b), 0};
      while (a < lrows.size() && lf[lrows[a]] == fa) ++a;
      while (b < trows.size() && tf[trows[b]] == fb) ++b;
      t.l1 = static_cast<int64_t>(a);
      t.t1 = static_cast<int64_t>(b);
      SMLM_CHECK(t.l1 - t.l0 < (1LL << 31) && t.t1 - t.t0 < (1LL << 31),
                 "match: frame " << fa << " has more than 2^31 rows");
      tasks.push_back(t);
    }
  }

  std::vector<std::vector<Match>> per_frame(tasks.size());
  kernels::parallel_for(static_cast<int64_t>(tasks.size()), [&](int64_t k) {
    const Task& t = tasks[k];
    per_frame[k] = match_frame(locs, truth, lrows.data() + t.l0, static_cast<int>(t.l1 - t.l0),
                               trows.data() + t.t0, static_cast<int>(t.t1 - t.t0), s.radius_nm,
                               s.axial_radius_nm, use_z);
  });

  std::vector<Match> out;
  for (const auto& v : per_frame) out.insert(out.end(), v.begin(), v.end());
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) { return a.loc < b.loc; });
  return out;
}

}  // namespace smlm::reconstruction
