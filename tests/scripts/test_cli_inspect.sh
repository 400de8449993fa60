#!/usr/bin/env bash
# `dlcc inspect` outputs: text IR on stdout (large constants elided) and to a file (large
# constants in FILE.bin, found again after the folder moves), --elide-constants, ONNX input
# with --dim, --stats, and that each dump parses back to the same text.
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() { "$DLCC" "$@" || fail "dlcc $* exited $?"; }
contains() { grep -qE -- "$2" "$1" || fail "$1 lacks /$2/"; }
lacks() { ! grep -qE -- "$2" "$1" || fail "$1 has /$2/"; }

model=$SOURCE_DIR/examples/mlp.dlir

# stdout: small constants inline, large ones elided, no side file anywhere.
run inspect "$model" >"$WORK_DIR/stdout.dlir"
contains "$WORK_DIR/stdout.dlir" '^dlir 1$'
contains "$WORK_DIR/stdout.dlir" 'const %w1: f32\[4,8\] = elided'
contains "$WORK_DIR/stdout.dlir" 'const %b2: f32\[3\] = \[0\.49'
contains "$WORK_DIR/stdout.dlir" 'Dropout\(%a\) name "dropout1"'

# -o FILE: large constants go to FILE.bin, referred to by its bare name.
mkdir -p "$WORK_DIR/dump"
run inspect "$model" -o "$WORK_DIR/dump/mlp.dlir"
[ -s "$WORK_DIR/dump/mlp.dlir.bin" ] || fail "no side file mlp.dlir.bin"
contains "$WORK_DIR/dump/mlp.dlir" 'const %w1: f32\[4,8\] = file "mlp\.dlir\.bin" offset 0 size 128'
lacks "$WORK_DIR/dump/mlp.dlir" "$WORK_DIR"
# The folder moves as a whole: the dump still loads, with its weights (a reprint to a new
# file writes the same bytes again, so the two side files match).
mv "$WORK_DIR/dump" "$WORK_DIR/moved"
run inspect "$WORK_DIR/moved/mlp.dlir" -o "$WORK_DIR/again.dlir"
cmp -s "$WORK_DIR/moved/mlp.dlir.bin" "$WORK_DIR/again.dlir.bin" || fail "side files differ after a move"
sed 's/again\.dlir\.bin/mlp.dlir.bin/' "$WORK_DIR/again.dlir" | cmp -s - "$WORK_DIR/moved/mlp.dlir" ||
  fail "reprinted dump differs from the moved one"
# And on stdout the moved dump reads exactly like the original model.
"$DLCC" inspect "$WORK_DIR/moved/mlp.dlir" | cmp -s - "$WORK_DIR/stdout.dlir" ||
  fail "moved dump prints differently from the original"

# --elide-constants with -o: no side file, constants elided.
run inspect "$model" --elide-constants -o "$WORK_DIR/elided.dlir"
[ ! -e "$WORK_DIR/elided.dlir.bin" ] || fail "--elide-constants wrote a side file"
contains "$WORK_DIR/elided.dlir" 'const %w1: f32\[4,8\] = elided'
# A stale side file from an earlier dump is removed rather than left to mislead.
echo stale >"$WORK_DIR/elided.dlir.bin"
run inspect "$model" --elide-constants -o "$WORK_DIR/elided.dlir"
[ ! -e "$WORK_DIR/elided.dlir.bin" ] || fail "a stale side file survived"

# -oFILE spelling and option order do not matter.
run inspect -O1 "-o$WORK_DIR/joined.dlir" "$model"
contains "$WORK_DIR/joined.dlir" 'graph "mlp"'
# -O1 removed the inference-mode Dropout.
lacks "$WORK_DIR/joined.dlir" 'Dropout'

# "-o -" is standard output, as with compilers: same text, no file named "-".
(cd "$WORK_DIR" && "$DLCC" inspect "$model" -o -) | cmp -s - "$WORK_DIR/stdout.dlir" || fail "-o - differs from stdout"
[ ! -e "$WORK_DIR/-" ] && [ ! -e "$WORK_DIR/-.bin" ] || fail "-o - wrote a file named '-'"

# --stats: one summary line on stderr, stdout unchanged.
"$DLCC" inspect "$model" --stats >"$WORK_DIR/stats.out" 2>"$WORK_DIR/stats.err" || fail "--stats failed"
contains "$WORK_DIR/stats.err" "^graph 'mlp': 1 input, 1 output, 5 nodes \(Dropout 1, Gemm 2, Relu 1, Softmax 1\), 4 constants \(268 B\)$"
cmp -s "$WORK_DIR/stats.out" "$WORK_DIR/stdout.dlir" || fail "--stats changed stdout"

# ONNX models, optimized, dumped to a file and read back: the text is a fixed point.
for onnx in mlp small_cnn transformer_encoder; do
  [ -f "$MODELS_DIR/$onnx.onnx" ] || { fail "missing test model $onnx.onnx"; continue; }
  run inspect "$MODELS_DIR/$onnx.onnx" -O2 -o "$WORK_DIR/$onnx.dlir"
  run inspect "$WORK_DIR/$onnx.dlir" -o "$WORK_DIR/$onnx.round.dlir"
  sed "s/$onnx\.round\.dlir\.bin/$onnx.dlir.bin/" "$WORK_DIR/$onnx.round.dlir" |
    cmp -s - "$WORK_DIR/$onnx.dlir" || fail "$onnx: dump → parse → dump is not byte-identical"
done

# --dim binds a symbolic dimension of an ONNX model; without it the dump keeps the symbol.
"$PYTHON" - "$WORK_DIR/symbolic.onnx" <<'PY'
import sys
from onnx import TensorProto, helper, save
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "symbolic", [x], [y])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
PY
run inspect "$WORK_DIR/symbolic.onnx" -o "$WORK_DIR/symbolic.dlir"
contains "$WORK_DIR/symbolic.dlir" '^  symbol batch$'
contains "$WORK_DIR/symbolic.dlir" 'input %x: f32\[batch,4\]'
run inspect "$WORK_DIR/symbolic.onnx" --dim batch=3 -o "$WORK_DIR/bound.dlir"
lacks "$WORK_DIR/bound.dlir" 'symbol batch'
contains "$WORK_DIR/bound.dlir" 'input %x: f32\[3,4\]'
contains "$WORK_DIR/bound.dlir" '%y: f32\[3,4\] = Relu\(%x\)'

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all inspect output checks passed"
