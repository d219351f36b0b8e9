// `smlm frc`: the Fourier ring correlation resolution of a localization table, printed as one
// JSON line; optionally the curve as CSV and as a plot.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/plot.h"
#include "io/table_file.h"
#include "reconstruction/frc.h"

namespace smlm::cli {

int run_frc(int argc, char** argv);

namespace {

std::string shortest(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

int run_frc(int argc, char** argv) {
  reconstruction::FrcSettings s;
  std::string in, curve, plot, split = "random";
  ArgParser p("smlm frc LOCS.csv [options]",
              "Estimates the image resolution by Fourier ring correlation: the localizations are "
              "split into two halves, each rendered as a histogram; the resolution is 1/q where "
              "their correlation over rings of spatial frequency q first falls below 1/7. Prints "
              "one JSON line: {\"resolution_nm\": R} (null when the curve never falls below).");
  p.positional("LOCS.csv", &in, "localizations (ThunderSTORM CSV)");
  p.add("--pixel-size", &s.pixel_size_nm, "histogram pixel [nm]");
  p.add("--split", &split, "random (seeded coin per localization) or frames (alternate blocks)",
        "NAME");
  p.add("--seed", &s.seed, "random split: seed");
  p.add("--frame-block", &s.frame_block, "frames split: frames per block");
  p.add("--curve", &curve, "write the curve (CSV: q [1/nm], frc, frc_smoothed)", "FILE");
  p.add("--plot", &plot, "plot the curve (PNG)", "FILE");
  p.add("--max-pixels", &s.max_pixels,
        "largest transform (N x N pixels, ~40 bytes each) allowed before any allocation");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(split == "random" || split == "frames",
             "--split: '" << split << "' is not random or frames");
  s.split = split == "random" ? reconstruction::FrcSplit::random : reconstruction::FrcSplit::frames;
  SMLM_CHECK(s.pixel_size_nm > 0, "--pixel-size: " << s.pixel_size_nm << " must be positive");
  SMLM_CHECK(s.frame_block >= 1, "--frame-block: " << s.frame_block << " must be >= 1");

  check_distinct_files({{"LOCS.csv", in}}, {{"--curve", curve}, {"--plot", plot}});

  const LocalizationTable t = io::read_table(in);
  AtomicFileGroup outputs;  // the curve and its plot: both or neither
  const reconstruction::FrcResult r = reconstruction::compute_frc(t, s);
  if (!curve.empty()) {
    std::string text = "q [1/nm],frc,frc_smoothed\n";
    for (size_t i = 0; i < r.q_per_nm.size(); ++i)
      text +=
          shortest(r.q_per_nm[i]) + ',' + shortest(r.frc_raw[i]) + ',' + shortest(r.frc[i]) + '\n';
    write_file_atomically(curve, text);
  }
  if (!plot.empty()) {
    io::LinePlot lp;
    char title[96];
    if (std::isfinite(r.resolution_nm))
      std::snprintf(title, sizeof title, "FRC resolution %.1f nm", r.resolution_nm);
    else
      std::snprintf(title, sizeof title, "FRC (never below 1/7)");
    lp.title = title;
    lp.x_label = "spatial frequency [1/nm]";
    lp.y_label = "FRC";
    lp.y_max = 1.05;
    io::PlotSeries raw, smooth;
    raw.x = smooth.x = r.q_per_nm;
    raw.y = r.frc_raw;
    smooth.y = r.frc;
    raw.color = {170, 200, 225};
    raw.line_width = 1;
    raw.label = "per ring";
    smooth.color = io::plot_color(0);
    smooth.label = "smoothed";
    lp.series = {raw, smooth};
    lp.lines = {{r.threshold, {200, 0, 0}, "1/7"}};
    io::write_line_plot(plot, lp);
  }
  outputs.commit();
  std::printf("{\"resolution_nm\": %s}\n",
              std::isfinite(r.resolution_nm) ? shortest(r.resolution_nm).c_str() : "null");
  std::fprintf(stderr, "FRC of %zu localizations at %g nm pixels: %s\n", t.size(), s.pixel_size_nm,
               std::isfinite(r.resolution_nm)
                   ? (shortest(std::round(r.resolution_nm * 10) / 10) + " nm").c_str()
                   : "no crossing of 1/7");
  return 0;
}

}  // namespace smlm::cli
