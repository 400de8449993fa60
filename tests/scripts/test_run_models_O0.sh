#!/usr/bin/env bash
# Every generated test model again at -O0 (no graph pass: unfused kernels, one per node),
# against the same onnxruntime references as test_run_models.sh at the default -O2: the
# passes change how a model runs, never what it computes.
set -eu
: "${SOURCE_DIR:?}"
MODELS_RUN_OPTIONS=-O0 exec bash "$SOURCE_DIR/tests/scripts/test_run_models.sh"
