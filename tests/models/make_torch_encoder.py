"""A torch.nn.TransformerEncoder (2 layers, d_model 256, 4 heads, GELU, batch_first) as torch
exports it, with an input and onnxruntime's reference output: torch_encoder.onnx. The model of
the fusion issue's launch target for a 2-layer encoder (bench/launches.py).

torch is not in the venv: export_torch_encoder.py runs under the system python3 (as
make_torchvision.py does) and writes the ONNX file and input to a scratch folder; this script,
in the venv, checks and saves the model with onnxruntime's reference. Without system torch it
fails: a skipped model would hide failures. The outputs are kept while they are newer than
these scripts."""
import pathlib
import subprocess
import tempfile

import numpy as np
import onnx
from make_torchvision import SYSTEM_PYTHON
from reference import save_with_reference

HERE = pathlib.Path(__file__).parent
SOURCES = [HERE / "make_torch_encoder.py", HERE / "export_torch_encoder.py", HERE / "reference.py"]
STEM = "torch_encoder"


def up_to_date(out_dir):
    made = [out_dir / f"{STEM}{suffix}" for suffix in (".onnx", ".input.npy", ".output.npy")]
    return all(path.exists() for path in made) and min(
        path.stat().st_mtime for path in made) > max(path.stat().st_mtime for path in SOURCES)


def main(out_dir):
    if up_to_date(out_dir):
        print("torch encoder is up to date")
        return
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        command = [SYSTEM_PYTHON, str(HERE / "export_torch_encoder.py"), str(scratch)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"make_torch_encoder.py: `{' '.join(command)}` exited "
                             f"{result.returncode} (scripts/deps.sh installs python3-torch):\n"
                             f"{result.stderr.strip()}")
        model = onnx.load(str(scratch / f"{STEM}.onnx"))
        feeds = {"input": np.load(scratch / f"{STEM}.input.npy")}
        save_with_reference(model, feeds, out_dir, STEM)


if __name__ == "__main__":
    main(pathlib.Path(OUTPUT_DIR))  # noqa: F821
