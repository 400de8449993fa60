#!/usr/bin/env bash
# `dlcc compile --emit=onnx`: the optimized graph as an ONNX model. For representative test
# models at -O1 (clean-up only) and -O2 (fused groups as functions of the dlcc domain), the
# written model passes onnx's checker, onnxruntime runs it (inlining the group functions)
# and gives the generator's reference output (rtol 1e-4, atol 1e-5), and at -O2 it has one
# dlcc node and one function per kernel group of `--emit=ir`. A graph whose constants were
# elided from a text dump cannot be exported: a clear error, exit 1, no file.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"

for model in mlp small_cnn transformer_encoder torch_encoder torchvision_efficientnet_b0; do
  for level in 1 2; do
    out=$model.O$level.onnx
    checks=$((checks + 1))
    if ! "$DLCC" compile "$MODELS_DIR/$model.onnx" --emit=onnx -O$level -o "$out" 2>err.txt; then
      fail "$model -O$level: $(cat err.txt)"
      continue
    fi
    "$DLCC" compile "$MODELS_DIR/$model.onnx" --emit=ir -O$level -o "$model.O$level.dlir" 2>/dev/null
    groups=$(grep -c '= dl.group(' "$model.O$level.dlir")
    "$PYTHON" - "$out" "$MODELS_DIR/$model" "$groups" <<'PY' || fail "$out"
import sys
import numpy as np, onnx, onnxruntime as ort
path, stem, groups = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = onnx.load(path)
onnx.checker.check_model(model)
calls = [n for n in model.graph.node if n.domain == "dlcc"]
if len(calls) != groups or len(model.functions) != groups:
    sys.exit(f"{path}: {len(calls)} dlcc nodes and {len(model.functions)} functions for {groups} groups")
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
feeds = {session.get_inputs()[0].name: np.load(stem + ".input.npy")}
actual, reference = session.run(None, feeds)[0], np.load(stem + ".output.npy")
if not np.allclose(actual, reference, rtol=1e-4, atol=1e-5):
    sys.exit(f"{path}: max abs error {np.abs(actual - reference).max()}")
print(f"ok {path}: {groups} groups")
PY
  done
done

# Elided constants: nothing to write.
"$DLCC" inspect "$MODELS_DIR/mlp.onnx" > elided.dlir 2>/dev/null
expect 1 "constant '.*' has no data" -- compile elided.dlir --emit=onnx -o elided.onnx
[ ! -e elided.onnx ] || fail "a failed export left elided.onnx"
finish
