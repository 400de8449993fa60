#!/usr/bin/env bash
# `dlcc train` against python3-torch, step by step: for each case of tests/train/cases.py (an
# MLP with SGD+momentum+weight decay, Adam, MSE with Nesterov; a CNN with Conv/BN/ReLU/pool
# and SGD; a transformer-encoder layer with AdamW and gradient clipping) torch trains the
# network from the same initial weights on the same batches (dlcc train's shuffle), and
# dlcc train's loss at every one of the 20 steps and its weights and running statistics after
# the last (written back into the ONNX model with -o) must agree within fp32 tolerance
# (tests/train/compare.py says why those tolerances); one epoch of each also runs under the
# sanitizer, and its PTX goes through ptxas for sm_75, sm_80 and sm_90.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
torch_python=${DLCC_TORCH_PYTHON:-/usr/bin/python3}
cases=$("$PYTHON" -c "import sys; sys.path.insert(0, '$SOURCE_DIR/tests/train')
from cases import CASES; print(' '.join(CASES))")

for case in $cases; do
  checks=$((checks + 1))
  if ! "$torch_python" "$SOURCE_DIR/tests/train/torch_reference.py" "$case" "$case" ||
     ! "$PYTHON" "$SOURCE_DIR/tests/train/build_onnx.py" "$case" "$case"; then
    fail "$case: cannot make the reference"
    continue
  fi
  read -r -a options < <("$PYTHON" -c "import sys; sys.path.insert(0, '$SOURCE_DIR/tests/train')
from cases import dlcc_options; print(' '.join(dlcc_options('$case')))")
  if ! "$DLCC" train "$case/model.onnx" --data="$case/data" --device=host --threads=2 -q \
       "${options[@]}" --log="$case/log.csv" -o "$case/trained.onnx" 2>"$case/err.txt"; then
    fail "$case: dlcc train failed: $(cat "$case/err.txt")"
    continue
  fi
  "$PYTHON" "$SOURCE_DIR/tests/train/compare.py" "$case" "$case/log.csv" "$case/trained.onnx" ||
    fail "$case: differs from torch"
  # The step's kernels (forward, gradients, optimizer, state copies) and the evaluation's, run
  # checked under the sanitizer for an epoch: no race, missing barrier, out-of-bounds or
  # uninitialized read.
  checks=$((checks + 1))
  "$DLCC" train "$case/model.onnx" --data="$case/data" --sanitize --threads=2 -q "${options[@]}" \
    --epochs=1 --val-split=0.25 2>"$case/sanitize.txt" ||
    fail "$case: under the sanitizer: $(head -5 "$case/sanitize.txt")"
  # The same step as PTX, assembled by ptxas for the oldest and newest targets.
  step_options=()
  for option in "${options[@]}"; do
    case $option in
      --batch=*) batch=${option#--batch=} ;;
      --epochs=*) ;;
      *) step_options+=("$option") ;;
    esac
  done
  for target in sm_75 sm_80 sm_90; do
    checks=$((checks + 1))
    "$DLCC" compile "$case/model.onnx" --train "${step_options[@]}" --dim batch="$batch" --emit=ptx \
      --target=$target -o "$case/step.$target.ptx" --stats 2>"$case/ptxas.txt" &&
      grep -q "ptxas -arch=$target" "$case/ptxas.txt" ||
      fail "$case: PTX for $target: $(tail -3 "$case/ptxas.txt")"
  done
done
finish
