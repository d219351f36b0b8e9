#!/usr/bin/env bash
# The main job on a built-in default: simulate a movie with its ground truth, localize it, write
# the ThunderSTORM CSV and a rendered image, and print the accuracy against the truth.
# Outputs go to ${1:-demo-output}/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --cli
out=${1:-demo-output}
mkdir -p "$out"
smlm=build/smlm

echo "== simulate: 1000 frames of 128x128 px, blinking emitters on filaments" >&2
$smlm simulate -o "$out/movie.tif" --truth "$out/truth.csv" --frames 1000 --size 128 \
  --structure filaments --density 0.15 --k-on 0.001 --k-off 0.5 --photons 2000 \
  --background 20 --psf-sigma 130 --pixel-size 100 --baseline 100 --photons-per-adu 1 --seed 1
echo "== localize" >&2
$smlm localize "$out/movie.tif" -o "$out/locs.csv" --pixel-size 100 --baseline 100 \
  --photons-per-adu 1
echo "== render" >&2
$smlm render "$out/locs.csv" -o "$out/image.png" --pixel-size 10 --method gaussian
$smlm render "$out/locs.csv" -o "$out/image.tif" --pixel-size 10 --method gaussian
echo "== evaluate against the ground truth" >&2
$smlm evaluate "$out/locs.csv" --truth "$out/truth.csv" -o "$out/accuracy.json"
echo "outputs in $out/: movie.tif truth.csv locs.csv image.png image.tif accuracy.json" >&2
