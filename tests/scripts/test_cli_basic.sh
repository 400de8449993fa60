#!/usr/bin/env bash
# dlcc driver basics: help, version, exit codes and messages for bad options, missing or
# unknown files and unwritable outputs.
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
source "$(dirname "$0")/expect.sh"

model=$SOURCE_DIR/examples/mlp.dlir
expect 0 '^usage: dlcc COMMAND' -- --help
expect 0 'inspect' -- help
expect 0 '^dlcc version [0-9]+\.[0-9]+\.[0-9]+ \(LLVM 19' -- --version
expect 0 '^usage: dlcc inspect MODEL' -- help inspect
expect 0 '^usage: dlcc inspect MODEL' -- inspect --help
expect 0 'dce +remove nodes' -- inspect -h
expect 1 '^usage: dlcc COMMAND' --
expect 1 "^dlcc: error: unknown command 'frobnicate' \(see dlcc --help\)" -- frobnicate
expect 1 "^dlcc: error: unknown command 'frobnicate'" -- help frobnicate
expect 1 "^dlcc: error: unknown option '--frob' \(see dlcc --help\)" -- --frob
expect 1 "^dlcc: error: unknown option '--x' \(see dlcc inspect --help\)" -- inspect "$model" --x
expect 1 "^dlcc: error: unknown option '-O7'" -- inspect "$model" -O7
expect 1 "no model given" -- inspect
expect 1 "more than one model given \('extra.dlir'\)" -- inspect "$model" extra.dlir
expect 1 "unknown format 'svg' \(known: text, dot, json\)" -- inspect "$model" --format=svg
expect 1 "option '--format' needs a value" -- inspect "$model" --format
expect 1 "--dim needs NAME=VALUE, got 'batch'" -- inspect "$model" --dim batch

# A missing file: exit 1, and the message names the file.
expect 1 "cannot load model '$WORK_DIR/missing.onnx'" -- inspect "$WORK_DIR/missing.onnx"
expect 1 "missing\.onnx" -- inspect "$WORK_DIR/missing.onnx"
expect 1 "missing\.dlir" -- inspect "$WORK_DIR/missing.dlir"
# An unknown extension: exit 1 naming the file and the formats dlcc reads.
echo "not a model" >"$WORK_DIR/model.txt"
expect 1 "model\.txt: unknown model format: the file name must end in \.onnx or \.dlir" -- \
  inspect "$WORK_DIR/model.txt"
# A file that is not what its extension says: exit 1 with a located message.
echo "this is not dlir" >"$WORK_DIR/broken.dlir"
expect 1 "broken\.dlir:1:" -- inspect "$WORK_DIR/broken.dlir"
# --dim is for ONNX models only.
expect 1 "--dim applies to ONNX models only" -- inspect "$model" --dim batch=2

# Output that cannot be written: exit 2 (environment), naming the file.
expect 2 "^dlcc: error: cannot write '$WORK_DIR/no/such/dir/out.dlir'" -- \
  inspect "$model" -o "$WORK_DIR/no/such/dir/out.dlir"
# The side file cannot be made (a folder has its name): exit 2, naming the side file.
mkdir -p "$WORK_DIR/side/out.dlir.bin"
expect 2 "out\.dlir\.bin: cannot write the side file there: it is not a regular file" -- inspect "$model" -o "$WORK_DIR/side/out.dlir"
if [ -w /dev/full ]; then
  expect 2 "cannot write '/dev/full'" -- inspect "$model" --elide-constants -o /dev/full
  expect 2 "cannot write '/dev/full'" -- inspect "$model" --format=json -o /dev/full
fi

# Success writes nothing to stderr.
errors=$("$DLCC" inspect "$model" 2>&1 >/dev/null)
[ -z "$errors" ] || fail "inspect printed to stderr: $errors"

finish
echo "all CLI basics passed"
