#!/usr/bin/env bash
# What a bundle promises beyond running: its header is C99 and C++, odd tensor names become C
# names (a clash is refused naming both), the same model compiles to the same bytes, bundles
# link side by side, libdlrt links statically, and separate weights are checked.
source "$(dirname "$0")/../bundle/common.sh"
input_bin mlp
input_bin small_cnn

# Header: C99 -pedantic and C++, with odd names sanitized.
"$DLCC" compile "$SOURCE_DIR/tests/bundle/Inputs/names.dlir" -o names --target=host
for member in "const float \*t_int; /\* 'int'" "const float \*t1st;" "const float \*x_y_0;" \
  "float \*out_put; /\* 'out put'"; do
  grep -q "$member" names.h || fail "names.h lacks '$member'"
done
# The host workspace per worker thread: the same figure in the header and the JSON.
workspace=$(sed -n 's/^#define names_HOST_WORKSPACE_BYTES \([0-9]*\)ull$/\1/p' names.h)
grep -q "\"host_workspace_bytes\":	$workspace," names.json || fail "names: workspace $workspace"
printf '#include "names.h"\nint main(void) { return names_INPUT_t_int_RANK - 1; }\n' >use_names.c
# shellcheck disable=SC2086
"$CC" -std=c99 -pedantic -Wall -Wextra -Werror $CC_FLAGS -I. -I"$SOURCE_DIR/include" use_names.c \
  names.o -L"$RUNTIME_DIR" -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o use_names
./use_names
case $CC in *clang*) CXX=${CC/clang/clang++} ;; *) CXX=c++ ;; esac
cp use_names.c use_names.cpp
# shellcheck disable=SC2086
"$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror $CC_FLAGS -I. -I"$SOURCE_DIR/include" \
  use_names.cpp names.o -L"$RUNTIME_DIR" -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o use_names_cpp
./use_names_cpp

# States: listed in the JSON, and the bundle keeps them from run to run (the output of the
# third run is the count 2), on the host device and on the fake cuda device.
"$DLCC" compile "$SOURCE_DIR/tests/bundle/Inputs/counter.dlir" -o counter --target=sm_80,host
"$PYTHON" - counter.json <<'PY' || fail "counter.json: $(cat counter.json)"
import json, sys
states = json.load(open(sys.argv[1]))["states"]
assert [(s["name"], s["dtype"], s["shape"], s["bytes"]) for s in states] == [("n", "f32", [], 4)], states
PY
build_runner counter .
: >counter.input.bin
printf '\000\000\000\100' >counter.expected.bin # 2.0f, little-endian
DLRT_LIBCUDA=/nonexistent ./run_counter counter.input.bin counter.bin "" 3 >/dev/null
cmp counter.bin counter.expected.bin || fail "counter on host: $(od -An -tf4 counter.bin)"
DLRT_LIBCUDA=$FAKECUDA ./run_counter counter.input.bin counter.bin "" 3 >/dev/null
cmp counter.bin counter.expected.bin || fail "counter on fake cuda: $(od -An -tf4 counter.bin)"
# The bundle's state functions: get, set, save and load.
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror $CC_FLAGS -I. -I"$SOURCE_DIR/include" \
  "$SOURCE_DIR/tests/bundle/counter_states.c" counter.o -L"$RUNTIME_DIR" \
  -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o counter_states
DLRT_LIBCUDA=/nonexistent ./counter_states counter.state
DLRT_LIBCUDA=$FAKECUDA ./counter_states counter.state

# A clash after sanitizing names both tensors; nothing is written.
if "$DLCC" compile "$SOURCE_DIR/tests/bundle/Inputs/clash.dlir" -o clash 2>clash.err; then
  fail "a name clash was accepted"
fi
grep -q "inputs 'a.b' and 'a_b' both become the C name 'a_b'" clash.err || fail "$(cat clash.err)"
[ ! -e clash.o ] && [ ! -e clash.h ] || fail "a refused bundle left files"

# Determinism: the same model, compiled twice into different folders, gives the same bytes.
mkdir -p first second
for dir in first second; do
  "$DLCC" compile "$MODELS_DIR/small_cnn.onnx" -o "$dir/small_cnn" --target=sm_75,sm_90,host \
    --weights=separate
done
for suffix in o h json weights; do
  cmp "first/small_cnn.$suffix" "second/small_cnn.$suffix" || fail "small_cnn.$suffix differs"
done

# Separate weights: loaded by path and checked; bad files are refused with a clear message.
build_runner small_cnn first
./first/run_small_cnn small_cnn.input.bin sep.bin first/small_cnn.weights
check_output sep.bin small_cnn
expect_refusal() { # WEIGHTS MESSAGE
  if ./first/run_small_cnn small_cnn.input.bin x.bin "$1" 2>err.log; then fail "$1 was accepted"; fi
  grep -q "$2" err.log || fail "$1: expected '$2', got: $(cat err.log)"
}
expect_refusal "" "compiled with separate weights"
head -c 1000 first/small_cnn.weights >truncated.weights
expect_refusal truncated.weights "truncated.weights: truncated weights file"
cp first/small_cnn.weights flipped.weights
printf '\x55' | dd of=flipped.weights bs=1 seek=300 conv=notrunc status=none
expect_refusal flipped.weights "flipped.weights: the weights' checksum is"
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o mlp_sep --weights=separate --target=host
expect_refusal mlp_sep.weights "these are the weights of model 'mlp_sep', not of 'small_cnn'"

# One model under two names and a second model, in one program.
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o mlp_a --target=sm_80,host
"$DLCC" compile "$MODELS_DIR/mlp.onnx" -o mlp_b --target=host
"$DLCC" compile "$MODELS_DIR/small_cnn.onnx" -o small_cnn --target=sm_80,host
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror $CC_FLAGS -I. -I"$SOURCE_DIR/include" \
  "$SOURCE_DIR/tests/bundle/two_bundles.c" mlp_a.o mlp_b.o small_cnn.o \
  -L"$RUNTIME_DIR" -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o two_bundles
DLRT_LIBCUDA=/nonexistent ./two_bundles mlp.input.bin small_cnn.input.bin a.bin cnn.bin
check_output a.bin mlp
check_output cnn.bin small_cnn
DLRT_LIBCUDA=$FAKECUDA ./two_bundles mlp.input.bin small_cnn.input.bin a.bin cnn.bin
check_output a.bin mlp
check_output cnn.bin small_cnn

# Static libdlrt: the program needs neither libdlrt nor LLVM at run time.
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror $CC_FLAGS -DBUNDLE=small_cnn -DBUNDLE_HEADER='"small_cnn.h"' \
  -I. -I"$SOURCE_DIR/include" "$SOURCE_DIR/tests/bundle/run_bundle.c" small_cnn.o \
  "$RUNTIME_DIR/libdlrt.a" -lpthread -ldl -lm -o run_static
if ldd run_static | grep -Ei "dlrt|llvm"; then fail "the static program needs libdlrt or LLVM"; fi
./run_static small_cnn.input.bin static.bin
check_output static.bin small_cnn
echo "test_bundle_checks: ok"
