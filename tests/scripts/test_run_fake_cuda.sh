#!/usr/bin/env bash
# The cuda device path end to end without a GPU: libdlrt opens the fake driver (built in the
# test tree), loads dlcc's PTX, and the fake runs each launch through its host twin. Outputs
# must match onnxruntime exactly as on the host device.
set -eu
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}" "${FAKECUDA:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
export DLRT_LIBCUDA=$FAKECUDA
exec "$PYTHON" "$SOURCE_DIR/tests/scripts/run_models.py" "$DLCC" "$MODELS_DIR" "$WORK_DIR" --device=cuda
