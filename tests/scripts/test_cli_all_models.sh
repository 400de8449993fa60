#!/usr/bin/env bash
# Every test model and every .dlir in the tree through every output format at -O0 and -O2
# with --verify-each: dlcc never crashes (exit 0 or 1 only), a model that loads gives DOT that
# Graphviz renders, JSON that parses, and text IR that reads back to the same text.
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}" "${PYTHON:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
failures=0 loaded=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
out=$WORK_DIR/out

check_model() {
  local model=$1 level status
  for level in -O0 -O2; do
    "$DLCC" inspect "$model" $level --verify-each -o "$out.dlir" >/dev/null 2>"$out.err"
    status=$?
    # A model that does not load (invalid on purpose) is refused with exit 1 and a message;
    # one that loads at -O0 must also survive the passes of -O2.
    if [ "$status" -eq 1 ] && [ "$level" = -O0 ]; then
      grep -q '^dlcc: error: ' "$out.err" || fail "$model $level: exit 1 without a dlcc: error line"
      return
    fi
    [ "$status" -eq 0 ] || { fail "$model $level: exit $status: $(head -n 3 "$out.err")"; return; }
    loaded=$((loaded + 1))
    "$DLCC" inspect "$out.dlir" -o "$out.again.dlir" 2>"$out.err" || fail "$model $level: dump does not load: $(head -n 3 "$out.err")"
    sed 's/out\.again\.dlir\.bin/out.dlir.bin/' "$out.again.dlir" | cmp -s - "$out.dlir" ||
      fail "$model $level: text IR does not read back to the same text"
    "$DLCC" inspect "$model" $level --format=dot -o "$out.dot" 2>"$out.err" || fail "$model $level: --format=dot failed"
    dot -Tsvg "$out.dot" -o /dev/null 2>"$out.err" || fail "$model $level: Graphviz rejects the DOT: $(head -n 3 "$out.err")"
    "$DLCC" inspect "$model" $level --format=json -o "$out.json" 2>"$out.err" || fail "$model $level: --format=json failed"
    "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$out.json" || fail "$model $level: JSON does not parse"
  done
}

shopt -s nullglob
for model in "$MODELS_DIR"/*.onnx "$MODELS_DIR"/*/*.onnx "$SOURCE_DIR"/examples/*.dlir \
  "$SOURCE_DIR"/tests/fuzz/text_parser/*.dlir "$SOURCE_DIR"/tests/lit/*/*.dlir; do
  check_model "$model"
done
[ "$loaded" -ge 10 ] || fail "only $loaded model/level pairs loaded; the test models are missing?"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all models through all formats: $loaded model/level pairs loaded and checked"
