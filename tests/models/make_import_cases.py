"""Small hand-made ONNX files for the importer's error and edge-case tests
(tests/unit/test_onnx_errors.c), written to OUTPUT_DIR/import_cases/. Most are invalid on
purpose, so none goes through onnx.checker."""
import os
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def save(folder, name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)
    onnx.save_model(model, str(folder / f"{name}.onnx"))


def relu_model(folder, name, initializer, opset=17):
    """y = Relu(w) where w is the given (possibly broken) initializer."""
    save(folder, name, [helper.make_node("Relu", ["w"], ["y"], name="relu")], [],
         [helper.make_tensor_value_info("y", initializer.data_type, None)], [initializer], opset)


def external(name, location, offset=None, length=16):
    tensor = TensorProto(name=name, data_type=F, dims=[4], data_location=TensorProto.EXTERNAL)
    entries = {"location": location, "length": str(length)}
    if offset is not None:
        entries["offset"] = str(offset)
    for key, value in entries.items():
        tensor.external_data.add(key=key, value=value)
    return tensor


def main(out):
    folder = out / "import_cases"
    folder.mkdir(parents=True, exist_ok=True)
    x = helper.make_tensor_value_info("x", F, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", F, None)
    weight = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "weight")

    # A Conv whose kernel_shape is a float instead of a list of ints.
    save(folder, "wrong_attr_type", [helper.make_node("Conv", ["x", "weight"], ["y"], name="conv",
                                                      kernel_shape=1.5)], [x], [y], [weight])
    # 2^40 x 2^40 floats: the byte size overflows.
    relu_model(folder, "absurd_shape", TensorProto(name="w", data_type=F, dims=[1 << 40, 1 << 40],
                                                   raw_data=b"\0" * 16))
    relu_model(folder, "raw_size_mismatch", TensorProto(name="w", data_type=F, dims=[4], raw_data=b"\0" * 12))
    relu_model(folder, "typed_count_mismatch", TensorProto(name="w", data_type=F, dims=[4], float_data=[1, 2, 3]))
    relu_model(folder, "negative_dim", TensorProto(name="w", data_type=F, dims=[-4], raw_data=b""))
    relu_model(folder, "wrong_typed_field", TensorProto(name="w", data_type=F, dims=[2], int64_data=[1, 2]))
    # int8 values travel in int32_data and must be narrowed.
    relu_model(folder, "int8_typed", TensorProto(name="w", data_type=TensorProto.INT8, dims=[3],
                                                 int32_data=[-1, 2, 127]))

    # External data: escaping the folder three ways, and a range past the end of the file.
    escape = folder / "escape"
    escape.mkdir(exist_ok=True)
    (folder / "outside.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    (escape / "inside.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    link = escape / "link.bin"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink("../outside.bin", link)
    relu_model(escape, "dotdot", external("w", "../outside.bin"))
    relu_model(escape, "absolute", external("w", str((folder / "outside.bin").resolve())))
    relu_model(escape, "symlink", external("w", "link.bin"))
    relu_model(escape, "past_end", external("w", "inside.bin", offset=8))
    relu_model(escape, "inside", external("w", "inside.bin"))

    # Four unsupported nodes (an op dlcc lacks, a foreign domain, control flow whose body holds
    # an op of a foreign domain, a sequence op), all listed at once; the BatchNormalization in
    # training mode is supported (expanded at import) and not listed.
    then_graph = helper.make_graph([helper.make_node("Bar", ["x"], ["t"], domain="com.example")],
                                   "then", [], [helper.make_tensor_value_info("t", F, None)])
    scale = numpy_helper.from_array(np.ones(3, np.float32), "scale")
    cond = numpy_helper.from_array(np.array(True), "cond")
    save(folder, "unsupported_ops", [
        helper.make_node("TfIdfVectorizer", ["x"], ["tfidf"], name="tfidf_12"),
        helper.make_node("Foo", ["x"], ["foo"], name="custom", domain="com.example"),
        helper.make_node("If", ["cond"], ["branch"], name="branch", then_branch=then_graph,
                         else_branch=then_graph),
        helper.make_node("BatchNormalization", ["x", "scale", "scale", "scale", "scale"],
                         ["bn", "running_mean", "running_var"], name="bn", training_mode=1),
        helper.make_node("SequenceEmpty", [], ["seq"], name="seq"),
        helper.make_node("Relu", ["x"], ["y"], name="relu"),
    ], [x], [y], [scale, cond])

    # Two independent Reshapes whose shapes are graph inputs (known only at run time), and
    # a Relu of the first one's output: both Reshapes are reported, the Relu is skipped.
    shape = helper.make_tensor_value_info("shape", TensorProto.INT64, [2])
    save(folder, "runtime_shapes", [
        helper.make_node("Reshape", ["x", "shape"], ["r1"], name="reshape1"),
        helper.make_node("Relu", ["r1"], ["r2"], name="relu"),
        helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape2"),
    ], [x, shape], [y])
    save(folder, "undefined_input", [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")], [x], [y])
    save(folder, "duplicate_output", [helper.make_node("Relu", ["x"], ["x"], name="relu")], [x], [y])
    save(folder, "string_input", [helper.make_node("Identity", ["s"], ["y"], name="id")],
         [helper.make_tensor_value_info("s", TensorProto.STRING, [2])], [y])
    missing = helper.make_tensor_value_info("x", F, [1, 3])
    missing.type.tensor_type.shape.dim[1].Clear()
    save(folder, "missing_dim", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [missing], [y])
    save(folder, "missing_output", [helper.make_node("Relu", ["x"], ["r"], name="relu")], [x], [y])
    # A symbolic batch dimension, to be bound with "batch=3" or kept as a symbol.
    save(folder, "symbolic_batch", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [helper.make_tensor_value_info("x", F, ["batch", 4])], [y])
    # Opset 1 spelled Cast's target type as a string.
    save(folder, "cast_string_to", [helper.make_node("Cast", ["x"], ["y"], name="cast", to="DOUBLE")],
         [helper.make_tensor_value_info("x", F, [2])],
         [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [2])], opset=1)
    # CastLike: a Cast to the element type of its second input, whose values are never read;
    # and one without that input.
    save(folder, "cast_like", [helper.make_node("CastLike", ["x", "like"], ["y"], name="cast_like", saturate=0)],
         [helper.make_tensor_value_info("x", F, [2]), helper.make_tensor_value_info("like", TensorProto.INT16, [5])],
         [helper.make_tensor_value_info("y", TensorProto.INT16, [2])], opset=19)
    save(folder, "cast_like_one_input", [helper.make_node("CastLike", ["x"], ["y"], name="cast_like")],
         [helper.make_tensor_value_info("x", F, [2])], [y], opset=19)
    # QuantizeLinear to int4 with a per-axis scale: Div, Round, Add, Clip and Cast; and a scale
    # of the wrong length for its axis.
    q_inputs = [helper.make_tensor_value_info("x", F, [3, 4]), helper.make_tensor_value_info("s", F, [3]),
                helper.make_tensor_value_info("z", TensorProto.INT4, [3])]
    save(folder, "quantize_int4", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q", axis=0)],
         q_inputs, [helper.make_tensor_value_info("y", TensorProto.INT4, [3, 4])], opset=21)
    save(folder, "quantize_bad_axis", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q", axis=1)],
         q_inputs, [helper.make_tensor_value_info("y", TensorProto.INT4, [3, 4])], opset=21)
    # GroupNormalization: groups that do not divide the channels; opset 18's per-group scale.
    g_inputs = [helper.make_tensor_value_info("x", F, [2, 4, 3]), helper.make_tensor_value_info("s", F, [4])]
    save(folder, "group_norm_bad_groups", [helper.make_node("GroupNormalization", ["x", "s", "s"], ["y"],
                                                            name="gn", num_groups=3)],
         g_inputs, [helper.make_tensor_value_info("y", F, [2, 4, 3])], opset=21)
    save(folder, "group_norm_opset18", [helper.make_node("GroupNormalization", ["x", "s", "s"], ["y"],
                                                         name="gn", num_groups=2)],
         g_inputs, [helper.make_tensor_value_info("y", F, [2, 4, 3])], opset=18)
    # Forms the expansions of recent ops refuse, each naming the node.
    seq = [helper.make_tensor_value_info(n, F, d) for n, d in (("x", [2, 1, 3]), ("w", [1, 4, 3]), ("r", [1, 4, 4]))]
    save(folder, "rnn_bad_activation", [helper.make_node("RNN", ["x", "w", "r"], ["y", "h"], name="rnn",
                                                         hidden_size=4, activations=["Gelu"])],
         seq, [helper.make_tensor_value_info("h", F, None)], opset=22)
    qkv = [helper.make_tensor_value_info(n, F, [1, 2, 3, 4]) for n in ("q", "k", "v")]
    flex = helper.make_node("FlexAttention", ["q", "k", "v"], ["y"], name="flex", domain="ai.onnx.preview",
                            softmax_precision=TensorProto.FLOAT16)
    graph = helper.make_graph([flex], "flex", qkv, [helper.make_tensor_value_info("y", F, None)])
    onnx.save_model(helper.make_model(graph, ir_version=10, opset_imports=[
        helper.make_opsetid("", 26), helper.make_opsetid("ai.onnx.preview", 1)]),
        str(folder / "flex_softmax_precision.onnx"))
    packed = [helper.make_tensor_value_info(n, F, [1, 2, 8]) for n in ("q", "k", "v")]
    save(folder, "linear_attention_bad_rule", [helper.make_node(
        "LinearAttention", ["q", "k", "v"], ["y", "s"], name="la", q_num_heads=2, kv_num_heads=2,
        update_rule="softmax")], packed, [helper.make_tensor_value_info("y", F, None)], opset=27)
    save(folder, "causal_conv_bad_activation", [helper.make_node(
        "CausalConvWithState", ["x", "w"], ["y", "s"], name="cc", activation="relu")],
         [helper.make_tensor_value_info("x", F, [1, 2, 5]), helper.make_tensor_value_info("w", F, [2, 1, 3])],
         [helper.make_tensor_value_info("y", F, None)], opset=27)
    # An output declared with another element type and shape than the node computes.
    save(folder, "wrong_output_type", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
         [helper.make_tensor_value_info("y", TensorProto.INT64, [1, 3, 8, 8])])
    # value_info declaring an intermediate value with a wrong shape.
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Relu", ["r"], ["y"], name="relu2")],
        "wrong_value_info", [x], [y], value_info=[helper.make_tensor_value_info("r", F, [1, 3, 4, 4])])
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
                    str(folder / "wrong_value_info.onnx"))
    save(folder, "wrong_output_shape", [helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
         [helper.make_tensor_value_info("y", F, [1, 3, 8, 9])])
    # Unsqueeze-11 axes given as a float instead of a list of ints.
    save(folder, "legacy_axes_float", [helper.make_node("Unsqueeze", ["x"], ["y"], name="unsqueeze", axes=2.0)],
         [x], [y], opset=11)
    # Opset 6 legacy broadcasting: B [3, 8] matched against x [1, 3, 8, 8] at axis 1.
    save(folder, "legacy_broadcast_axis", [helper.make_node("Mul", ["x", "b"], ["y"], name="mul", broadcast=1, axis=1)],
         [x], [y], [numpy_helper.from_array(np.full((3, 8), 2, np.float32), "b")], opset=6)
    # Softmax at opset 11 over axis 1 of a 4-D input becomes Flatten → Softmax → Reshape.
    save(folder, "softmax_axis1", [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1)],
         [x], [y], opset=11)
    save_shape_input_cases(folder, x)


# Per op, its inputs whose values decide the output shape (SHAPE_INPUTS in ir/ops.def) and a
# constant for every input but the data input "x": (op, inputs, shape input indices).
SHAPE_INPUT_OPS = [
    ("Reshape", ["x", "shape"], [1]),
    ("Slice", ["x", "starts", "ends", "axes0", "steps"], [1, 2, 3, 4]),
    ("Squeeze", ["x", "axes0"], [1]),
    ("Unsqueeze", ["x", "axes0"], [1]),
    ("ReduceMax", ["x", "axes1"], [1]),
    ("ReduceMean", ["x", "axes1"], [1]),
    ("ReduceMin", ["x", "axes1"], [1]),
    ("ReduceSum", ["x", "axes1"], [1]),
    ("Split", ["x", "split"], [1]),
    ("Expand", ["x", "shape"], [1]),
    ("Pad", ["x", "pads", "pad_value", "axes23"], [1, 3]),
    ("Range", ["start", "limit", "delta"], [0, 1, 2]),
    ("ConstantOfShape", ["shape"], [0]),
]


def save_shape_input_cases(folder, x):
    """shape_inputs_constant: every op of SHAPE_INPUT_OPS with constant shape inputs and Pad's
    value (not a shape input) fed by a graph input (imports); shape_inputs_runtime: one node
    per shape input, that input fed by a graph input (each node fails, naming the input)."""
    i64 = lambda name, values: numpy_helper.from_array(np.array(values, np.int64), name)
    constants = [i64("shape", [1, 3, 8, 8]), i64("starts", [0]), i64("ends", [1]),
                 i64("axes0", [0]), i64("steps", [1]), i64("axes1", [1]), i64("split", [1, 2]),
                 i64("pads", [1, 1, 1, 1]), i64("axes23", [2, 3]), i64("start", 0),
                 i64("limit", 4), i64("delta", 1)]
    pad_value = helper.make_tensor_value_info("pad_value", F, [])
    # Split along axis 1 with two outputs; every other op has one.
    def node(op, inputs, name):
        outputs = [f"{name}_a", f"{name}_b"] if op == "Split" else [f"{name}_y"]
        extra = {"axis": 1} if op == "Split" else {}
        return helper.make_node(op, inputs, outputs, name=name, **extra)
    def outputs_of(nodes):
        return [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for n in nodes for o in n.output]
    nodes = [node(op, inputs, op.lower()) for op, inputs, _ in SHAPE_INPUT_OPS]
    save(folder, "shape_inputs_constant", nodes, [x, pad_value], outputs_of(nodes), constants,
         opset=18)
    dynamic = helper.make_tensor_value_info("dyn", TensorProto.INT64, [4])
    nodes = []
    for op, inputs, shape_inputs in SHAPE_INPUT_OPS:
        for index in shape_inputs:
            fed = [("dyn" if i == index else name) for i, name in enumerate(inputs)]
            nodes.append(node(op, fed, f"{op.lower()}_{index}"))
    save(folder, "shape_inputs_runtime", nodes, [x, pad_value, dynamic], outputs_of(nodes),
         constants, opset=18)


if __name__ == "__main__":
    main(pathlib.Path(OUTPUT_DIR))  # noqa: F821 (set by generate_all.py)
