// smlm: the command-line entry point. Dispatches to a subcommand, and turns any smlm::Error (or
// other exception) into one line on stderr and a non-zero exit code.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace {

const char* kUsage =
    "usage: smlm <command> [arguments] [options]\n"
    "\n"
    "Single-molecule localization microscopy: simulate, localize, render and evaluate.\n"
    "\n"
    "commands:\n"
    "  simulate    simulate a blinking-emitter movie (TIFF) and its ground truth (CSV)\n"
    "  localize    detect and fit molecules in a TIFF movie, write a ThunderSTORM CSV\n"
    "  calibrate   calibrate a 3D PSF (astigmatic curves, cubic spline) from a bead z-stack\n"
    "  train       train a network (deepstorm, decode, deepstorm3d, bgnet) on simulated data\n"
    "  design-psf  learn a 3D PSF's phase mask jointly with a DeepSTORM3D net\n"
    "  render      render a localization table as a superresolved image (TIFF or PNG)\n"
    "  evaluate    compare localizations with ground truth (JSON: recall, Jaccard, RMSE)\n"
    "  postprocess drift correction, merging, filtering of a localization table\n"
    "  frc         Fourier ring correlation resolution of a localization table\n"
    "  convert     convert a table: ThunderSTORM CSV, Picasso HDF5, PLY, ShareLoc .smlm\n"
    "  bench       benchmark fits, detection, the pipeline and Deep-STORM on this machine\n"
    "\n"
    "Run 'smlm <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  smlm::install_temp_file_cleanup();  // Ctrl-C, kill, hang-up: no temporary file left
  if (cmd == "--version") {
    std::puts("smlm " SMLM_VERSION);
    return 0;
  }
  try {
    if (cmd == "simulate") return smlm::cli::run_simulate(argc - 2, argv + 2);
    if (cmd == "localize") return smlm::cli::run_localize(argc - 2, argv + 2);
    if (cmd == "render") return smlm::cli::run_render(argc - 2, argv + 2);
    if (cmd == "evaluate") return smlm::cli::run_evaluate(argc - 2, argv + 2);
    if (cmd == "convert") return smlm::cli::run_convert(argc - 2, argv + 2);
    if (cmd == "postprocess") return smlm::cli::run_postprocess(argc - 2, argv + 2);
    if (cmd == "calibrate") return smlm::cli::run_calibrate(argc - 2, argv + 2);
    if (cmd == "train") return smlm::cli::run_train(argc - 2, argv + 2);
    if (cmd == "design-psf") return smlm::cli::run_design_psf(argc - 2, argv + 2);
    if (cmd == "frc") return smlm::cli::run_frc(argc - 2, argv + 2);
    if (cmd == "bench") return smlm::cli::run_bench(argc - 2, argv + 2);
    std::fprintf(stderr, "smlm: unknown command '%s' (see 'smlm --help')\n", cmd.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smlm %s: error: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
