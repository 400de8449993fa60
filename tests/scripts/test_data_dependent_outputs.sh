#!/usr/bin/env bash
# Outputs whose size depends on the data (NonZero, Unique): `dlcc run` writes each .npy with the
# dims of that run (two runs of one model give different sizes), on the host device, under the
# sanitizer and on the cuda device (fake driver: the dims record comes back by a device copy);
# a node that reads such an output is refused naming both nodes; a bundle's header marks them.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}" "${FAKECUDA:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" - <<'PY'
import numpy as np, onnx
from onnx import helper as h, TensorProto as T
def save(nodes, outputs, path):
    graph = h.make_graph(nodes, "picks", [h.make_tensor_value_info("x", T.FLOAT, [3, 4])],
                         [h.make_tensor_value_info(o, T.INT64 if o != "values" and o != "r"
                                                   else T.FLOAT, None) for o in outputs])
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], ir_version=8), path)
save([h.make_node("NonZero", ["x"], ["nz"], name="nonzero"),
      h.make_node("Unique", ["x"], ["values", "first", "inverse", "counts"], name="unique"),
      h.make_node("Relu", ["x"], ["r"], name="relu")],
     ["nz", "values", "first", "inverse", "counts", "r"], "m.onnx")
save([h.make_node("NonZero", ["x"], ["nz"], name="nonzero"),
      h.make_node("Transpose", ["nz"], ["t"], name="flip")], ["t"], "reads.onnx")
np.save("few.npy", np.array([[0, 2, 0, 0], [1, 0, 0, 2], [0, 0, 0, 0]], np.float32))
np.save("many.npy", np.arange(12, dtype=np.float32).reshape(3, 4) % 5)
PY
check() { # run folder, input file: the .npy files against numpy
  "$PYTHON" - "$1" "$2" <<'PY' || fail "$1: the outputs differ from numpy (see above)"
import sys, numpy as np
out, x = sys.argv[1], np.load(sys.argv[2])
nz = np.load(f"{out}/nz.npy")
assert nz.shape == (2, np.count_nonzero(x)) and (nz == np.array(np.nonzero(x))).all(), nz
values, first, inverse, counts = np.unique(x.reshape(-1), return_index=True,
                                           return_inverse=True, return_counts=True)
for name, expected in (("values", values), ("first", first), ("inverse", inverse),
                       ("counts", counts)):
    got = np.load(f"{out}/{name}.npy")
    assert got.shape == expected.shape and (got == expected).all(), (name, got, expected)
assert np.load(f"{out}/r.npy").shape == (3, 4)
PY
}
expect 0 'nz: i64\[2,3\]' -- run m.onnx --input x=few.npy --device=host --output-dir few
check few few.npy
expect 0 'values: f32\[3\]' -- run m.onnx --input x=few.npy --device=host
expect 0 'nz: i64\[2,9\]' -- run m.onnx --input x=many.npy --device=host --output-dir many
check many many.npy
expect 0 'sanitizer: 0 reports' -- run m.onnx --input x=many.npy --sanitize --output-dir checked
check checked many.npy
DLRT_LIBCUDA=$FAKECUDA expect 0 'on cuda' -- run m.onnx --input x=few.npy --device=cuda \
  --output-dir cuda
check cuda few.npy

expect 1 "node 'flip' \(Transpose\): reads 'nz', whose size node 'nonzero' \(NonZero\) decides at run time" \
  -- run reads.onnx --device=host

"$DLCC" compile m.onnx -o picks --target=host || fail "compile of the bundle failed"
grep -q '#define picks_OUTPUT_nz_DATA_DEPENDENT 1' picks.h || fail "picks.h does not mark 'nz'"
grep -q '_OUTPUT_r_DATA_DEPENDENT' picks.h && fail "picks.h marks the static output 'r'"
finish
