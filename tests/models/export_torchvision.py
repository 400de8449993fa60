"""Exports torchvision models with random weights to ONNX, with their test inputs. Runs under
the SYSTEM python3 (Debian's python3-torch and python3-torchvision, installed by
scripts/deps.sh); make_torchvision.py calls it and computes the references in the venv.

usage: /usr/bin/python3 export_torchvision.py OUT_DIR NAME...
Writes OUT_DIR/NAME.onnx (opset 17, input "input" f32[1,3,224,224], output "logits" f32[1,1000])
and OUT_DIR/NAME.input.npy for each torchvision model NAME (e.g. resnet18, mobilenet_v2).

Random weights only (weights=None: nothing is downloaded). Like a trained network in inference
mode, each BatchNorm's running mean and variance are the statistics of the activations it
normalizes on the test input: one forward pass in train mode with momentum=None (a cumulative
average, which after one batch is that batch's statistics), then eval(). Activations stay O(1)
and the fp32 tolerance of the comparison means something (see make_resnet18.py for what goes
wrong otherwise). The exporter's constant folding then folds each BatchNorm into its Conv.

Each ResNet residual branch ends in a BatchNorm whose scale is set to RESIDUAL_GAIN before the
calibration (torchvision's zero_init_residual sets it to 0; trained ResNets learn small values
there). With unit gains the random network is chaotic: rounding errors grow about 1.4x per block,
and ResNet-50's logits differ from a float64 evaluation by 3e-5 in onnxruntime and in torch
alike — past the fp32 tolerance before dlcc adds anything. At 0.25 they differ by about 1.5e-6."""
import pathlib
import sys

import inspect

import numpy as np
import torch
import torchvision

OPSET = 17  # the newest torch 1.13 exports; dlcc imports it
RESIDUAL_GAIN = 0.25
# Newer torch exports through dynamo by default (a different graph, a newer opset); the
# TorchScript exporter gives the same graph as Debian's torch on any machine.
TORCHSCRIPT_EXPORTER = ({"dynamo": False}
                        if "dynamo" in inspect.signature(torch.onnx.export).parameters else {})


def damp_residual_branches(model):
    for module in model.modules():
        if isinstance(module, torchvision.models.resnet.BasicBlock):
            torch.nn.init.constant_(module.bn2.weight, RESIDUAL_GAIN)
        elif isinstance(module, torchvision.models.resnet.Bottleneck):
            torch.nn.init.constant_(module.bn3.weight, RESIDUAL_GAIN)


def calibrate_batch_norms(model, image):
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None
    model.train()
    with torch.no_grad():
        model(image)
    model.eval()


def export(name, out_dir):
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None)
    image = torch.randn(1, 3, 224, 224)
    damp_residual_branches(model)
    calibrate_batch_norms(model, image)
    torch.onnx.export(model, image, str(out_dir / f"{name}.onnx"), opset_version=OPSET,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL, **TORCHSCRIPT_EXPORTER)
    np.save(out_dir / f"{name}.input.npy", image.numpy())


if __name__ == "__main__":
    out_dir = pathlib.Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:]:
        export(name, out_dir)
