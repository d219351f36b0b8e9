#!/usr/bin/env bash
# Runs the benchmark suite and the end-to-end timings, prints a table and writes JSON to
# bench/out/: one file per benchmark binary, machine.json (CPU, cores, GPU, CUDA and cuDNN
# versions) and end_to_end.json. GPU rows run only where a device exists.
# Usage: bash bench/run.sh [build-dir]
#   BENCH_ARGS   extra Google Benchmark flags (e.g. --benchmark_min_time=0.2s)
#   BENCH_FILTER only the binaries whose name matches this regex (e.g. 'fit|render')
#   STREAM_GB    size of stream_bench's synthetic stream in GB of 16-bit pixels (default 2)
#   REPEATS      runs of each end-to-end timing, the best reported (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=bench/out
mkdir -p "$out"
repeats=${REPEATS:-5}

json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1 || true)
cuda=$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p' | head -1 || true)
cudnn=""
for h in /usr/include/cudnn_version.h /usr/include/x86_64-linux-gnu/cudnn_version*.h \
         /usr/local/cuda/include/cudnn_version.h; do
  if [ -f "$h" ]; then
    cudnn=$(awk '/#define CUDNN_MAJOR/{a=$3} /#define CUDNN_MINOR/{b=$3}
                 /#define CUDNN_PATCHLEVEL/{c=$3} END{if (a != "") print a "." b "." c}' "$h")
    break
  fi
done
cat > "$out/machine.json" <<JSON
{"cpu": "$(json_str "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')")",
 "cores": $(nproc), "memory_gb": $(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo),
 "gpu": "$(json_str "${gpu:-none}")", "cuda": "${cuda:-none}", "cudnn": "${cudnn:-none}",
 "load_average": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON
cat "$out/machine.json"

for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  if [ -n "${BENCH_FILTER:-}" ] && ! [[ $name =~ $BENCH_FILTER ]]; then continue; fi
  echo "== $name"
  SMLM_STREAM_GB=${STREAM_GB:-2} "$b" --benchmark_out="$out/$name.json" \
    --benchmark_out_format=json --benchmark_counters_tabular=true ${BENCH_ARGS:-}
done

# End to end: wall seconds of `smlm localize`, best of $repeats runs.
best_of() {  # command...; prints the best wall time in seconds
  local best="" t
  for _ in $(seq "$repeats"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}
rows=()
# The shared ThunderSTORM movie (200 frames 64x64; ThunderSTORM 1.3's MLE: 2.4 s on 2 cores, see
# ../shared/data/thunderstorm/README.md).
data=../shared/data/thunderstorm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -f "$data/movie.tif" ]; then
  s=$(best_of "$build/smlm" localize "$data/movie.tif" -o "$tmp/ts.csv" --roi 9 --psf-sigma 130)
  rows+=("{\"name\": \"localize thunderstorm movie 64x64\", \"frames\": 200, \"seconds\": $s,
          \"thunderstorm_1_3_seconds\": 2.4}")
  printf '%-45s %8s s  %8.0f frames/s  (ThunderSTORM 1.3 MLE: 2.4 s)\n' \
    "localize shared movie (200 x 64x64)" "$s" "$(echo "200 / $s" | bc -l)"
fi
# A simulated sparse 256x256 movie.
"$build/smlm" simulate -o "$tmp/m.tif" --truth "$tmp/t.csv" --frames 1000 --size 256 \
  --density 0.3 --seed 1 >/dev/null 2>&1
s=$(best_of "$build/smlm" localize "$tmp/m.tif" -o "$tmp/l.csv" --roi 9 --psf-sigma 130)
rows+=("{\"name\": \"localize simulated sparse 256x256\", \"frames\": 1000, \"seconds\": $s}")
printf '%-45s %8s s  %8.0f frames/s\n' "localize simulated sparse (1000 x 256x256)" "$s" \
  "$(echo "1000 / $s" | bc -l)"
(IFS=,; echo "[${rows[*]}]") > "$out/end_to_end.json"
echo "JSON in $out/"
