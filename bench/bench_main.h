// The end of every benchmark program's main(), after it has registered its GPU rows (only when a
// GPU exists): Google Benchmark's flags, the run, the exit code.
#pragma once

#include <benchmark/benchmark.h>

namespace smlm::bench {

inline int run_benchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace smlm::bench
