#!/usr/bin/env bash
# `dlcc train` end to end on real data: python3-sklearn's handwritten digits (1,797 8x8
# images; 360 held out), a small CNN with random weights (tests/train/digits.py), AdamW with a
# cosine schedule for 25 epochs. The held-out accuracy dlcc train reports after the last
# epoch must be at least 97%; the trained model it exports (-o) must give onnxruntime the same
# predictions as `dlcc run` gives on the held-out images, at least 97% of them right; the
# curves (--plot) are an SVG with both panels; the checkpoint (--checkpoint) is written.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
torch_python=${DLCC_TORCH_PYTHON:-/usr/bin/python3}

"$torch_python" "$SOURCE_DIR/tests/train/digits.py" data . &&
  "$PYTHON" "$SOURCE_DIR/tests/train/digits.py" model . || { fail "cannot make the data"; finish; }

checks=$((checks + 1))
if ! "$DLCC" train digits.onnx --data=train --val=val --batch=32 --epochs=25 --seed=1 \
     --optimizer=adamw --lr=0.003 --schedule=cosine --device=host --threads=2 \
     --plot=curves.svg --checkpoint=digits.ckpt -o trained.onnx >out.txt 2>err.txt; then
  fail "dlcc train failed: $(cat err.txt)"
  finish
fi
accuracy=$(grep -E '^epoch 25/25' out.txt | sed -E 's/.*held-out loss [0-9.]+ acc ([0-9.]+)%.*/\1/')
echo "held-out accuracy after 25 epochs: $accuracy%"
checks=$((checks + 1))
awk -v a="$accuracy" 'BEGIN { exit !(a + 0 >= 97.0) }' || fail "held-out accuracy '$accuracy', expected >= 97%"
checks=$((checks + 1))
[ -s digits.ckpt ] || fail "no checkpoint written"
checks=$((checks + 1))
grep -q '<svg' curves.svg && grep -q 'held out' curves.svg && [ "$(grep -c '<polyline' curves.svg)" -eq 4 ] ||
  fail "curves.svg is not the two-panel plot"

checks=$((checks + 1))
if ! "$DLCC" run trained.onnx --device=host --dim batch=360 --input input=val/input.npy \
     --output-dir=run -q 2>err.txt; then
  fail "dlcc run of the trained model failed: $(cat err.txt)"
else
  "$PYTHON" - <<'PY' || fail "onnxruntime disagrees with dlcc on the trained model"
import numpy as np, onnxruntime as ort
x, y = np.load("val/input.npy"), np.load("val/labels.npy")
ours = np.load("run/logits.npy")
theirs = ort.InferenceSession("trained.onnx").run(None, {"input": x})[0]
agree = (ours.argmax(1) == theirs.argmax(1)).mean()
right = (theirs.argmax(1) == y).mean()
print(f"onnxruntime: {100 * right:.2f}% right, predictions agree with dlcc on {100 * agree:.2f}%")
np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
assert agree == 1.0 and right >= 0.97
PY
fi
finish
