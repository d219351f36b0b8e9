#!/usr/bin/env bash
# Runs the benchmark suite and the end-to-end timings, prints a table and writes JSON to
# bench/out/ (one file per benchmark binary, plus machine.json naming the CPU, the GPU if any,
# and the CUDA/cuDNN versions). Usage: bash bench/run.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=bench/out
mkdir -p "$out"

gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1 || true)
cat > "$out/machine.json" <<JSON
{"cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')",
 "cores": $(nproc), "gpu": "${gpu:-none}",
 "nvcc": "$(nvcc --version 2>/dev/null | tail -1 || echo none)",
 "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON
cat "$out/machine.json"

for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
       --benchmark_counters_tabular=true ${BENCH_ARGS:-}
done

# End to end: the shared ThunderSTORM movie (ThunderSTORM 1.3: 2.4 s on 2 cores, see
# ../shared/data/thunderstorm/README.md) and a simulated sparse 256x256 movie.
data=../shared/data/thunderstorm
if [ -f "$data/movie.tif" ]; then
  echo "== localize shared movie (200 frames 64x64)"
  /usr/bin/time -f "%e s wall" "$build/smlm" localize "$data/movie.tif" -o "$out/ts.csv" \
    --roi 9 --psf-sigma 130
fi
tmp=$(mktemp -d)
"$build/smlm" simulate -o "$tmp/m.tif" --truth "$tmp/t.csv" --frames 1000 --size 256 \
  --density 0.3 --seed 1 2>/dev/null
echo "== localize simulated sparse 256x256 movie, 1000 frames"
/usr/bin/time -f "%e s wall" "$build/smlm" localize "$tmp/m.tif" -o "$tmp/l.csv"
rm -rf "$tmp"
