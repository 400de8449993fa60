#!/usr/bin/env bash
# Text IR round trip on every ONNX test model: the dump of a model, read back and dumped
# again, is byte-identical (text and side file), before and after the -O2 passes.
set -u
: "${DLCC:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Dumps $1 with options $3.. into folder $2 as model.dlir (+ model.dlir.bin).
dump() {
  local input=$1 folder=$2
  shift 2
  mkdir -p "$folder"
  "$DLCC" inspect "$input" "$@" -o "$folder/model.dlir" 2>"$folder/stderr.txt"
}

# Same bytes, or both absent (a model without large constants writes no side file).
same_file() {
  if [ -e "$1" ] || [ -e "$2" ]; then
    cmp -s "$1" "$2" || fail "$1 and $2 differ"
  fi
}

checked=0
while IFS= read -r model; do
  name=${model#"$MODELS_DIR"/}
  name=${name//\//_}
  for level in -O0 -O2; do
    first=$WORK_DIR/$name$level/first second=$WORK_DIR/$name$level/second
    # Models made to be rejected by the importer have nothing to round-trip.
    dump "$model" "$first" "$level" || continue
    if ! dump "$first/model.dlir" "$second" -O0; then
      fail "$name $level: its dump does not read back: $(head -3 "$second/stderr.txt")"
      continue
    fi
    cmp -s "$first/model.dlir" "$second/model.dlir" ||
      fail "$name $level: text differs after a round trip ($(diff "$first/model.dlir" "$second/model.dlir" | head -4 | tr '\n' ' '))"
    same_file "$first/model.dlir.bin" "$second/model.dlir.bin"
    checked=$((checked + 1))
  done
done < <(find "$MODELS_DIR" -name '*.onnx' | sort)

# The main example models must be among those checked (both levels each).
for required in mlp resnet18 small_cnn transformer_encoder; do
  [ -f "$WORK_DIR/$required.onnx-O2/second/model.dlir" ] || fail "$required.onnx was not round-tripped"
done
[ -s "$WORK_DIR/resnet18.onnx-O0/first/model.dlir.bin" ] || fail "resnet18 dump has no side file"
echo "round-tripped $checked dumps"
[ "$failures" -eq 0 ]
