// The subcommands of `smlm`. Each parses its own arguments (argv starts after the subcommand's
// name), wires library calls together and returns the process exit code; errors propagate as
// smlm::Error to main(), which prints them on one line.
#pragma once

namespace smlm::cli {

int run_simulate(int argc, char** argv);
int run_localize(int argc, char** argv);
int run_render(int argc, char** argv);
int run_evaluate(int argc, char** argv);
int run_convert(int argc, char** argv);
int run_postprocess(int argc, char** argv);
int run_frc(int argc, char** argv);
int run_calibrate(int argc, char** argv);
int run_train(int argc, char** argv);
// `smlm train decode` (train_decode.cpp).
int train_decode(int argc, char** argv);
// `smlm train deepstorm3d` (train_deepstorm3d.cpp).
int train_deepstorm3d(int argc, char** argv);
// `smlm train bgnet` (train_bgnet.cpp).
int train_bgnet(int argc, char** argv);
// `smlm design-psf` (design_psf.cpp).
int run_design_psf(int argc, char** argv);
int run_bench(int argc, char** argv);

}  // namespace smlm::cli
