"""Small CNN test model: Conv/BatchNormalization/Relu/MaxPool twice, then GlobalAveragePool,
Flatten and Gemm (opset 17), with an input and onnxruntime's reference output."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference


def conv_block(rng, nodes, weights, previous, name, in_channels, out_channels):
    w = rng.standard_normal((out_channels, in_channels, 3, 3)).astype(np.float32) * 0.2
    weights.append(numpy_helper.from_array(w, f"{name}.weight"))
    for part, values in (("scale", rng.uniform(0.5, 1.5, out_channels)),
                         ("bias", rng.standard_normal(out_channels) * 0.1),
                         ("mean", rng.standard_normal(out_channels) * 0.1),
                         ("var", rng.uniform(0.5, 1.5, out_channels))):
        weights.append(numpy_helper.from_array(values.astype(np.float32), f"{name}.bn.{part}"))
    nodes += [
        helper.make_node("Conv", [previous, f"{name}.weight"], [f"{name}.conv"], name=f"{name}.conv",
                         pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization",
                         [f"{name}.conv"] + [f"{name}.bn.{p}" for p in ("scale", "bias", "mean", "var")],
                         [f"{name}.bn"], name=f"{name}.bn", epsilon=1e-5),
        helper.make_node("Relu", [f"{name}.bn"], [f"{name}.relu"], name=f"{name}.relu"),
        helper.make_node("MaxPool", [f"{name}.relu"], [f"{name}.pool"], name=f"{name}.pool",
                         kernel_shape=[2, 2], strides=[2, 2]),
    ]
    return f"{name}.pool"


def build(rng):
    nodes, weights = [], []
    previous = conv_block(rng, nodes, weights, "image", "block1", 3, 8)
    previous = conv_block(rng, nodes, weights, previous, "block2", 8, 16)
    fc_w = rng.standard_normal((10, 16)).astype(np.float32) * 0.2
    fc_b = rng.standard_normal(10).astype(np.float32) * 0.1
    weights += [numpy_helper.from_array(fc_w, "fc.weight"), numpy_helper.from_array(fc_b, "fc.bias")]
    nodes += [
        helper.make_node("GlobalAveragePool", [previous], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "small_cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [2, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 10])], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


if __name__ == "__main__":
    rng = np.random.default_rng(2)
    model = build(rng)
    feeds = {"image": rng.standard_normal((2, 3, 32, 32)).astype(np.float32)}
    save_with_reference(model, feeds, OUTPUT_DIR, "small_cnn")  # noqa: F821
