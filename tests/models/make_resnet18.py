"""ResNet-18-shaped test model (1x3x224x224 input, 7x7 stem, four stages of two basic blocks
with 64/128/256/512 channels, 1x1 downsampling shortcuts, 1000 classes) with random weights,
plus an input and onnxruntime's reference output.

Like a trained network in inference mode, each BatchNormalization's running mean and variance
are the statistics of the activations it normalizes (measured on the test input, layer by layer):
activations stay near unit scale through the residual stages and the logits are O(1). With
uncalibrated statistics the residual sums grow to O(100) and fp32 summation order alone moves
near-zero logits by more than the fp32 tolerance (rtol 1e-4, atol 1e-5) — onnxruntime itself is
then about as far from a float64 evaluation as dlcc is."""

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from reference import save_with_reference


class Builder:
    def __init__(self, rng):
        self.rng, self.nodes, self.weights = rng, [], []

    def conv_bn(self, x, name, cin, cout, kernel, stride, relu):
        fan_in = cin * kernel * kernel
        w = self.rng.standard_normal((cout, cin, kernel, kernel)) * np.sqrt(2.0 / fan_in)
        self.weights.append(numpy_helper.from_array(w.astype(np.float32), f"{name}.weight"))
        for part, values in (("scale", self.rng.uniform(0.8, 1.2, cout)),
                             ("bias", self.rng.standard_normal(cout) * 0.05),
                             ("mean", self.rng.standard_normal(cout) * 0.05),
                             ("var", self.rng.uniform(0.8, 1.2, cout))):
            self.weights.append(numpy_helper.from_array(values.astype(np.float32), f"{name}.bn.{part}"))
        pad = kernel // 2
        self.nodes.append(helper.make_node(
            "Conv", [x, f"{name}.weight"], [f"{name}.conv"], name=f"{name}.conv",
            kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4))
        self.nodes.append(helper.make_node(
            "BatchNormalization", [f"{name}.conv"] + [f"{name}.bn.{p}" for p in ("scale", "bias", "mean", "var")],
            [f"{name}.bn"], name=f"{name}.bn"))
        if not relu:
            return f"{name}.bn"
        self.nodes.append(helper.make_node("Relu", [f"{name}.bn"], [f"{name}.relu"], name=f"{name}.relu"))
        return f"{name}.relu"

    def basic_block(self, x, name, cin, cout, stride):
        y = self.conv_bn(x, f"{name}.conv1", cin, cout, 3, stride, True)
        y = self.conv_bn(y, f"{name}.conv2", cout, cout, 3, 1, False)
        shortcut = x
        if stride != 1 or cin != cout:
            shortcut = self.conv_bn(x, f"{name}.downsample", cin, cout, 1, stride, False)
        self.nodes.append(helper.make_node("Add", [y, shortcut], [f"{name}.add"], name=f"{name}.add"))
        self.nodes.append(helper.make_node("Relu", [f"{name}.add"], [f"{name}.out"], name=f"{name}.relu"))
        return f"{name}.out"


def build(rng):
    b = Builder(rng)
    x = b.conv_bn("input", "conv1", 3, 64, 7, 2, True)
    b.nodes.append(helper.make_node("MaxPool", [x], ["maxpool"], name="maxpool",
                                    kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    x, channels = "maxpool", 64
    for stage, width in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            x = b.basic_block(x, f"layer{stage}.{block}", channels, width, stride)
            channels = width
    fc_w = rng.standard_normal((1000, 512)) * np.sqrt(1.0 / 512)
    b.weights += [numpy_helper.from_array(fc_w.astype(np.float32), "fc.weight"),
                  numpy_helper.from_array(np.zeros(1000, np.float32), "fc.bias")]
    b.nodes += [helper.make_node("GlobalAveragePool", [x], ["avgpool"], name="avgpool"),
                helper.make_node("Flatten", ["avgpool"], ["flatten"], name="flatten", axis=1),
                helper.make_node("Gemm", ["flatten", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1)]
    graph = helper.make_graph(
        b.nodes, "resnet18", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])], b.weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def calibrate_batch_norms(model, feeds):
    """Sets each BatchNormalization's mean/var to its input's per-channel statistics, in
    graph order, so later layers see the already-normalized activations."""
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "BatchNormalization":
            continue
        probe = onnx.ModelProto()
        probe.CopyFrom(model)
        del probe.graph.output[:]
        probe.graph.output.append(helper.make_tensor_value_info(node.input[0], TensorProto.FLOAT, None))
        session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
        activation = session.run(None, feeds)[0].astype(np.float64)
        for name, values in ((node.input[3], activation.mean(axis=(0, 2, 3))),
                             (node.input[4], activation.var(axis=(0, 2, 3)))):
            weights[name].CopyFrom(numpy_helper.from_array(values.astype(np.float32), name))
    return model


if __name__ == "__main__":
    rng = np.random.default_rng(18)
    model = build(rng)
    feeds = {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    model = calibrate_batch_norms(model, feeds)
    save_with_reference(model, feeds, OUTPUT_DIR, "resnet18")  # noqa: F821
