#!/usr/bin/env bash
# smlm against Picasso on one simulated filament movie (issue 13's yardstick): the demo's settings
# (scripts/demo.sh) over FRAMES frames with seed 2, localized by smlm's default pipeline
# (multi-emitter fitting), by smlm with --single-emitter (ThunderSTORM's default), and by
# `picasso localize -a mle -b 7` at each of several minimum net
# gradients (Picasso's detection threshold; its best is reported). Every table is scored by
# `smlm evaluate` against the same truth (Jaccard, RMSE, the SMLM Challenge's lateral efficiency),
# with the wall time and peak memory of each localization.
#
#   bash bench/picasso_compare.sh [FRAMES=5000] [THREADS=2]
#
# Needs a built smlm (build/smlm, or $SMLM) and Picasso in a virtual environment ($PICASSO, default
# /work/venv-peers/bin/picasso; `python3 -m venv V && V/bin/pip install picassosr`). Not a test:
# it takes minutes and needs the venv. Work files go to a temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-5000}
threads=${2:-2}
smlm=${SMLM:-$PWD/build/smlm}
picasso=${PICASSO:-/work/venv-peers/bin/picasso}
gradients=${GRADIENTS:-"150 200 300 500"}
[ -x "$smlm" ] || { echo "no smlm at $smlm (build it, or set SMLM)" >&2; exit 1; }
[ -x "$picasso" ] || { echo "no picasso at $picasso (set PICASSO)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=$threads NUMBA_NUM_THREADS=$threads

"$smlm" simulate -o "$work/movie.tif" --truth "$work/truth.csv" --frames "$frames" --size 128 \
  --structure filaments --density 0.15 --k-on 0.001 --k-off 0.5 --photons 2000 \
  --background 20 --psf-sigma 130 --pixel-size 100 --baseline 100 --photons-per-adu 1 --seed 2 \
  2>/dev/null
camera=(--pixel-size 100 --baseline 100 --photons-per-adu 1)

# One row: name, seconds, peak MB, then the evaluation's numbers.
row() {
  local name=$1 time_file=$2 table=$3
  local secs mb json
  secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$time_file" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; print s }')
  mb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$time_file" | awk '{ print $1 / 1024 }')
  json=$("$smlm" evaluate "$table" --truth "$work/truth.csv" 2>/dev/null)
  /usr/bin/python3 - "$name" "$secs" "$mb" "$json" <<'EOF'
import json, sys
name, secs, mb, j = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
print(f"| {name:<34} | {j['jaccard']:.3f} | {j['recall']:.3f} | {j['precision']:.3f} | "
      f"{j['rmse_lateral_nm']:5.1f} | {j['efficiency_lateral']:5.1f} | {secs:6.1f} | {mb:6.0f} |")
EOF
}

echo "filament movie: $frames frames of 128x128 px, demo settings, seed 2; $threads threads each"
echo "| localizer                          | JI    | recall | precision | RMSE [nm] | efficiency | time [s] | peak [MB] |"
echo "|---|---|---|---|---|---|---|---|"
/usr/bin/time -v "$smlm" localize "$work/movie.tif" -o "$work/smlm.csv" "${camera[@]}" \
  --threads "$threads" 2>"$work/t_smlm" >/dev/null
row "smlm (defaults)" "$work/t_smlm" "$work/smlm.csv"
/usr/bin/time -v "$smlm" localize "$work/movie.tif" -o "$work/smlm_single.csv" "${camera[@]}" \
  --threads "$threads" --single-emitter 2>"$work/t_single" >/dev/null
row "smlm --single-emitter" "$work/t_single" "$work/smlm_single.csv"
for g in $gradients; do
  rm -f "$work"/movie_locs.hdf5 "$work"/movie_locs.yaml
  /usr/bin/time -v "$picasso" localize "$work/movie.tif" -a mle -b 7 -g "$g" -bl 100 -s 1 \
    -ga 1 -qe 1 -px 100 >/dev/null 2>"$work/t_picasso"
  row "picasso mle -b 7 -g $g" "$work/t_picasso" "$work/movie_locs.hdf5"
done
