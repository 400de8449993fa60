"""Real architectures from torchvision with random weights, each with an input and onnxruntime's
reference output: torchvision_resnet18.onnx, torchvision_mobilenet_v2.onnx (depthwise and
grouped convolutions, Clip as ReLU6, inverted residuals) and torchvision_resnet50.onnx
(bottleneck blocks; also the model test_dot_render.sh draws), torchvision_efficientnet_b0.onnx
(SiLU as Sigmoid and Mul, squeeze-and-excitation blocks: GlobalAveragePool, two 1x1 Convs and a
channel Mul). Batch 1, f32[1,3,224,224] in,
f32[1,1000] logits out, opset 17, BatchNorm folded into Conv by the exporter.

torch is not in the venv: export_torchvision.py runs under the system python3 (Debian's
python3-torch and python3-torchvision, installed by scripts/deps.sh) and writes the ONNX files
and inputs to a scratch folder; this script, in the venv, checks and saves each model with
onnxruntime's reference. Without system torch it fails: a skipped model would hide failures.
The outputs are kept while they are newer than these scripts (a torch export takes seconds)."""
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import onnx
from reference import save_with_reference

# The python3 with torch and torchvision: Debian's, or another where DLCC_TORCH_PYTHON says
# (scripts/gpu-check on a machine whose own python3 has torch).
SYSTEM_PYTHON = os.environ.get("DLCC_TORCH_PYTHON", "/usr/bin/python3")
MODELS = ["resnet18", "mobilenet_v2", "resnet50", "efficientnet_b0"]
HERE = pathlib.Path(__file__).parent
SOURCES = [HERE / "make_torchvision.py", HERE / "export_torchvision.py", HERE / "reference.py"]


def outputs(out_dir, name):
    stem = f"torchvision_{name}"
    return [out_dir / f"{stem}{suffix}" for suffix in (".onnx", ".input.npy", ".output.npy")]


def up_to_date(out_dir):
    made = [path for name in MODELS for path in outputs(out_dir, name)]
    if not all(path.exists() for path in made):
        return False
    return min(path.stat().st_mtime for path in made) > max(path.stat().st_mtime for path in SOURCES)


def export(scratch):
    command = [SYSTEM_PYTHON, str(HERE / "export_torchvision.py"), str(scratch), *MODELS]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"make_torchvision.py: `{' '.join(command)}` exited {result.returncode} "
                         f"(scripts/deps.sh installs python3-torch and python3-torchvision):\n"
                         f"{result.stderr.strip()}")


def main(out_dir):
    if up_to_date(out_dir):
        print("torchvision models are up to date")
        return
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        export(scratch)
        for name in MODELS:
            model = onnx.load(str(scratch / f"{name}.onnx"))
            feeds = {"input": np.load(scratch / f"{name}.input.npy")}
            save_with_reference(model, feeds, out_dir, f"torchvision_{name}")


if __name__ == "__main__":
    main(pathlib.Path(OUTPUT_DIR))  # noqa: F821
