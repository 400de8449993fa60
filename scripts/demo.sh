#!/usr/bin/env bash
# `make demo`: generates the example models, then shows what dlcc makes of them: the text IR
# of an optimized model, a one-line summary of each, and a picture of ResNet-18's graph.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Usage: scripts/demo.sh [BUILD_DIR] [OUT_DIR]. Without OUT_DIR, models go to BUILD_DIR/models
# (where the tests find them too) and results to BUILD_DIR/demo; with it, both go under OUT_DIR.
build=$(cd "${1:-build}" && pwd)
dlcc=$build/tools/dlcc/dlcc
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  out=$(cd "$2" && pwd)
  models=$out/models
else
  out=$build/demo
  models=$build/models
fi
mkdir -p "$out"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
section() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }

section "Generating example ONNX models (tests/models/generate_all.py)"
python=${PYTHON:-$build/venv/bin/python}
"$python" "$source_dir/tests/models/generate_all.py" "$models" >/dev/null
ls "$models"/*.onnx | sed "s|^$build/||"

cd "$source_dir"
section "A hand-written model in dlcc's text IR, optimized (-O2 drops its inference-mode Dropout)"
show "$dlcc" inspect examples/mlp.dlir -O2 --stats

section "An ONNX model imported and optimized (large weights elided on stdout)"
show "$dlcc" inspect "$models/mlp.onnx" -O2

section "Summaries (--stats) of every example model at -O2"
for model in "$models"/*.onnx; do
  "$dlcc" inspect "$model" -O2 --stats -o "$out/$(basename "$model" .onnx).dlir"
done

section "Passes at work on ResNet-18 (--time-passes)"
"$dlcc" inspect "$models/resnet18.onnx" -O2 --time-passes --verify-each -o "$out/resnet18.dlir"

# run_and_compare STEM [dlcc run options]: runs build/models/STEM.onnx on the host device with
# its saved input and prints the largest difference from onnxruntime's output.
run_and_compare() {
  local stem=$1
  shift
  local run_dir=$out/run/$stem input_name
  rm -rf "$run_dir"
  input_name=$("$python" -c 'import onnx, sys; print(onnx.load(sys.argv[1], load_external_data=False).graph.input[0].name)' "$models/$stem.onnx")
  "$dlcc" run "$models/$stem.onnx" --device=host --input "$input_name=$models/$stem.input.npy" \
    --output-dir "$run_dir" "$@" || { echo "demo: dlcc run failed on $stem.onnx"; exit 1; }
  "$python" - "$run_dir" "$models/$stem.output.npy" <<'PY'
import glob, sys
import numpy as np
produced = np.load(sorted(glob.glob(f"{sys.argv[1]}/*.npy"))[0])
expected = np.load(sys.argv[2])
print(f"  max |dlcc - onnxruntime| = {np.max(np.abs(produced - expected)):.3g} over {expected.size} values")
PY
}

section "Running the ONNX MLP on the host device, checked against onnxruntime"
run_and_compare mlp

section "ResNet-18 on the host device: where the time goes (--profile)"
run_and_compare resnet18 --profile --repeat 3

section "Pictures and dumps"
"$dlcc" inspect "$models/resnet18.onnx" -O2 --format=dot -o "$out/resnet18.dot"
"$dlcc" inspect "$models/resnet18.onnx" -O2 --format=json -o "$out/resnet18.json"
echo "text IR dumps (weights in .dlir.bin side files): $out/*.dlir"
echo "ResNet-18 as JSON:                               $out/resnet18.json"
if command -v dot >/dev/null; then
  dot -Tsvg "$out/resnet18.dot" -o "$out/resnet18.svg"
  echo "ResNet-18 graph picture:                         $out/resnet18.svg (from resnet18.dot)"
else
  echo "ResNet-18 graph in DOT:                          $out/resnet18.dot (install graphviz to render)"
fi
