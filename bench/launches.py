"""Kernel launches per inference at -O0 and -O2, as the compiler counts them (`dlcc compile
--stats`), beside the issue's targets and the launches of other compilers measured on the
same torchvision and torch.nn.TransformerEncoder exports (IREE CUDA dispatches, TVM CUDA
launches, onnxruntime's nodes after its fusions; numbers from the fusion issue, not measured
here); then the compiler's modeled
DRAM traffic per inference at -O0 and -O2 in f32, and at -O2 with 16-bit storage
(`--precision=f16`), each against -O0 (target <= 0.5 on ResNet-50 and the encoder): in f32
the weights, read once at every level, bound ResNet-50's ratio from below at 0.51
(docs/passes.md). Static figures: no timing.

usage: launches.py DLCC MODELS_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile

# model file stem: (best peer, target); None where the test models have no such export
MODELS = {
    "torchvision_resnet18": ("ResNet-18", 23),
    "torchvision_resnet50": ("ResNet-50", 56),
    "torchvision_mobilenet_v2": ("MobileNetV2", 54),
    "torchvision_efficientnet_b0": ("EfficientNet-B0", 99),
    "torch_encoder": ("2-layer transformer encoder (d=256)", 20),
    "transformer_encoder": ("1-layer transformer encoder (d=64)", None),
}
PEERS = {"ResNet-18": "IREE 32, TVM 23, onnxruntime 25",
         "ResNet-50": "IREE 57, TVM 56, onnxruntime 58",
         "MobileNetV2": "IREE 55, TVM 54, onnxruntime 56",
         "EfficientNet-B0": "IREE 117, TVM 99, onnxruntime 220",
         "2-layer transformer encoder (d=256)": "IREE 34, TVM 82, onnxruntime 50"}


def figures(dlcc, model, level, scratch, precision="f32"):
    """(launches, modeled DRAM bytes) of one compile."""
    report = scratch / "report.json"
    result = subprocess.run([dlcc, "compile", str(model), "--emit=ir", "--target=host",
                             "-o", str(scratch / "model.dlir"), f"--report={report}",
                             f"-O{level}", f"--precision={precision}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"dlcc compile {model} -O{level} --precision={precision} failed: "
                         f"{result.stderr.strip()}")
    figures = json.loads(report.read_text())
    return figures["launches"], figures["dram_bytes"]


def main():
    dlcc, models = sys.argv[1], pathlib.Path(sys.argv[2])
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for stem, (label, target) in MODELS.items():
            path = models / f"{stem}.onnx"
            if not path.exists():
                print(f"{label:38} (no {path.name}: run make check or tests/models/generate_all.py)")
                continue
            rows.append((label, target, figures(dlcc, path, 0, pathlib.Path(scratch)),
                         figures(dlcc, path, 2, pathlib.Path(scratch)),
                         figures(dlcc, path, 2, pathlib.Path(scratch), "f16")))
    print(f"{'model':38} {'-O0':>5} {'-O2':>5} {'ratio':>6} {'target':>7}  peers (launches)")
    for label, target, (before, _), (after, _), _ in rows:
        goal = f"<= {target}" if target else "-"
        print(f"{label:38} {before:5} {after:5} {after / before:6.2f} {goal:>7}  "
              f"{PEERS.get(label, '')}")
    print(f"\n{'modeled DRAM traffic per inference':38} {'-O0 MiB':>8} {'-O2 MiB':>8} {'ratio':>6}"
          f" {'-O2 f16':>8} {'ratio':>6}  (f16: --precision=f16, launches)")
    for label, _, (_, before), (_, after), (launches, half) in rows:
        print(f"{label:38} {before / 2**20:8.1f} {after / 2**20:8.1f} {after / before:6.2f}"
              f" {half / 2**20:8.1f} {half / before:6.2f}  ({launches})")


if __name__ == "__main__":
    main()
