#!/usr/bin/env bash
# `make demo` (scripts/demo.sh) runs to the end and shows the text IR, summaries, pass times
# and the pictures it promises.
set -u
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${PYTHON:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
contains() { grep -qE -- "$2" "$1" || fail "demo output lacks /$2/"; }

PYTHON=$PYTHON bash "$SOURCE_DIR/scripts/demo.sh" "$BUILD_DIR" "$WORK_DIR/demo" >"$WORK_DIR/demo.log" 2>&1 ||
  fail "demo.sh exited $?: $(tail -n 5 "$WORK_DIR/demo.log")"
log=$WORK_DIR/demo.log
contains "$log" '^dlir 1$'
contains "$log" '%probs: f32\[1,3\] @arena\[[0-9]+\] = Softmax\(%logits\)'
contains "$log" "^graph 'mlp': 1 input, 1 output, 5 nodes \(Gemm 2, Relu 1, Softmax 1, dl.group 1\)"
contains "$log" "^graph 'resnet18': 1 input, 1 output, [0-9]+ nodes \(.*Conv 20"
contains "$log" '%  dce$'
contains "$log" 'max \|dlcc - onnxruntime\||dlcc run cannot run this model yet'
for file in resnet18.svg resnet18.json resnet18.dlir resnet18.dlir.bin; do
  [ -s "$WORK_DIR/demo/$file" ] || fail "demo did not write $file"
  contains "$log" "$WORK_DIR/demo/"
done
grep -q '<svg' "$WORK_DIR/demo/resnet18.svg" || fail "resnet18.svg is not an SVG"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "demo checks passed"
