#!/usr/bin/env bash
# Pass options of `dlcc inspect`: -O levels, --passes (unknown names list the known passes),
# --print-ir-after, --verify-each and --time-passes.
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
contains() { grep -qE -- "$2" "$1" || fail "$1 lacks /$2/"; }
lacks() { ! grep -qE -- "$2" "$1" || fail "$1 has /$2/"; }
# inspect NAME CODE ARGS...: runs dlcc inspect, keeping stdout/stderr in NAME.out/.err.
inspect() {
  local name=$1 code=$2
  shift 2
  "$DLCC" inspect "$@" >"$WORK_DIR/$name.out" 2>"$WORK_DIR/$name.err"
  local status=$?
  [ "$status" -eq "$code" ] || fail "dlcc inspect $* exited $status, expected $code: $(cat "$WORK_DIR/$name.err")"
}

# A model with something for each pass: an Identity, an inference-mode Dropout, a dead
# chain, an unused constant and shape arithmetic on constants.
cat >"$WORK_DIR/model.dlir" <<'DLIR'
dlir 1
graph "passes" {
  input %x: f32[2,3]
  const %unused: f32[2] = [1, 2]
  const %shape: i64[2] = [3, 2]
  const %one: i64[1] = [1]
  %i: f32[2,3] = Identity(%x) name "identity"
  %r: f32[2,3] = Relu(%i) name "relu"
  %d: f32[2,3] = Dropout(%r) name "dropout"
  %dead: f32[2,3] = Exp(%d) name "dead_exp"
  %dead2: f32[2,3] = Neg(%dead) name "dead_neg"
  %s: i64[2] = Add(%shape, %one) name "shape_add"
  %t: f32[3,2] = Reshape(%d, %shape) name "reshape"
  output %t
  output %s
}
DLIR
model=$WORK_DIR/model.dlir

inspect o0 0 "$model" -O0
contains "$WORK_DIR/o0.out" 'Identity'
contains "$WORK_DIR/o0.out" 'dead_neg'
for level in 1 2 3; do
  inspect o$level 0 "$model" -O$level --verify-each
  lacks "$WORK_DIR/o$level.out" 'Identity|Dropout|dead_exp|dead_neg|%unused|shape_add'
  contains "$WORK_DIR/o$level.out" '%r: f32\[2,3\] @arena\[[0-9]+\] = Relu\(%x\) name "relu"'
  contains "$WORK_DIR/o$level.out" 'const %s: i64\[2\] = \[4, 3\]'
  contains "$WORK_DIR/o$level.out" '^  output %t$'
done

# --passes replaces the -O pipeline and runs in the order given.
inspect dce_only 0 "$model" -O2 --passes=dce
lacks "$WORK_DIR/dce_only.out" 'dead_exp|dead_neg|%unused'
contains "$WORK_DIR/dce_only.out" 'Identity'
contains "$WORK_DIR/dce_only.out" 'shape_add'
inspect identity_only 0 "$model" --passes eliminate-identity
lacks "$WORK_DIR/identity_only.out" 'Identity|Dropout'
contains "$WORK_DIR/identity_only.out" 'dead_exp'

# Unknown pass names: exit 1, naming the pass and listing the known ones.
inspect unknown 1 "$model" --passes=dce,frobnicate
contains "$WORK_DIR/unknown.err" "^dlcc: error: bad --passes list"
contains "$WORK_DIR/unknown.err" "unknown pass 'frobnicate' \(known passes: fold-constants, .*eliminate-identity, .*dce, .*fuse"
inspect empty 1 "$model" --passes=dce,,dce
contains "$WORK_DIR/empty.err" "empty or overlong pass name"
inspect bad_after 1 "$model" --print-ir-after=nope
contains "$WORK_DIR/bad_after.err" "^dlcc: error: bad --print-ir-after list"
contains "$WORK_DIR/bad_after.err" "unknown pass 'nope' \(known passes: fold-constants, .*eliminate-identity, .*dce, .*fuse"

# --print-ir-after=P prints the text IR to stderr after P only; stdout still has the result.
inspect after_one 0 "$model" -O2 --print-ir-after=eliminate-identity
contains "$WORK_DIR/after_one.err" '^# ----- IR after eliminate-identity -----$'
lacks "$WORK_DIR/after_one.err" 'IR after (fold-constants|dce)'
contains "$WORK_DIR/after_one.err" 'dead_exp' # dce has not run yet
lacks "$WORK_DIR/after_one.out" 'dead_exp'
inspect after_two 0 "$model" -O2 --print-ir-after=dce,fold-constants
[ "$(grep -c '^# ----- IR after' "$WORK_DIR/after_two.err")" -eq 2 ] || fail "--print-ir-after=dce,fold-constants did not print 2 dumps"
lacks "$WORK_DIR/after_two.err" 'IR after eliminate-identity'
# --time-passes: one row per pass of the -O2 pipeline and a total, on stderr.
inspect timed 0 "$model" -O2 --time-passes
for pass in fold-constants combine-views eliminate-identity fold-batchnorm cse layer-norm-pattern gelu-pattern merge-matmuls attention-pattern dce fuse total; do
  contains "$WORK_DIR/timed.err" "^ +[0-9]+\.[0-9] +[0-9]+\.[0-9]%  $pass$"
done
passes=$(grep -cE '^ +[0-9]+\.[0-9] +[0-9]+\.[0-9]%  [a-z-]+$' "$WORK_DIR/timed.err")
passes=$((passes - 1)) # the total
inspect after_all 0 "$model" -O2 --print-ir-after=all
[ "$(grep -c '^# ----- IR after' "$WORK_DIR/after_all.err")" -eq "$passes" ] || fail "--print-ir-after=all did not print $passes dumps"
# What it prints is text IR: it parses back (the dumps split into files).
awk -v dir="$WORK_DIR" '/^# ----- IR after/{n++} {print > (dir "/after_all." n ".dlir")}' "$WORK_DIR/after_all.err"
for n in $(seq 1 "$passes"); do
  "$DLCC" inspect "$WORK_DIR/after_all.$n.dlir" >/dev/null 2>&1 || fail "dump $n of --print-ir-after=all does not parse"
done
lacks "$WORK_DIR/timed.out" 'time'

# --verify-each verifies the model as loaded and after each pass (a pass that breaks the
# graph is caught in tests/unit/test_passes_pipeline.c); real models stay valid throughout.
for onnx in mlp small_cnn resnet18 transformer_encoder; do
  inspect "onnx_$onnx" 0 "$MODELS_DIR/$onnx.onnx" -O3 --verify-each
done

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all pass option checks passed"
