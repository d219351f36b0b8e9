#!/usr/bin/env bash
# Sets up and builds smlm (scripts/setup.sh), then runs the whole test suite with ctest.
# Tests that need ../shared/data skip when it is absent; GPU tests skip without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
ctest --output-on-failure -j "$(nproc)"
