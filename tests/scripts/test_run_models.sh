#!/usr/bin/env bash
# Every generated test model runs on the host device with dlcc's kernels and matches
# onnxruntime (fp32: rtol 1e-4, atol 1e-5). $MODELS_RUN_OPTIONS: more `dlcc run` options
# (test_run_models_sanitize.sh).
set -eu
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
exec "$PYTHON" "$SOURCE_DIR/tests/scripts/run_models.py" "$DLCC" "$MODELS_DIR" "$WORK_DIR" --device=host \
  ${MODELS_RUN_OPTIONS:-}
