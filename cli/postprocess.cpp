// `smlm postprocess`: duplicate removal, drift correction (RCC or fiducials), merging and
// filtering of a localization table, written back as ThunderSTORM CSV; optionally the drift curve
// as CSV and as a plot.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/plot.h"
#include "io/table_file.h"
#include "reconstruction/drift.h"
#include "reconstruction/filter.h"
#include "reconstruction/merge.h"

namespace smlm::cli {

int run_postprocess(int argc, char** argv);

namespace {

// "a,b" (or "a" when only one value is wanted) as numbers, for options like --merge 20,1.
std::vector<double> parse_list(const std::string& flag, const std::string& text, size_t count,
                               const char* example) {
  std::vector<double> v;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    double x = 0;
    const auto r = std::from_chars(item.data(), item.data() + item.size(), x);
    SMLM_CHECK(r.ec == std::errc() && r.ptr == item.data() + item.size() && !item.empty() &&
                   std::isfinite(x),
               flag << ": '" << text << "' is not " << count << " comma-separated number"
                    << (count > 1 ? "s" : "") << ", e.g. " << example);
    v.push_back(x);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  SMLM_CHECK(v.size() == count, flag << ": '" << text << "' is not " << count
                                     << " comma-separated numbers, e.g. " << example);
  return v;
}

std::string shortest(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// frame (1-based, as in the localization CSV), dx, dy.
void write_drift_csv(const std::string& path, const reconstruction::DriftCurve& c) {
  std::string text = "frame,dx [nm],dy [nm]\n";
  for (size_t i = 0; i < c.frame.size(); ++i)
    text +=
        shortest(c.frame[i] + 1) + ',' + shortest(c.dx_nm[i]) + ',' + shortest(c.dy_nm[i]) + '\n';
  write_file_atomically(path, text);
}

void plot_drift(const std::string& path, const reconstruction::DriftCurve& c,
                const std::string& method) {
  io::LinePlot p;
  p.title = "Drift (" + method + ")";
  p.x_label = "frame";
  p.y_label = "drift [nm]";
  io::PlotSeries x, y;
  for (double f : c.frame) x.x.push_back(f + 1);
  y.x = x.x;
  x.y = c.dx_nm;
  y.y = c.dy_nm;
  x.label = std::string("x");  // not = "x": g++ 12 -Wrestrict false positive
  y.label = std::string("y");
  x.color = io::plot_color(0), y.color = io::plot_color(1);
  p.series = {x, y};
  io::write_line_plot(path, p);
}

}  // namespace

int run_postprocess(int argc, char** argv) {
  std::string in, out, drift, fiducials, drift_out, drift_plot, interpolation = "cubic", merge,
                                                                filter, density, duplicates;
  reconstruction::DriftSettings ds;
  reconstruction::FiducialSettings fs;
  ArgParser p("smlm postprocess LOCS.csv -o OUT.csv [options]",
              "Cleans a localization table. The steps given run in this order: duplicate "
              "removal, drift correction, merging, expression filter, density filter.");
  p.positional("LOCS.csv", &in, "localizations (ThunderSTORM CSV)");
  p.add("-o", &out, "output localizations (ThunderSTORM CSV)", "FILE");
  p.section("duplicates");
  p.add("--remove-duplicates", &duplicates,
        "in each frame keep only the most precise of localizations closer than R nm", "R");
  p.section("drift correction");
  p.add("--drift", &drift, "rcc (redundant cross-correlation) or fiducials (markers)", "METHOD");
  p.add("--drift-segments", &ds.segments, "rcc: number of time segments");
  p.add("--drift-pixel", &ds.pixel_size_nm, "rcc: pixel of the segment images [nm]");
  p.add("--drift-max-residual", &ds.max_residual_nm,
        "rcc: drop segment pairs that disagree by more [nm]");
  p.add("--drift-interpolation", &interpolation, "rcc: cubic or linear between segments", "NAME");
  p.add("--fiducials", &fiducials,
        "fiducials: take the markers from this CSV instead of the input (detected in it, or "
        "grouped by --fiducial-track)",
        "FILE");
  p.add("--fiducial-track", &fs.track_column,
        "fiducials: column of --fiducials FILE that numbers the markers", "NAME");
  p.add("--fiducial-radius", &fs.radius_nm, "fiducials: linking distance between frames [nm]");
  p.add("--fiducial-fraction", &fs.min_fraction,
        "fiducials: a marker is present in at least this fraction of frames");
  p.add("--drift-smoothing", &fs.smoothing_frames, "fiducials: smoothing sigma [frames]");
  p.add("--drift-out", &drift_out, "write the drift curve (CSV: frame, dx [nm], dy [nm])", "FILE");
  p.add("--drift-plot", &drift_plot, "plot the drift curve (PNG)", "FILE");
  p.section("merging");
  p.add("--merge", &merge,
        "merge a molecule's localizations within D nm over up to G off frames, e.g. 20,1", "D,G");
  p.section("filtering");
  p.add("--filter", &filter,
        "keep rows where EXPR holds, e.g. \"intensity > 500 && uncertainty_xy < 20\"; columns "
        "by name (frame from 1, as in the CSV), + - * / ( ) < <= > >= == != && || !",
        "EXPR");
  p.add("--density-filter", &density, "keep rows with at least N neighbours within R nm", "R,N");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!out.empty(), "missing -o OUT.csv (see --help)");
  SMLM_CHECK(drift.empty() || drift == "rcc" || drift == "fiducials",
             "--drift: '" << drift << "' is not rcc or fiducials");
  SMLM_CHECK(interpolation == "cubic" || interpolation == "linear",
             "--drift-interpolation: '" << interpolation << "' is not cubic or linear");
  ds.interpolation = interpolation == "cubic" ? reconstruction::DriftInterpolation::cubic
                                              : reconstruction::DriftInterpolation::linear;
  SMLM_CHECK(!drift.empty() || (drift_out.empty() && drift_plot.empty()),
             "--drift-out and --drift-plot need --drift rcc or --drift fiducials");
  SMLM_CHECK(drift == "fiducials" || (fiducials.empty() && fs.track_column.empty()),
             "--fiducials and --fiducial-track need --drift fiducials");
  SMLM_CHECK(fs.track_column.empty() || !fiducials.empty(),
             "--fiducial-track names a column of --fiducials FILE, which is missing");
  // Parse every option before the (possibly long) work starts.
  reconstruction::MergeSettings ms;
  if (!merge.empty()) {
    const auto v = parse_list("--merge", merge, 2, "20,1");
    SMLM_CHECK(v[1] >= 0 && v[1] == std::floor(v[1]),
               "--merge: the number of off frames must be a whole number >= 0, got " << v[1]);
    ms.max_distance_nm = v[0];
    ms.max_gap_frames = static_cast<int>(v[1]);
  }
  std::vector<double> dens, dup;
  if (!density.empty()) {
    dens = parse_list("--density-filter", density, 2, "50,5");
    SMLM_CHECK(
        dens[1] >= 0 && dens[1] == std::floor(dens[1]),
        "--density-filter: the neighbour count must be a whole number >= 0, got " << dens[1]);
  }
  if (!duplicates.empty()) dup = parse_list("--remove-duplicates", duplicates, 1, "20");
  if (!filter.empty()) reconstruction::check_expression_syntax(filter);
  // -o may rewrite the input table in place (atomically); nothing else may replace an input.
  check_distinct_files({{"LOCS.csv", in, "-o"}, {"--fiducials", fiducials}},
                       {{"-o", out}, {"--drift-out", drift_out}, {"--drift-plot", drift_plot}});
  AtomicFileGroup outputs;  // the table, the drift curve and its plot: all or none

  LocalizationTable t = io::read_table(in);
  std::fprintf(stderr, "read %zu localizations\n", t.size());

  if (!dup.empty()) {
    const size_t before = t.size();
    reconstruction::remove_duplicates(t, dup[0]);
    std::fprintf(stderr, "duplicates: removed %zu\n", before - t.size());
  }
  if (!drift.empty()) {
    reconstruction::DriftCurve curve;
    if (drift == "rcc") {
      reconstruction::RccReport r;
      curve = reconstruction::estimate_drift_rcc(t, ds, &r);
      std::fprintf(stderr,
                   "drift (RCC): %d segments, %d of %d pairs dropped, residual %.2f nm RMS\n",
                   ds.segments, r.pairs_dropped, r.pairs, r.rms_residual_nm);
    } else {
      reconstruction::FiducialReport r;
      curve = fiducials.empty()
                  ? reconstruction::estimate_drift_fiducials(t, fs, &r)
                  : reconstruction::estimate_drift_fiducials(io::read_table(fiducials), fs, &r);
      std::fprintf(stderr, "drift (fiducials): %d markers, %zu localizations\n", r.fiducials,
                   r.fiducial_rows.size());
    }
    double largest = 0;
    for (size_t i = 0; i < curve.frame.size(); ++i)
      largest = std::max(largest, std::hypot(curve.dx_nm[i], curve.dy_nm[i]));
    std::fprintf(stderr, "drift: largest %.1f nm from the first frame\n", largest);
    reconstruction::apply_drift(t, curve);
    if (!drift_out.empty()) write_drift_csv(drift_out, curve);
    if (!drift_plot.empty()) plot_drift(drift_plot, curve, drift == "rcc" ? "RCC" : "fiducials");
  }
  if (!merge.empty()) {
    const size_t before = t.size();
    t = reconstruction::merge_localizations(t, ms);
    std::fprintf(stderr, "merge: %zu localizations into %zu\n", before, t.size());
  }
  if (!filter.empty()) {
    // The expression sees frames as the CSV shows them (from 1).
    const bool has_frame = t.has(col::frame);
    if (has_frame)
      for (double& f : t[col::frame]) f += 1;
    const size_t before = t.size();
    reconstruction::filter_expression(t, filter);
    if (has_frame)
      for (double& f : t[col::frame]) f -= 1;
    std::fprintf(stderr, "filter: kept %zu of %zu\n", t.size(), before);
  }
  if (!dens.empty()) {
    const size_t before = t.size();
    reconstruction::filter_local_density(t, dens[0], static_cast<int>(dens[1]));
    std::fprintf(stderr, "density filter: kept %zu of %zu\n", t.size(), before);
  }
  io::write_table(out, t);
  outputs.commit();
  std::fprintf(stderr, "wrote %zu localizations to %s\n", t.size(), out.c_str());
  return 0;
}

}  // namespace smlm::cli
