"""Writes a training-test case's network as ONNX (opset 17, dynamic batch), its initializers
the initial weights torch_reference.py saved: build_onnx.py CASE FOLDER writes
FOLDER/model.onnx from FOLDER/init/*.npy. Run with the test venv's python (onnx)."""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES, CNN, ENCODER, MLP  # noqa: E402


def node(op, inputs, outputs, **attributes):
    return helper.make_node(op, inputs, outputs, name=outputs[0], **attributes)


def mlp():
    nodes = [node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1),
             node("Relu", ["h"], ["r"]),
             node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["logits"], transB=1)]
    return nodes, ["batch", MLP["features"]], ["batch", MLP["classes"]], []


def cnn():
    nodes = [node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], pads=[1, 1, 1, 1],
                  kernel_shape=[3, 3]),
             node("BatchNormalization", ["c", "bn.weight", "bn.bias", "bn.running_mean",
                                         "bn.running_var"], ["n"], epsilon=1e-5, momentum=0.9),
             node("Relu", ["n"], ["r"]),
             node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             node("Flatten", ["p"], ["f"], axis=1),
             node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], transB=1)]
    return nodes, ["batch", 1, CNN["size"], CNN["size"]], ["batch", CNN["classes"]], []


def encoder():
    d = ENCODER["model"]
    scale = numpy_helper.from_array(np.array(1.0 / math.sqrt(d), np.float32), "scale")
    nodes = [node("MatMul", ["input", "wq"], ["q"]), node("MatMul", ["input", "wk"], ["k"]),
             node("MatMul", ["input", "wv"], ["v"]),
             node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             node("MatMul", ["q", "kt"], ["s"]), node("Mul", ["s", "scale"], ["ss"]),
             node("Softmax", ["ss"], ["a"], axis=-1), node("MatMul", ["a", "v"], ["av"]),
             node("MatMul", ["av", "wo"], ["o"]), node("Add", ["input", "o"], ["res1"]),
             node("LayerNormalization", ["res1", "ln1.weight", "ln1.bias"], ["h"], axis=-1,
                  epsilon=1e-5),
             node("MatMul", ["h", "ff1.weight"], ["f1"]), node("Add", ["f1", "ff1.bias"], ["f1b"]),
             node("Relu", ["f1b"], ["f1r"]), node("MatMul", ["f1r", "ff2.weight"], ["f2"]),
             node("Add", ["f2", "ff2.bias"], ["f2b"]), node("Add", ["h", "f2b"], ["res2"]),
             node("LayerNormalization", ["res2", "ln2.weight", "ln2.bias"], ["h2"], axis=-1,
                  epsilon=1e-5),
             node("ReduceMean", ["h2"], ["pooled"], axes=[1], keepdims=0),
             node("Gemm", ["pooled", "cls.weight", "cls.bias"], ["logits"], transB=1)]
    shape = ["batch", ENCODER["tokens"], d]
    return nodes, shape, ["batch", ENCODER["classes"]], [scale]


def main():
    case, folder = sys.argv[1], sys.argv[2]
    nodes, input_shape, output_shape, constants = {"mlp": mlp, "cnn": cnn,
                                                   "encoder": encoder}[CASES[case]["net"]]()
    init = os.path.join(folder, "init")
    initializers = [numpy_helper.from_array(np.load(os.path.join(init, f)), f[:-4])
                    for f in sorted(os.listdir(init))]
    graph = helper.make_graph(
        nodes, case, [helper.make_tensor_value_info("input", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, output_shape)],
        initializers + constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "model.onnx"))


if __name__ == "__main__":
    main()
