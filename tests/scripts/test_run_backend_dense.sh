#!/usr/bin/env bash
# ONNX backend node tests of the dense and data-movement ops (MatMul, Gemm, Conv, Concat,
# Transpose, Gather, Slice, Expand, Pad, Split) run through `dlcc run` on the host and
# compared with the wheel's reference outputs: an oracle from outside for those lowerings.
set -euo pipefail
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
# 53 of these matched when this test was written; the rest need shape inputs as constants.
exec "$PYTHON" "$SOURCE_DIR/tests/scripts/run_backend_nodes.py" "$DLCC" "$WORK_DIR" 50 \
  '^test_(matmul|gemm|conv|concat|transpose|gather_[0-9n]|slice|expand|constant_pad|edge_pad|reflect_pad|wrap_pad|split)' \
  --device=host
