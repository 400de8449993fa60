"""Models at older opsets whose attribute forms the importer rewrites into the latest form,
each with an input and onnxruntime's reference output:
- opset7.onnx: Clip min/max, Pad pads/value, Slice starts/ends/axes, ReduceSum axes,
  Unsqueeze axes, Dropout ratio as attributes; Softmax coercing to 2-D at axis 1 of a 3-D
  input; Concat; Cast.
- opset11.onnx: Squeeze/Unsqueeze axes, Split split, ReduceMean axes as attributes; Softmax
  with its default axis (1) on a 3-D input.
- opset13.onnx: ReduceMean axes attribute (an input only from 18), ReduceSum axes input,
  Split sizes input, Softmax default axis (-1).
- opset8.onnx: Scan with its batch axis (before opset 9): two batch entries, a running sum
  as the state and its values as the scan output.
- upsample7.onnx, upsample9.onnx, resize10.onnx: Resize's predecessors (scales as an
  attribute, then as input 1), imported as Resize with asymmetric coordinates."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference


def model(nodes, name, opset, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=3
                             if opset < 8 else 6)


def opset7():
    n = helper.make_node
    nodes = [
        n("Clip", ["x"], ["clipped"], name="clip", min=-0.5, max=0.5),
        n("Pad", ["clipped"], ["padded"], name="pad", pads=[0, 1, 0, 0, 1, 0], value=0.25),  # [2,5,4]
        n("Slice", ["padded"], ["sliced"], name="slice", starts=[1, 0], ends=[4, 3], axes=[1, 2]),  # [2,3,3]
        n("Softmax", ["sliced"], ["softmax"], name="softmax", axis=1),  # over the last 2 dims
        n("ReduceSum", ["softmax"], ["summed"], name="reduce", axes=[2], keepdims=0),  # [2,3]
        n("Unsqueeze", ["summed"], ["unsqueezed"], name="unsqueeze", axes=[0]),  # [1,2,3]
        n("Dropout", ["unsqueezed"], ["dropped"], name="dropout", ratio=0.3),
        n("Concat", ["dropped", "dropped"], ["concat"], name="concat", axis=0),  # [2,2,3]
        n("Cast", ["concat"], ["y"], name="cast", to=TensorProto.DOUBLE),
    ]
    return model(nodes, "opset7", 7, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [2, 2, 3])])


def opset11():
    n = helper.make_node
    nodes = [
        n("Unsqueeze", ["x"], ["x5"], name="unsqueeze", axes=[1, -1]),  # [2,1,3,4,1]
        n("Squeeze", ["x5"], ["x3"], name="squeeze", axes=[1, 4]),  # [2,3,4]
        n("Split", ["x3"], ["a", "b"], name="split", axis=2, split=[1, 3]),  # [2,3,1], [2,3,3]
        n("ReduceMean", ["b"], ["mean"], name="mean", axes=[-1], keepdims=1),  # [2,3,1]
        n("Add", ["a", "mean"], ["sum"], name="add"),
        n("Softmax", ["sum"], ["y"], name="softmax"),  # default axis 1: over [3,1]
    ]
    return model(nodes, "opset11", 11, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 1])])


def opset13():
    n = helper.make_node
    inits = [numpy_helper.from_array(np.array([1], np.int64), "axes1"),
             numpy_helper.from_array(np.array([2, 2], np.int64), "sizes")]
    nodes = [
        n("ReduceMean", ["x"], ["mean"], name="mean", axes=[2], keepdims=1),  # [2,3,1]
        n("Sub", ["x", "mean"], ["centered"], name="sub"),
        n("Split", ["centered", "sizes"], ["a", "b"], name="split", axis=2),  # [2,3,2] each
        n("Mul", ["a", "b"], ["product"], name="mul"),
        n("ReduceSum", ["product", "axes1"], ["summed"], name="sum", keepdims=1),  # [2,1,2]
        n("Softmax", ["summed"], ["y"], name="softmax"),  # default axis -1
    ]
    return model(nodes, "opset13", 13, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 1, 2])], inits)


def opset8():
    body = helper.make_graph(
        [helper.make_node("Add", ["sum_in", "next"], ["sum_out"]),
         helper.make_node("Identity", ["sum_out"], ["scan_out"])], "body",
        [helper.make_tensor_value_info("sum_in", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("next", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("sum_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("scan_out", TensorProto.FLOAT, [2])])
    nodes = [helper.make_node("Mul", ["x", "x"], ["squares"], name="square"),  # [2,3,2]: batch, sequence, 2
             helper.make_node("Scan", ["", "initial", "squares"], ["final", "y"], name="scan",
                              num_scan_inputs=1, body=body)]
    inits = [numpy_helper.from_array(np.array([[1, -1], [0.5, 2]], np.float32), "initial")]
    return model(nodes, "opset8", 8, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 2])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 2])], inits)


def upsample7():
    nodes = [helper.make_node("Upsample", ["x"], ["y"], name="upsample", mode="nearest",
                              scales=[1.0, 1.0, 2.0, 3.0])]
    return model(nodes, "upsample7", 7, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 8, 12])])


def upsample9():
    inits = [numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")]
    nodes = [helper.make_node("Upsample", ["x", "scales"], ["y"], name="upsample", mode="linear")]
    return model(nodes, "upsample9", 9, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 8, 8])], inits)


def resize10():
    inits = [numpy_helper.from_array(np.array([1, 1, 3, 2], np.float32), "scales")]
    nodes = [helper.make_node("Resize", ["x", "scales"], ["y"], name="resize", mode="nearest")]
    return model(nodes, "resize10", 10, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 12, 8])], inits)


if __name__ == "__main__":
    rng = np.random.default_rng(7)
    for build in (opset7, opset8, opset11, opset13):
        shape = (2, 3, 2) if build is opset8 else (2, 3, 4)
        feeds = {"x": rng.standard_normal(shape).astype(np.float32)}
        save_with_reference(build(), feeds, OUTPUT_DIR, build.__name__)  # noqa: F821
    for build in (upsample7, upsample9, resize10):  # 4-D inputs
        feeds = {"x": rng.standard_normal((2, 3, 4, 4)).astype(np.float32)}
        save_with_reference(build(), feeds, OUTPUT_DIR, build.__name__)  # noqa: F821
