// `smlm evaluate`: matches localizations to the ground truth frame by frame (optimal assignment
// within a radius) and prints the SMLM-challenge figures as JSON.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/table_file.h"
#include "reconstruction/evaluate.h"

namespace smlm::cli {

int run_evaluate(int argc, char** argv) {
  reconstruction::MatchSettings s;
  std::string in, truth_path, out;
  ArgParser p("smlm evaluate LOCS.csv --truth TRUTH.csv [options]",
              "Matches localizations to ground truth within a radius in each frame (optimal "
              "assignment) and prints JSON: recall, precision, jaccard (fractions), "
              "rmse_lateral_nm, bias_x_nm, bias_y_nm and efficiency_lateral (SMLM challenge "
              "2016). When both tables have z, pairs must also lie within the axial radius and "
              "the JSON adds rmse_axial_nm, bias_z_nm and efficiency_axial.");
  p.positional("LOCS.csv", &in, "localizations (.csv, .hdf5, .ply or .smlm)");
  p.add("--truth", &truth_path, "ground truth (frame, x, y; any table format)", "FILE");
  p.add("--radius", &s.radius_nm, "lateral matching radius [nm]");
  p.add("--axial-radius", &s.axial_radius_nm, "3D: axial matching radius [nm]");
  bool lateral_only = false;
  p.add_flag("--2d", &lateral_only, "match laterally only, even when both tables have z");
  p.add("-o", &out, "also write the JSON to this file", "FILE");
  if (!p.parse(argc, argv)) return 0;

  SMLM_CHECK(!truth_path.empty(), "missing --truth TRUTH.csv (see --help)");
  check_distinct_files({{"LOCS.csv", in}, {"--truth", truth_path}}, {{"-o", out}});
  SMLM_CHECK(s.radius_nm > 0, "--radius: " << s.radius_nm << " must be positive");
  SMLM_CHECK(s.axial_radius_nm > 0, "--axial-radius: " << s.axial_radius_nm << " must be positive");
  s.use_z = !lateral_only;
  const LocalizationTable locs = io::read_table(in);
  const LocalizationTable truth = io::read_table(truth_path);
  const std::string json = reconstruction::evaluate(locs, truth, s).to_json();
  std::printf("%s\n", json.c_str());
  if (!out.empty()) write_file_atomically(out, json + "\n");
  return 0;
}

}  // namespace smlm::cli
