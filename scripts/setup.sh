#!/usr/bin/env bash
# Installs smlm's Debian packages if any is missing, then configures and builds into build/.
# The CUDA/cuDNN path is compiled whenever nvcc is found (/usr/local/cuda), GPU or not.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make g++ pkg-config libceres-dev libeigen3-dev libtiff-dev libpng-dev
          libhdf5-dev zlib1g-dev libdnnl-dev libgtest-dev libbenchmark-dev libfftw3-dev)
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

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${SMLM_CMAKE_ARGS:-} >&2
cmake --build build -j "$(nproc)" >&2
