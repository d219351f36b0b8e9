// `smlm convert`: a localization table from one exchange format into another (ThunderSTORM CSV,
// Picasso HDF5, PLY point cloud, ShareLoc .smlm), chosen by the files' extensions.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/table_file.h"

namespace smlm::cli {

int run_convert(int argc, char** argv) {
  std::string in, out;
  io::TableFileOptions o;
  ArgParser p("smlm convert IN -o OUT [options]",
              "Converts a localization table between formats, chosen by extension: .csv "
              "(ThunderSTORM), .hdf5/.h5 (Picasso, with its .yaml sidecar), .ply (point cloud for "
              "3D viewers), .smlm (ShareLoc.XYZ). Picasso files hold camera pixels: give "
              "--pixel-size when writing one from a table in nm.");
  p.positional("IN", &in, "input table");
  p.add("-o", &out, "output table", "FILE");
  p.add("--pixel-size", &o.pixel_size_nm, "camera pixel size [nm] (Picasso)");
  p.add("--width", &o.width_px, "field of view width [camera pixels] (Picasso; 0 = from data)");
  p.add("--height", &o.height_px, "field of view height [camera pixels] (Picasso; 0 = from data)");
  p.add("--frames", &o.frames, "movie length (Picasso; 0 = from data)");
  if (!p.parse(argc, argv)) return 0;
  SMLM_CHECK(!out.empty(), "missing -o OUT (see --help)");
  SMLM_CHECK(o.pixel_size_nm >= 0 && o.width_px >= 0 && o.height_px >= 0 && o.frames >= 0,
             "--pixel-size, --width, --height and --frames must not be negative");
  io::table_format(out);  // reject an unknown output format before reading
  check_distinct_files({{"IN", in, "-o"}}, {{"-o", out}});  // in place is atomic
  const LocalizationTable table = io::read_table(in, o);
  AtomicFileGroup outputs;  // a Picasso table and its sidecar: both or neither
  io::write_table(out, table, o);
  outputs.commit();
  std::fprintf(stderr, "converted %zu localizations, %zu columns\n", table.size(),
               table.num_columns());
  return 0;
}

}  // namespace smlm::cli
