#!/usr/bin/env bash
# Out-of-range Gather indices: clamped into range by default (exit 0, the clamped rows), and
# with --check-indices the run fails naming the node (exit 1) on the host device, under the
# sanitizer, on the cuda device (fake driver) and from a bundle compiled with the flag;
# indices in range (negative ones too) pass the check.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}" "${FAKECUDA:?}" "${CC:?}" "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" - <<'PY'
import numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
table = nh.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), "table")
graph = h.make_graph([h.make_node("Relu", ["x"], ["r"], name="relu"),
                      h.make_node("Gather", ["table", "idx"], ["g"], axis=0, name="lookup"),
                      h.make_node("Add", ["g", "r"], ["y"], name="add")], "lookup_model",
                     [h.make_tensor_value_info("x", T.FLOAT, [2, 3]),
                      h.make_tensor_value_info("idx", T.INT64, [2])],
                     [h.make_tensor_value_info("y", T.FLOAT, [2, 3])], [table])
onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], ir_version=8), "m.onnx")
x = np.zeros((2, 3), np.float32)
np.save("x.npy", x)
for name, idx in (("bad", [1, 7]), ("low", [-5, 0]), ("good", [1, -1])):
    np.save(f"{name}.npy", np.array(idx, np.int64))
    with open(f"{name}.bin", "wb") as f:
        f.write(x.tobytes() + np.array(idx, np.int64).tobytes())
PY
bad=(m.onnx --input x=x.npy --input idx=bad.npy)
site="node 'lookup' \(Gather\) of program 'lookup_model' met an index out of range"

# Default: clamped (7 reads row 3), exit 0.
expect 0 'y: f32\[2,3\] = \[3, 4, 5, 9, 10, 11\]' -- run "${bad[@]}" --device=host
expect 1 "$site" -- run "${bad[@]}" --device=host --check-indices
expect 1 "$site" -- run m.onnx --input x=x.npy --input idx=low.npy --device=host --check-indices
expect 0 'y: f32\[2,3\] = \[3, 4, 5, 9, 10, 11\]' -- \
  run m.onnx --input x=x.npy --input idx=good.npy --device=host --check-indices
# Under the sanitizer: the same error and no report (the runtime writes the error word).
expect 1 "$site" -- run "${bad[@]}" --check-indices --sanitize
expect 0 'sanitizer: 0 reports' -- run m.onnx --input x=x.npy --input idx=good.npy \
  --check-indices --sanitize
# The cuda device path: PTX with the check, run by the fake driver through the host twins.
DLRT_LIBCUDA=$FAKECUDA expect 1 "$site" -- run "${bad[@]}" --device=cuda --check-indices
DLRT_LIBCUDA=$FAKECUDA expect 0 'on cuda' -- run "${bad[@]}" --device=cuda

# A bundle compiled with --check-indices returns DLRT_STATUS_INDEX_OUT_OF_RANGE from its run.
"$DLCC" compile m.onnx -o lookup --target=host,sm_80 --check-indices ||
  fail "compile --check-indices failed"
grep -qE '"index_checks":[[:space:]]*1,' lookup.json || fail "lookup.json does not count the check site"
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror ${CC_FLAGS:-} -DBUNDLE=lookup -DBUNDLE_HEADER='"lookup.h"' \
  -I. -I"$SOURCE_DIR/include" "$SOURCE_DIR/tests/bundle/run_bundle.c" lookup.o \
  -L"$BUILD_DIR/runtime" -Wl,-rpath,"$BUILD_DIR/runtime" -ldlrt -o run_lookup ||
  fail "the bundle's runner did not build"
for device in host cuda; do
  checks=$((checks + 1))
  DLRT_DEVICE=$device DLRT_LIBCUDA=$FAKECUDA ./run_lookup bad.bin out.bin >run.log 2>&1 &&
    fail "bundle on $device: an out-of-range index was not reported"
  grep -qE "DLRT_STATUS_INDEX_OUT_OF_RANGE: ${site/lookup_model/lookup}" run.log ||
    fail "bundle on $device: $(cat run.log)"
  checks=$((checks + 1))
  DLRT_DEVICE=$device DLRT_LIBCUDA=$FAKECUDA ./run_lookup good.bin out.bin >run.log 2>&1 ||
    fail "bundle on $device with indices in range: $(cat run.log)"
done
finish
