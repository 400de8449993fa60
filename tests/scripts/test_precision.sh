#!/usr/bin/env bash
# --precision=f16|bf16 beyond the outputs (test_run_models_16bit.sh bounds those):
# - `dlcc compile -O2 --report`: as many launches as in f32 (every Cast is fused), the weights
#   in half the bytes (each weight is padded to 256 bytes: up to 1% and 8 KiB more), modeled
#   DRAM bytes at most 0.65 of f32's (32-bit still: the input image the first Conv reads, the
#   f32 outputs, split-K partial sums), the arena within 1.05 of the live-set lower bound;
# - the f16 and bf16 PTX through ptxas for sm_75, sm_80 and sm_90 (check_compile_report.py:
#   accepted, no spills, no .extern .func);
# - the cuda device on the fake libcuda gives the host device's bits, and the sanitizer reports
#   nothing in the 16-bit kernels;
# - a bundle keeps the f32 interface; bad values and training steps are refused.
# The ASan+UBSan build (a Debug dlcc, $DLCC_ASAN_BUILD=1) compiles the small models only.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}" "${FAKECUDA:?}"
source "$SOURCE_DIR/tests/scripts/expect.sh"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
W=$WORK_DIR
models="transformer_encoder small_cnn"
[ "${DLCC_ASAN_BUILD:-0}" = 1 ] || models="$models torchvision_resnet18 torchvision_resnet50 torchvision_mobilenet_v2 torch_encoder"

report() { # MODEL PRECISION TARGET: compiles, leaves $W/MODEL.PRECISION.TARGET.{ptx,json}
  "$DLCC" compile "$MODELS_DIR/$1.onnx" -O2 --precision=$2 --emit=ptx --target=$3 \
    --report="$W/$1.$2.$3.json" -o "$W/$1.$2.$3.ptx" 2>"$W/$1.$2.$3.stderr"
}

for model in $models; do
  checks=$((checks + 1))
  if ! report $model f32 sm_80 || ! report $model f16 sm_80; then
    fail "$model: dlcc compile failed: $(cat "$W/$model".*.stderr | head -c 2000)"
    continue
  fi
  verdict=$("$PYTHON" - "$W/$model.f32.sm_80.json" "$W/$model.f16.sm_80.json" <<'PY'
import json, sys
f32, f16 = (json.load(open(path)) for path in sys.argv[1:3])
problems = []
if f16["precision"] != "f16":
    problems.append(f"report precision {f16['precision']!r}")
if f16["launches"] != f32["launches"]:
    problems.append(f"{f16['launches']} launches, {f32['launches']} in f32")
if not f32["weight_bytes"] / 2 <= f16["weight_bytes"] <= 0.51 * f32["weight_bytes"] + 8192:
    problems.append(f"weights {f16['weight_bytes']} B, f32 {f32['weight_bytes']} B")
if f16["dram_bytes"] > 0.65 * f32["dram_bytes"]:
    problems.append(f"modeled DRAM {f16['dram_bytes']} B, f32 {f32['dram_bytes']} B")
if f16["arena_bytes"] > 1.05 * f16["live_lower_bound_bytes"]:
    problems.append(f"arena {f16['arena_bytes']} B, live lower bound {f16['live_lower_bound_bytes']} B")
print("; ".join(problems) or
      f"{f16['launches']} launches, DRAM {f16['dram_bytes'] / f32['dram_bytes']:.2f} of f32's")
sys.exit(1 if problems else 0)
PY
  ) && echo "ok   $model report: $verdict" || fail "$model report: $verdict"
done

# ptxas: f16 and bf16 kernels (conversions, 16-bit loads and stores) for every target.
for model in transformer_encoder small_cnn; do
  for precision in f16 bf16; do
    for target in sm_75 sm_80 sm_90; do
      checks=$((checks + 1))
      stem=$W/$model.$precision.$target
      if ! report $model $precision $target; then
        fail "$model $precision $target: dlcc compile failed: $(head -c 2000 "$stem.stderr")"
        continue
      fi
      verdict=$("$PYTHON" "$SOURCE_DIR/tests/scripts/check_compile_report.py" "$stem.json" \
        "$stem.ptx" $target)
      case $? in
      0) echo "ok   $model $precision $target: $verdict" ;;
      2) echo "ok   $model $precision $target (ptxas not found): $verdict" ;;
      *) fail "$model $precision $target: $verdict" ;;
      esac
    done
  done
done

# The fake libcuda runs the PTX's host twins: the same bits as the host device; and the
# sanitizer's checked twins report nothing.
for precision in f16 bf16; do
  for device in host cuda; do
    checks=$((checks + 1))
    DLRT_LIBCUDA=$FAKECUDA "$DLCC" run "$MODELS_DIR/small_cnn.onnx" --precision=$precision \
      --device=$device --input "image=$MODELS_DIR/small_cnn.input.npy" -q \
      --output-dir "$W/run.$precision.$device" >"$W/run.$precision.$device.log" 2>&1 ||
      fail "small_cnn $precision on $device: $(head -c 2000 "$W/run.$precision.$device.log")"
  done
  checks=$((checks + 1))
  cmp -s "$W/run.$precision.host/logits.npy" "$W/run.$precision.cuda/logits.npy" ||
    fail "small_cnn $precision: the fake cuda device and the host device differ"
  expect 0 '' -- run "$MODELS_DIR/transformer_encoder.onnx" --precision=$precision --sanitize -q \
    --input "tokens=$MODELS_DIR/transformer_encoder.input.npy"
done

# A bundle compiled with 16-bit storage keeps its f32 inputs and outputs.
mkdir -p "$W/bundle"
expect 0 '' -- compile "$MODELS_DIR/small_cnn.onnx" --precision=f16 --emit=bundle \
  --target=host -o "$W/bundle/cnn"
checks=$((checks + 1))
"$PYTHON" -c 'import json, sys
bundle = json.load(open(sys.argv[1]))
sys.exit(any(t["dtype"] != "f32" for t in bundle["inputs"] + bundle["outputs"]))' \
  "$W/bundle/cnn.json" || fail "the f16 bundle's interface is not f32: $(head -c 2000 "$W/bundle/cnn.json")"

# --emit=onnx writes the 16-bit graph (f16 weights, the Casts inside the dlcc-domain groups):
# onnxruntime runs it, within the same bound of its f32 reference as dlcc's own run.
expect 0 '' -- compile "$MODELS_DIR/small_cnn.onnx" --precision=f16 --emit=onnx -o "$W/cnn16.onnx"
checks=$((checks + 1))
verdict=$("$PYTHON" - "$W/cnn16.onnx" "$MODELS_DIR" <<'PY'
import sys
import numpy as np
import onnxruntime
model, models = sys.argv[1:3]
x = np.load(f"{models}/small_cnn.input.npy")
reference = np.load(f"{models}/small_cnn.output.npy")
session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
kinds = {i.type for i in session.get_inputs()}
y = session.run(None, {"image": x})[0]
units = np.abs(y - reference).max() / np.abs(reference).max() / 2.0**-11
print(f"{y.dtype}, {units:.1f} units of f16 rounding, inputs {sorted(kinds)}")
sys.exit(0 if y.dtype == np.float32 and units <= 64 else 1)
PY
) && echo "ok   --emit=onnx --precision=f16: $verdict" || fail "--emit=onnx --precision=f16: $verdict"

expect 1 "unknown --precision 'f8' \(known: f32, f16, bf16\)" -- \
  compile "$MODELS_DIR/mlp.onnx" --precision=f8 -o "$W/bad.ptx"
expect 1 "to-f16: the graph has states" -- \
  compile "$MODELS_DIR/mlp.onnx" --train --loss=mse --precision=f16 -o "$W/train.ptx"
expect 1 "unknown option '--precision=f16'" -- train "$MODELS_DIR/mlp.onnx" --precision=f16
finish
