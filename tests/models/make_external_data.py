"""Model whose weights live in an external data file (external_data/model.onnx with
external_data/weights.bin): Gemm → Relu → Gemm, opset 17, plus an input and onnxruntime's
reference output."""
import pathlib

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper


def build(rng):
    weights = [
        numpy_helper.from_array((rng.standard_normal((32, 48)) * 0.2).astype(np.float32), "fc1.weight"),
        numpy_helper.from_array((rng.standard_normal(48) * 0.1).astype(np.float32), "fc1.bias"),
        numpy_helper.from_array((rng.standard_normal((48, 8)) * 0.2).astype(np.float32), "fc2.weight"),
        numpy_helper.from_array((rng.standard_normal(8) * 0.1).astype(np.float32), "fc2.bias"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1"),
        helper.make_node("Relu", ["fc1"], ["relu"], name="relu"),
        helper.make_node("Gemm", ["relu", "fc2.weight", "fc2.bias"], ["output"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes, "external_data", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 32])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [2, 8])], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


if __name__ == "__main__":
    rng = np.random.default_rng(5)
    model = build(rng)
    folder = pathlib.Path(OUTPUT_DIR) / "external_data"  # noqa: F821 (set by generate_all.py)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weights.bin").unlink(missing_ok=True)  # save_model appends to an existing file
    onnx.save_model(model, str(folder / "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    onnx.checker.check_model(str(folder / "model.onnx"), full_check=True)
    feeds = {"input": rng.standard_normal((2, 32)).astype(np.float32)}
    session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    np.save(folder / "model.input.npy", feeds["input"])
    np.save(folder / "model.output.npy", session.run(None, feeds)[0])
