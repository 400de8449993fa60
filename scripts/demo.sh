#!/usr/bin/env bash
# `make demo`: builds the example model and shows what dlcc makes of it.
set -euo pipefail
build=${1:-build}
"$build/tools/dlcc/dlcc"
