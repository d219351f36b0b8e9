#!/usr/bin/env bash
# Everything a session with a lent GPU should run, in one command: a CUDA build, every test that
# needs a GPU (they skip elsewhere), then the GPU benchmark rows next to their CPU baselines from
# the same run. No GPU has run this code yet, so the tests come first and their failures are
# listed before any timing. Writes the benchmark JSON, the test log and machine.json to
# ${OUT:-bench/out}/gpu (the device tool fetches $OUT).
# Usage: bash bench/gpu_session.sh [build-dir]      (default build-gpu; -j = all cores)
#   MIN_TIME   Google Benchmark's --benchmark_min_time in seconds (default 0.5)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
mkdir -p "${OUT:-bench/out}/gpu"
out=$(cd "${OUT:-bench/out}/gpu" && pwd)
min_time=${MIN_TIME:-0.5}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt" ||
  echo "no nvidia-smi: the GPU tests will skip and the GPU rows will be missing"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >"$out/configure.log" 2>&1 ||
  { tail -20 "$out/configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }

echo "== GPU tests"
(cd "$build" && ctest -R 'Gpu|Device|cuda|Cuda' --output-on-failure >"$out/tests.log" 2>&1)
tests_rc=$?
grep -E "tests passed|Failed|\(Failed\)|\(SEGFAULT\)|\(Subprocess" "$out/tests.log" || true
grep -E "pixels differ|agree|max \|" "$out/tests.log" | head -40 || true

echo "== GPU benchmarks (with CPU rows of the same run as the baseline)"
run() {  # binary filter
  "$build/bench/$1" --benchmark_filter="$2" --benchmark_min_time="$min_time" \
    --benchmark_out="$out/$1.json" --benchmark_out_format=json --benchmark_counters_tabular=true
}
run fit_bench 'LmFitGpu|LmFitBatch|BM_LmFit/roi:(7|9)/threads:2/fixed_sigma:0'
run localize_bench 'Gpu|BM_Localize/size:(256|2048)/threads:2/ceres:0|BM_Detect/size:(256|2048)/threads:2'
run simulate_bench '.'
run deepstorm_bench '.'
run render_bench '.'
echo "results in $out; GPU tests exit code $tests_rc"
exit $tests_rc
