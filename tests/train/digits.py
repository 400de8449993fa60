"""The handwritten-digits training test's data and model: `digits.py data OUT` (system
python3, python3-sklearn) writes OUT/train and OUT/val (input.npy [N,1,8,8] float32 scaled to
0..1, labels.npy int64; the last 360 of the 1,797 samples, after a fixed shuffle, held out);
`digits.py model OUT` (the test venv's python, onnx) writes OUT/digits.onnx: a small CNN
(Conv 16 3x3, ReLU, Conv 32 3x3, ReLU, MaxPool 2, Gemm 512→10) with random weights and a
dynamic batch. (In python3-torch this network, AdamW at 0.003 with a cosine schedule for 25
epochs, reaches 97.5-98.3% on the held-out samples over four seeds.)"""
import os
import sys

import numpy as np

HELD_OUT = 360


def write_data(out):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(7).permutation(len(y))
    x, y = x[order], y[order]
    for name, rows in (("train", slice(0, len(y) - HELD_OUT)), ("val", slice(len(y) - HELD_OUT, None))):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        np.save(os.path.join(out, name, "input.npy"), x[rows])
        np.save(os.path.join(out, name, "labels.npy"), y[rows])


def write_model(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(3)

    def weight(name, shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return numpy_helper.from_array(rng.uniform(-bound, bound, shape).astype(np.float32), name)

    inits = [weight("conv1.weight", (16, 1, 3, 3), 9), weight("conv1.bias", (16,), 9),
             weight("conv2.weight", (32, 16, 3, 3), 144), weight("conv2.bias", (32,), 144),
             weight("fc.weight", (10, 512), 512), weight("fc.bias", (10,), 512)]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], **conv),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], **conv),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("MaxPool", ["r2"], ["p2"], **pool),
             helper.make_node("Flatten", ["p2"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], transB=1)]
    graph = helper.make_graph(
        nodes, "digits", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "digits.onnx"))


if __name__ == "__main__":
    {"data": write_data, "model": write_model}[sys.argv[1]](sys.argv[2])
