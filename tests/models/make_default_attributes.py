"""A model whose ops leave out every attribute that inference and codegen both read, so the
defaults in ir/op_attributes.def decide the result (opset 18), saved with onnxruntime's
reference: Pad (mode) → Conv (group) → LeakyRelu (alpha) → HardSigmoid (alpha, beta) →
AveragePool (count_include_pad) → LayerNormalization (axis, epsilon) → BatchNormalization
(epsilon, with variances near it) → Softmax (axis) → Flatten (axis) → Gemm (alpha, beta,
transA, transB) → Gather (axis) → Split (axis) → Sub → ReduceSum (no axes:
noop_with_empty_axes, keepdims) → Add."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference


def build(rng):
    def weight(name, values, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(values, dtype), name)

    weights = [
        weight("pads", [0, 0, 1, 1, 0, 0, 1, 1], np.int64),
        weight("conv.w", rng.standard_normal((3, 3, 3, 3)) * 0.5),
        weight("ln.scale", rng.uniform(0.5, 1.5, 4)), weight("ln.bias", rng.uniform(-0.5, 0.5, 4)),
        weight("bn.scale", [0.05, 0.04, 0.06]), weight("bn.bias", [0.1, -0.2, 0.0]),
        weight("bn.mean", [0.1, 0.0, -0.1]), weight("bn.var", [1e-4, 2e-5, 5e-5]),
        weight("fc.w", rng.standard_normal((48, 5)) * 0.5), weight("fc.b", rng.standard_normal(5)),
        weight("order", [1, 0], np.int64), weight("halves", [1, 1], np.int64),
    ]
    chain = [
        ("Pad", ["x", "pads"]), ("Conv", ["Pad", "conv.w"]), ("LeakyRelu", ["Conv"]),
        ("HardSigmoid", ["LeakyRelu"]), ("AveragePool", ["HardSigmoid"]),
        ("LayerNormalization", ["AveragePool", "ln.scale", "ln.bias"]),
        ("BatchNormalization", ["LayerNormalization", "bn.scale", "bn.bias", "bn.mean", "bn.var"]),
        ("Softmax", ["BatchNormalization"]), ("Flatten", ["Softmax"]),
        ("Gemm", ["Flatten", "fc.w", "fc.b"]), ("Gather", ["Gemm", "order"]),
    ]
    required = {"AveragePool": {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}}
    nodes = [helper.make_node(op, inputs, [op], name=op.lower(), **required.get(op, {}))
             for op, inputs in chain]
    nodes += [
        helper.make_node("Split", ["Gather", "halves"], ["first", "second"], name="split"),
        helper.make_node("Sub", ["first", "second"], ["difference"], name="sub"),
        helper.make_node("ReduceSum", ["difference"], ["total"], name="reducesum"),
        helper.make_node("Add", ["difference", "total"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "default_attributes", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)


if __name__ == "__main__":
    rng = np.random.default_rng(7)
    model = build(rng)
    feeds = {"x": rng.standard_normal((2, 3, 4, 4)).astype(np.float32)}
    save_with_reference(model, feeds, OUTPUT_DIR, "default_attributes")  # noqa: F821 (set by generate_all.py)
