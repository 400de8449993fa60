#!/usr/bin/env bash
# Every generated test model with 16-bit storage (--precision=f16, then bf16) on the host
# device, against the same onnxruntime fp32 references as test_run_models.sh: the error is
# bounded in units of the type's rounding (run_models.py says how and why). The ASan+UBSan
# build (a Debug dlcc, $DLCC_ASAN_BUILD=1) runs the small models only.
set -eu
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}"
if [ "${DLCC_ASAN_BUILD:-0}" = 1 ]; then
  export RUN_MODELS_EXCLUDE='^(torchvision_.*|resnet18)\.onnx$'
fi
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
status=0
for precision in f16 bf16; do
  "$PYTHON" "$SOURCE_DIR/tests/scripts/run_models.py" "$DLCC" "$MODELS_DIR" "$WORK_DIR/$precision" \
    --device=host --precision=$precision || status=1
done
exit $status
