#!/usr/bin/env bash
# Seed corpora for the libFuzzer targets: small valid files of every format, made with the smlm
# command itself, plus the interop fixtures of tests/data. Nothing here is committed but this
# script; the corpora (and what the fuzzers add to them) live outside the tree.
#
#   fuzz/make_seeds.sh BUILD/smlm OUT        → OUT/<target>/ for each target of fuzz/CMakeLists.txt
set -euo pipefail
smlm=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../tests/data
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for t in tiff csv picasso_hdf5 picasso_yaml smlm_zip ply calibration calibration_yaml model \
         filter; do
  mkdir -p "$out/$t"
done
export OMP_NUM_THREADS=1
run() { "$smlm" "$@" > log 2>&1 || { cat log >&2; exit 1; }; }

# Movies, their truth and localizations: two sizes, two PSFs.
run simulate -o m.tif --truth t.csv --frames 3 --size 16 --density 4 --seed 1
run simulate -o m2.tif --truth t2.csv --frames 2 --size 12x9 --density 6 --seed 2 \
  --psf pupil:astigmatism --z-range -300,300
run localize m.tif -o l.csv
cp m.tif m2.tif "$out/tiff/"
cp t.csv t2.csv l.csv "$out/csv/"
# Every table format, from a 2D and a 3D table.
for s in l t2; do
  run convert $s.csv -o $s.hdf5 --pixel-size 100
  run convert $s.csv -o $s.ply
  run convert $s.csv -o $s.smlm
  cp $s.hdf5 "$out/picasso_hdf5/"
  cp $s.yaml "$out/picasso_yaml/"
  cp $s.ply "$out/ply/"
  cp $s.smlm "$out/smlm_zip/"
done
cp "$data"/*.hdf5 "$out/picasso_hdf5/"
cp "$data"/*.yaml "$out/picasso_yaml/"

# A PSF calibration from a tiny astigmatic bead stack (two beads, 21 slices of 32×32 px).
python3 - <<'PY'
import math, struct
w, h, n = 32, 32, 21
beads = [(8.3, 9.6), (23.4, 22.1)]
pages = []
for k in range(n):
    z = -400.0 + 40.0 * k
    sx = 1.3 * math.sqrt(1 + ((z + 200) / 320) ** 2)
    sy = 1.4 * math.sqrt(1 + ((z - 220) / 300) ** 2)
    px = []
    for y in range(h):
        for x in range(w):
            v = 108.0
            for bx, by in beads:
                v += 20000 / (2 * math.pi * sx * sy) * math.exp(
                    -0.5 * (((x - bx) / sx) ** 2 + ((y - by) / sy) ** 2))
            px.append(min(65535, int(round(v))))
    pages.append(struct.pack("<%dH" % (w * h), *px))
# Classic little-endian TIFF, one strip per page, uint16.
out = bytearray(b"II*\x00\x00\x00\x00\x00")
ifd_offsets = []
for i, img in enumerate(pages):
    data_off = len(out)
    out += img
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 16), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, data_off), (277, 3, 1, 1), (278, 3, 1, h),
               (279, 4, 1, len(img))]
    ifd_offsets.append(len(out))
    out += struct.pack("<H", len(entries))
    for tag, typ, cnt, val in entries:
        out += struct.pack("<HHI", tag, typ, cnt)
        out += struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val)
    out += b"\x00\x00\x00\x00"
struct.pack_into("<I", out, 4, ifd_offsets[0])
for a, b in zip(ifd_offsets, ifd_offsets[1:]):
    struct.pack_into("<I", out, a + 2 + 9 * 12, b)
open("beads.tif", "wb").write(out)
PY
run calibrate beads.tif --z-step 40 --bead-window 5 -o psf.h5
run calibrate beads.tif --z-step 40 --bead-window 5 --model spline -o psf_spline.h5
cp psf.h5 psf_spline.h5 "$out/calibration/"

# ThunderSTORM's two calibration forms.
cat > "$out/calibration_yaml/huang.yaml" <<'Y'
!!cz.cuni.lf1.lge.ThunderSTORM.calibration.DaostormCalibration
a1: 0.1
a2: -0.05
angle: 0.01
b1: 0.02
b2: 0.03
c1: -212.5
c2: 198.0
d1: 350.0
d2: 330.0
homography: null
isBiplane: false
name: Huang '08
w01: 2.6
w02: 2.8
Y
cat > "$out/calibration_yaml/polynomial.yaml" <<'Y'
!!cz.cuni.lf1.lge.ThunderSTORM.calibration.PolynomialCalibration {a1: 1.2E-5, a2: 1.1e-5, angle: -0.02, b1: 1.6, b2: 1.7, c1: -150.0, c2: 160.0, d1: 0.0, d2: 1.0e-9, isBiplane: false, name: ThunderSTORM, w01: 0.0, w02: 0.0}
Y

# A Deep-STORM model, as small as the options allow.
run train deepstorm -o model.h5 --steps 1 --upsampling 2 --widths 2,2,2,2 --patch 8 \
  --batch 1 --epoch-steps 1
cp model.h5 "$out/model/"

# Filter expressions.
i=0
for e in 'intensity > 500 && uncertainty_xy < 20 || frame >= 100' '!(x < 1e3) && y != 2.5' \
         '((frame)) == 0 || photons >= bg' 'x < y < intensity' 'uncertainty <= -1.5E-3'; do
  printf '%s' "$e" > "$out/filter/$i.txt"
  i=$((i + 1))
done
du -sh "$out"/* | sed "s|$out/||"
