#!/usr/bin/env bash
# Installs smlm's Debian packages if any is missing, then configures and builds into build/.
# The CUDA/cuDNN path is compiled whenever nvcc is found (/usr/local/cuda), GPU or not.
#
#   bash scripts/setup.sh          everything: the smlm command, libsmlm, the Python module, the
#                                  tests and the benchmarks (what scripts/test.sh needs)
#   bash scripts/setup.sh --cli    only the smlm command and the packages it needs (the demo)
#
# Extra CMake options go through SMLM_CMAKE_ARGS, e.g. SMLM_CMAKE_ARGS=-DSMLM_ENABLE_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."

cli_only=0
[ "${1:-}" = --cli ] && cli_only=1

# What the smlm command needs to build. libdnnl-dev's CMake config loads OpenCL's, and Debian
# only recommends ocl-icd-opencl-dev, which --no-install-recommends leaves out.
packages=(cmake make g++ pkg-config libceres-dev libeigen3-dev libtiff-dev libpng-dev
          libhdf5-dev zlib1g-dev libzip-dev libfftw3-dev libdnnl-dev ocl-icd-opencl-dev)
# What the tests, the benchmarks and the Python module need besides.
[ $cli_only = 1 ] || packages+=(libgtest-dev libbenchmark-dev python3-dev python3-numpy
                                python3-pytest pybind11-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

args=(-DCMAKE_BUILD_TYPE=Release)
if [ $cli_only = 1 ]; then
  targets=(--target smlm_cli)
  args+=(-DSMLM_BUILD_TESTS=OFF -DSMLM_BUILD_BENCH=OFF -DSMLM_BUILD_PYTHON=OFF)
else
  targets=()
  # The Python module is built for Debian's python3, whose numpy and pytest were installed above
  # (a python3 earlier on PATH, e.g. pyenv's, may lack them).
  args+=(-DSMLM_BUILD_TESTS=ON -DSMLM_BUILD_BENCH=ON -DSMLM_BUILD_PYTHON=ON
         -DPython_EXECUTABLE=/usr/bin/python3)
fi
# Rebuilds of the same sources (other build folders, fresh clones) come from ccache when it is there.
if command -v ccache >/dev/null; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086  # SMLM_CMAKE_ARGS holds several words on purpose
cmake -S . -B build "${args[@]}" ${SMLM_CMAKE_ARGS:-} >&2
cmake --build build -j "$(nproc)" "${targets[@]}" >&2
