"""Models with Dropout in training mode (training_mode an initializer true, as torch's
model.train() export gives it) and their data, for tests/scripts/test_train_dropout.sh:
dropout_onnx.py FOLDER writes
- FOLDER/mlp.onnx: Gemm, Relu, Dropout(0.5), Gemm over 8 features and 3 classes; its data in
  FOLDER/train/ (96 samples) and FOLDER/val/ (32), labels from the first two features;
- FOLDER/probe.onnx: logits = Dropout(input * w, 0.25) with w ones of 256, and FOLDER/ones/
  (16 samples of ones, zero targets): its mse loss is the fraction kept / 0.75^2.
Run with the test venv's python (onnx)."""
import os
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper, save

PROBE_FEATURES = 256


def write_model(path, nodes, initializers, features, outputs):
    graph = helper.make_graph(
        nodes, os.path.basename(path)[:-5],
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", outputs])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    checker.check_model(model)
    save(model, path)


def dropout(ratio, name):
    """A training-mode Dropout's node and its ratio and training_mode initializers."""
    return ([helper.make_node("Dropout", ["x_" + name, name + ".ratio", name + ".training"],
                              ["y_" + name], name=name)],
            [numpy_helper.from_array(np.array(ratio, np.float32), name + ".ratio"),
             numpy_helper.from_array(np.array(True), name + ".training")])


def save_data(folder, inputs, labels):
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "input.npy"), inputs)
    np.save(os.path.join(folder, "labels.npy"), labels)


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    arrays = {"fc1.weight": rng.normal(0, 0.4, (32, 8)), "fc1.bias": np.zeros(32),
              "fc2.weight": rng.normal(0, 0.3, (3, 32)), "fc2.bias": np.zeros(3)}
    weights = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in arrays.items()]
    drop_nodes, drop_inits = dropout(0.5, "drop")
    nodes = [helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1,
                              name="fc1"),
             helper.make_node("Relu", ["h"], ["x_drop"], name="relu")] + drop_nodes + [
             helper.make_node("Gemm", ["y_drop", "fc2.weight", "fc2.bias"], ["logits"],
                              transB=1, name="fc2")]
    write_model(os.path.join(folder, "mlp.onnx"), nodes, weights + drop_inits, 8, 3)
    x = rng.normal(size=(128, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
    save_data(os.path.join(folder, "train"), x[:96], y[:96])
    save_data(os.path.join(folder, "val"), x[96:], y[96:])

    drop_nodes, drop_inits = dropout(0.25, "probe")
    nodes = [helper.make_node("Mul", ["input", "w"], ["x_probe"], name="scale")] + drop_nodes + [
        helper.make_node("Identity", ["y_probe"], ["logits"], name="out")]
    w = numpy_helper.from_array(np.ones(PROBE_FEATURES, np.float32), "w")
    write_model(os.path.join(folder, "probe.onnx"), nodes, [w] + drop_inits, PROBE_FEATURES,
                PROBE_FEATURES)
    save_data(os.path.join(folder, "ones"), np.ones((16, PROBE_FEATURES), np.float32),
              np.zeros((16, PROBE_FEATURES), np.float32))


if __name__ == "__main__":
    main()
