#!/usr/bin/env bash
# Inputs that decide shapes, and outputs known at compile time: `dlcc compile --bind` fixes an
# input's value (in the text IR as `bind`), `dlcc run` binds such inputs from their data by
# itself and says so, a compiled model refuses runs that give a bound input another value,
# and an output that is a constant (Shape) is written like any other. An If's condition is
# bound the same way: the branch it picks is inlined.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
cd "$WORK_DIR"

"$PYTHON" - <<'PY'
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
F = TensorProto.FLOAT
# y = Relu(Reshape(x, shape)); dims = Shape(x), an output known at compile time.
graph = helper.make_graph([
    helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
    helper.make_node("Relu", ["r"], ["y"], name="relu"),
    helper.make_node("Shape", ["x"], ["dims"], name="shape_of_x"),
], "bind", [helper.make_tensor_value_info("x", F, [2, 6]),
            helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
   [helper.make_tensor_value_info("y", F, None),
    helper.make_tensor_value_info("dims", TensorProto.INT64, [2])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), "model.onnx")
x = np.arange(-6, 6, dtype=np.float32).reshape(2, 6)
np.save("x.npy", x)
np.save("shape34.npy", np.array([3, 4], np.int64))
np.save("shape43.npy", np.array([4, 3], np.int64))
open("shape34.pb", "wb").write(numpy_helper.from_array(np.array([3, 4], np.int64), "shape").SerializeToString())
np.save("shape_i32.npy", np.array([3, 4], np.int32))
np.save("expected_y.npy", np.maximum(x.reshape(3, 4), 0))
# z = If(c) then x + 1 else x * 2
one = helper.make_tensor("one", F, [], [1.0])
two = helper.make_tensor("two", F, [], [2.0])
then_branch = helper.make_graph([helper.make_node("Add", ["x", "one"], ["t"])], "then", [],
                                [helper.make_tensor_value_info("t", F, [2, 6])], [one])
else_branch = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["e"])], "else", [],
                                [helper.make_tensor_value_info("e", F, [2, 6])], [two])
graph = helper.make_graph([helper.make_node("If", ["c"], ["z"], name="choose",
                                            then_branch=then_branch, else_branch=else_branch)],
    "branch", [helper.make_tensor_value_info("x", F, [2, 6]),
               helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
    [helper.make_tensor_value_info("z", F, [2, 6])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), "if.onnx")
np.save("true.npy", np.array(True))
np.save("false.npy", np.array(False))
np.save("expected_then.npy", x + 1)
np.save("expected_else.npy", x * 2)
PY
same() { # same FILE_A FILE_B: the two .npy files hold identical arrays of one dtype
  "$PYTHON" -c "import numpy as np,sys; a,b=(np.load(p) for p in sys.argv[1:]); sys.exit(0 if a.dtype==b.dtype and a.shape==b.shape and (a==b).all() else 1)" "$1" "$2"
}

# Without a value for 'shape' the model cannot compile; the message says how to fix it.
expect 1 "node 'reshape' \(Reshape, opset 17\): unsupported: input 1 'shape' decides the output shape .*--bind NAME=FILE" -- run model.onnx --device=host
expect 1 "with --bind NAME=FILE" -- compile model.onnx --emit=ptx -o m.ptx
# dlcc run binds it from its data by itself, and says so; -q keeps quiet.
expect 0 "note: input 'shape' decides shapes: compiling for its value in shape34.npy" -- run model.onnx --device=host --input x=x.npy --input shape=shape34.npy --output-dir out
same out/y.npy expected_y.npy || fail "y differs from numpy's Relu(Reshape(x))"
"$PYTHON" -c "import numpy as np,sys; d=np.load('out/dims.npy'); sys.exit(0 if d.dtype==np.int64 and d.tolist()==[2,6] else 1)" ||
  fail "the constant output dims is not [2, 6] as int64"
expect 0 "^$" -- run model.onnx --device=host --input shape=shape34.pb -q
expect 0 "output y: f32\[4,3\]" -- run model.onnx --device=host --input shape=shape43.npy
# --bind: the text IR records the binding and parses back; runs of the result check it.
expect 0 "" -- compile model.onnx --bind shape=shape34.npy --emit=ir -o bound.dlir
grep -qE '^  bind %shape = %"?shape\.bound"?$' bound.dlir || fail "bound.dlir has no bind line: $(cat bound.dlir)"
grep -qE 'dl\.copy\(' bound.dlir || fail "bound.dlir does not copy the constant output dims"
expect 0 "input  shape: i64\[2\] its value bound at compile time" -- run bound.dlir --device=host
expect 0 "output y: f32\[3,4\]" -- run bound.dlir --device=host --input shape=shape34.npy
expect 1 "run failed: input 'shape' of program '.*' was bound to a value at compile time .* gives another value" -- run bound.dlir --device=host --input shape=shape43.npy
expect 0 "" -- compile model.onnx --bind shape=shape34.npy --emit=ptx -o bound.ptx
# Bad bindings name what is wrong.
expect 1 "cannot bind 'nosuch': the model has no graph input of that name" -- compile model.onnx --bind nosuch=shape34.npy --emit=ir -o -
expect 1 "graph input 'shape' is i64\[2\]; the value bound to it is i32\[2\]" -- compile model.onnx --bind shape=shape_i32.npy --emit=ir -o -
expect 1 "--bind 'shape=shape34.npy' and 'shape=shape43.npy' name the same shape" -- compile model.onnx --bind shape=shape34.npy --bind shape=shape43.npy
expect 1 "--bind applies to ONNX models only" -- run bound.dlir --bind shape=shape34.npy
expect 1 "no-such.npy" -- compile model.onnx --bind shape=no-such.npy --emit=ir -o -
expect 1 "--bind needs NAME=VALUE, got 'shape'" -- compile model.onnx --bind shape
# If: the condition picks the branch at compile time.
expect 1 "node 'choose' \(If, opset 17\): unsupported: the condition 'c' is computed at run time .*--bind NAME=FILE" -- run if.onnx --device=host
expect 0 "note: input 'c' decides shapes" -- run if.onnx --device=host --input x=x.npy --input c=true.npy --output-dir then
same then/z.npy expected_then.npy || fail "If(true) is not x + 1"
expect 0 "" -- run if.onnx --device=host --input x=x.npy --bind c=false.npy --output-dir else
same else/z.npy expected_else.npy || fail "If(false) is not x * 2"
finish
