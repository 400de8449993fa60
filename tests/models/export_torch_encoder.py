"""Exports a torch.nn.TransformerEncoder to ONNX with its test input: what users export. Runs
under the SYSTEM python3 (Debian's python3-torch, installed by scripts/deps.sh);
make_torch_encoder.py calls it and computes the reference in the venv.

usage: /usr/bin/python3 export_torch_encoder.py OUT_DIR
Writes OUT_DIR/torch_encoder.onnx (opset 17, input "input" f32[1,128,256], output "output"
f32[1,128,256]) and OUT_DIR/torch_encoder.input.npy.

Two post-norm TransformerEncoderLayers (d_model 256, 4 heads, feed-forward 1024, GELU,
batch_first), in eval mode, as torch 1.13's TorchScript exporter writes them: one MatMul for
Q, K and V then three Slices, head splits as Reshape/Transpose, the query divided by
sqrt(head size) before its MatMul with the transposed keys, Softmax, the Erf form of GELU,
and LayerNormalization as one op (opset 17). Every parameter is random (fixed seed), the
LayerNorm gains and all biases included: at their default values (1 and 0) the exporter
shares one constant between them, and a wrong operand would go unnoticed. 128 tokens, a
common encoder input length: with a handful of tokens the 6 MB of weights are most of the
traffic and the fusion figures (launches, modeled DRAM bytes) would say little about the
activations."""
import inspect
import pathlib
import sys

import numpy as np
import torch

OPSET = 17  # as export_torchvision.py: the newest torch 1.13 exports
SEQUENCE, MODEL, HEADS, FEED_FORWARD, LAYERS = 128, 256, 4, 1024, 2
TORCHSCRIPT_EXPORTER = ({"dynamo": False}
                        if "dynamo" in inspect.signature(torch.onnx.export).parameters else {})


def build():
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=MODEL, nhead=HEADS,
                                             dim_feedforward=FEED_FORWARD, activation="gelu",
                                             batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=LAYERS, enable_nested_tensor=False)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.copy_(torch.randn_like(parameter) * 0.1)
            elif "norm" in name:
                parameter.copy_(1 + torch.randn_like(parameter) * 0.1)
    return model.eval()


def export(out_dir):
    model = build()
    x = torch.randn(1, SEQUENCE, MODEL)
    torch.onnx.export(model, x, str(out_dir / "torch_encoder.onnx"), opset_version=OPSET,
                      input_names=["input"], output_names=["output"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL, **TORCHSCRIPT_EXPORTER)
    np.save(out_dir / "torch_encoder.input.npy", x.numpy())


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    export(out)
