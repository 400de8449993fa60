"""Compile time beside onnxruntime's session creation, side by side in one run.

For each torchvision export and the transformer test models: dlcc's wall time to compile the
model to PTX for sm_80 (`dlcc compile --emit=ptx`: import, passes, lowering, LLVM's NVPTX
backend) beside the time onnxruntime takes to create a CPU session with every graph
optimization (ORT_ENABLE_ALL: its fusions and layout passes), the median of REPEAT runs of
each, and their ratio. IREE's compile time is not measured here (no IREE on this machine);
onnxruntime's session creation is the side-by-side stand-in the issue names.

usage: compile_time.py DLCC MODELS_DIR [--repeat N]"""
import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

import onnxruntime

MODELS = ["torchvision_resnet18", "torchvision_resnet50", "torchvision_mobilenet_v2",
          "torchvision_efficientnet_b0", "torch_encoder", "transformer_encoder"]


def dlcc_seconds(dlcc, model, scratch):
    started = time.perf_counter()
    subprocess.run([dlcc, "compile", str(model), "--emit=ptx", "--target=sm_80",
                    "-o", str(scratch / "model.ptx")], check=True, capture_output=True)
    return time.perf_counter() - started


def onnxruntime_seconds(model):
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    started = time.perf_counter()
    onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dlcc")
    parser.add_argument("models", type=pathlib.Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'model':30} {'dlcc to PTX':>12} {'onnxruntime':>12} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as scratch:
        for stem in MODELS:
            model = args.models / f"{stem}.onnx"
            if not model.exists():
                print(f"{stem:30} (no {model.name}: run make check or tests/models/generate_all.py)")
                continue
            ours = statistics.median(dlcc_seconds(args.dlcc, model, pathlib.Path(scratch))
                                     for _ in range(args.repeat))
            theirs = statistics.median(onnxruntime_seconds(model) for _ in range(args.repeat))
            print(f"{stem:30} {ours:10.2f} s {theirs:10.2f} s {ours / theirs:6.2f}")


if __name__ == "__main__":
    main()
