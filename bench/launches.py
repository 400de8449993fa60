"""Kernel launches per inference at -O0 and -O2, as the compiler counts them (`dlcc compile
--stats`), beside the issue's targets and the launches of other compilers measured on the
same torchvision exports (IREE CUDA dispatches, TVM CUDA launches, onnxruntime's nodes after
its fusions; numbers from the fusion issue, not measured here). Static figures: no timing.

usage: launches.py DLCC MODELS_DIR"""
import pathlib
import re
import subprocess
import sys
import tempfile

# model file stem: (best peer, target); None where the test models have no such export
MODELS = {
    "torchvision_resnet18": ("ResNet-18", 23),
    "torchvision_resnet50": ("ResNet-50", 56),
    "torchvision_mobilenet_v2": ("MobileNetV2", 54),
    "transformer_encoder": ("1-layer transformer encoder (d=64)", None),
}
PEERS = {"ResNet-18": "IREE 32, TVM 23, onnxruntime 25",
         "ResNet-50": "IREE 57, TVM 56, onnxruntime 58",
         "MobileNetV2": "IREE 55, TVM 54, onnxruntime 56"}


def launches(dlcc, model, level, scratch):
    result = subprocess.run([dlcc, "compile", str(model), "--emit=ir", "--target=host",
                             "-o", str(scratch / "model.dlir"), "--stats", f"-O{level}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"dlcc compile {model} -O{level} failed: {result.stderr.strip()}")
    found = re.search(r"(\d+) kernels, (\d+) launches", result.stderr)
    return int(found.group(1)), int(found.group(2))


def main():
    dlcc, models = sys.argv[1], pathlib.Path(sys.argv[2])
    print(f"{'model':38} {'-O0':>5} {'-O2':>5} {'ratio':>6} {'target':>7}  peers (launches)")
    with tempfile.TemporaryDirectory() as scratch:
        for stem, (label, target) in MODELS.items():
            path = models / f"{stem}.onnx"
            if not path.exists():
                print(f"{label:38} (no {path.name}: run make check or tests/models/generate_all.py)")
                continue
            _, before = launches(dlcc, path, 0, pathlib.Path(scratch))
            kernels, after = launches(dlcc, path, 2, pathlib.Path(scratch))
            goal = f"<= {target}" if target else "-"
            print(f"{label:38} {before:5} {after:5} {after / before:6.2f} {goal:>7}  "
                  f"{PEERS.get(label, '')}")


if __name__ == "__main__":
    main()
