#!/usr/bin/env bash
# BitCast is a view (no kernel of its own): alone, on a graph input and output, and fused into
# a kernel group between elementwise ops (the group reinterprets the element's bits), against
# numpy's view; a cast to a type of another size is refused naming the node.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" - <<'PY'
import numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
def save(nodes, outputs, path, initializers=()):
    graph = h.make_graph(nodes, "bits", [h.make_tensor_value_info("x", T.FLOAT, [2, 5])],
                         outputs, list(initializers))
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 26)], ir_version=10), path)
mask = nh.from_array(np.array([-65536], np.int32), "mask")
save([h.make_node("Relu", ["x"], ["r"]), h.make_node("BitCast", ["r"], ["b"], to=T.INT32),
      h.make_node("BitwiseAnd", ["b", "mask"], ["y"]),
      h.make_node("BitCast", ["y"], ["z"], to=T.FLOAT)],
     [h.make_tensor_value_info("z", T.FLOAT, [2, 5])], "fused.onnx", [mask])
save([h.make_node("BitCast", ["x"], ["b"], to=T.UINT32)],
     [h.make_tensor_value_info("b", T.UINT32, [2, 5])], "alone.onnx")
save([h.make_node("BitCast", ["x"], ["b"], to=T.INT16, name="halves")],
     [h.make_tensor_value_info("b", T.INT16, [2, 5, 2])], "wider.onnx")
np.save("x.npy", np.random.RandomState(0).randn(2, 5).astype(np.float32))
PY
expect 0 'dl.group\(%x\) name "Relu_0\+BitCast\+BitwiseAnd\+BitCast"' -- inspect fused.onnx -O2
expect 0 'output z' -- run fused.onnx -O2 --input x=x.npy --device=host --output-dir fused
expect 0 'output b' -- run alone.onnx -O2 --input x=x.npy --device=host --output-dir alone
"$PYTHON" - <<'PY' || fail "the outputs differ from numpy's views (see above)"
import numpy as np
x = np.load("x.npy")
z = (np.maximum(x, 0).view(np.int32) & -65536).view(np.float32)
assert (np.load("fused/z.npy") == z).all(), np.load("fused/z.npy")
b = np.load("alone/b.npy")
assert b.dtype == np.uint32 and (b == x.view(np.uint32)).all(), b
PY
expect 1 "node 'halves' \(BitCast\): input 0 'x' has type f32\[2,5\] but unsupported: BitCast to i16" \
  -- inspect wider.onnx
finish
