#!/usr/bin/env bash
# `dlcc run --sanitize` as a user meets it: a clean model reports nothing and exits 0; a
# kernel with a forgotten barrier (the test-only $DLCC_TEST_DROP_BARRIER drops the 2nd
# kb_barrier of every kernel: the tiled GEMM's end-of-K-step barrier) exits 3 with a report
# naming the kernel, the shared array and both accesses' sources; $DLRT_SANITIZE=1 turns it
# on too; the cuda device is refused.
set -u
: "${DLCC:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
model=$MODELS_DIR/small_cnn.onnx

expect 0 'sanitizer: 0 reports' -- run "$model" --sanitize
DLRT_SANITIZE=1 expect 0 'sanitizer: 0 reports' -- run "$MODELS_DIR/mlp.onnx"
expect 1 '--sanitize runs checked kernels on the host device' -- run "$model" --sanitize --device=cuda
DLCC_TEST_DROP_BARRIER=2 expect 3 \
  "data race \(write after read\) in kernel 'small_cnn_[^']*conv[^']*'" -- run "$model" --sanitize
DLCC_TEST_DROP_BARRIER=2 expect 3 'shared array 0 \(bytes 0\.\.4351 of shared memory\)' -- \
  run "$model" --sanitize -q
# Both sources, each with the lowering functions that built it (a helper and its callers).
DLCC_TEST_DROP_BARRIER=2 expect 3 'write by thread .*tiled_gemm\.c:[0-9]+ \(tg_store_f32\) from .*\(stage_slice\)' -- \
  run "$model" --sanitize -q
DLCC_TEST_DROP_BARRIER=2 expect 3 'read by thread .*tiled_gemm\.c:[0-9]+ \(tg_load_f32\) from .*\(multiply_slices\)' -- \
  run "$model" --sanitize -q
DLCC_TEST_DROP_BARRIER=2 expect 3 'the sanitizer reported [0-9]+ kernel problems' -- \
  run "$model" --sanitize -q
# Without the sanitizer the same mutated kernels give no sign of the bug on the host.
DLCC_TEST_DROP_BARRIER=2 expect 0 'output logits' -- run "$model" --device=host
finish
