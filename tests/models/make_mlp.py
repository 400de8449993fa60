"""MLP test model: Gemm → Relu → Gemm → Relu → Gemm → Softmax (opset 17), with an input and
onnxruntime's reference output saved next to it."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference


def build(rng):
    sizes = [64, 128, 64, 10]
    nodes, weights = [], []
    previous = "input"
    for layer in range(3):
        w = rng.standard_normal((sizes[layer], sizes[layer + 1])).astype(np.float32) * 0.1
        b = rng.standard_normal(sizes[layer + 1]).astype(np.float32) * 0.1
        weights += [numpy_helper.from_array(w, f"fc{layer}.weight"),
                    numpy_helper.from_array(b, f"fc{layer}.bias")]
        nodes.append(helper.make_node("Gemm", [previous, f"fc{layer}.weight", f"fc{layer}.bias"],
                                      [f"fc{layer}"], name=f"fc{layer}"))
        previous = f"fc{layer}"
        if layer < 2:
            nodes.append(helper.make_node("Relu", [previous], [f"relu{layer}"], name=f"relu{layer}"))
            previous = f"relu{layer}"
    nodes.append(helper.make_node("Softmax", [previous], ["probabilities"], name="softmax", axis=1))
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [4, 64])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [4, 10])], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    model = build(rng)
    feeds = {"input": rng.standard_normal((4, 64)).astype(np.float32)}
    save_with_reference(model, feeds, OUTPUT_DIR, "mlp")  # noqa: F821 (set by generate_all.py)
