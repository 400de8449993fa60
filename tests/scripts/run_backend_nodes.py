"""Runs ONNX backend node tests through `dlcc run` and compares every output with the
reference tensors of the onnx wheel (rtol 1e-4, atol 1e-5; exact shapes and dtypes).
Usage: run_backend_nodes.py DLCC WORK_DIR MIN_PASSED REGEX [--device=host|cuda]
DLCC_JOBS=N runs N cases at once; DLCC_ONNX_NODE_DATA=DIR reads the cases from DIR.
A model fails to count only when dlcc reports it unsupported at import; any other error or
mismatch fails the run, as does passing fewer than MIN_PASSED models."""
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

dlcc, work, min_passed, pattern = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
extra = sys.argv[5:]
# The wheel's node cases, or a copy where DLCC_ONNX_NODE_DATA says (an onnx without its data).
data = pathlib.Path(os.environ.get("DLCC_ONNX_NODE_DATA",
                                   pathlib.Path(onnx.__file__).parent / "backend/test/data/node"))
selected = [d for d in sorted(data.iterdir()) if re.match(pattern, d.name)]
passed, unsupported, failures = [], [], []


def tensor(path):
    proto = onnx.TensorProto()
    proto.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(proto)


def check(case):
    """("passed" | "unsupported" | "failed", line) for one case."""
    model = onnx.load(str(case / "model.onnx"))
    data_set = case / "test_data_set_0"
    out_dir = work / case.name
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in weights]
    args = []
    for k, name in enumerate(inputs):
        # The suite's own .pb files, read by dlcc run directly (its .pb input path).
        args += ["--input", f"{name}={data_set}/input_{k}.pb"]
    run = subprocess.run([dlcc, "run", str(case / "model.onnx"), "-q", "--output-dir", str(out_dir)]
                         + extra + args, capture_output=True, text=True, timeout=300)
    message = (run.stderr or run.stdout).strip()
    if run.returncode != 0:
        return ("unsupported" if "unsupported" in message else "failed"), f"{case.name}: {message[-300:]}"
    problem = None
    for k, output in enumerate(model.graph.output):
        expected = tensor(data_set / f"output_{k}.pb")
        written = out_dir / (re.sub(r"[^A-Za-z0-9_]", "_", output.name) + ".npy")
        if not written.exists():
            candidates = sorted(out_dir.glob(f"{output.name}*.npy"))
            written = candidates[0] if candidates else written
        if not written.exists():
            problem = f"no file for output '{output.name}' in {out_dir}"
            break
        actual = np.load(written)
        if actual.shape != expected.shape or actual.dtype != expected.dtype:
            problem = f"output '{output.name}' is {actual.dtype}{list(actual.shape)}, expected {expected.dtype}{list(expected.shape)}"
            break
        if not np.allclose(actual, expected, rtol=1e-4, atol=1e-5, equal_nan=True):
            worst = np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max()
            problem = f"output '{output.name}' differs by up to {worst:g}"
            break
    return ("failed", f"{case.name}: {problem}") if problem else ("passed", case.name)



# Cases are independent processes: DLCC_JOBS runs that many at once (results keep case order).
with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("DLCC_JOBS", "1"))) as pool:
    for kind, line in pool.map(check, selected):
        {"passed": passed, "unsupported": unsupported, "failed": failures}[kind].append(line)

print(f"{len(selected)} models: {len(passed)} match, {len(unsupported)} unsupported at import, "
      f"{len(failures)} failed")
for line in failures:
    print("FAIL", line)
if failures or len(passed) < min_passed:
    if len(passed) < min_passed:
        print(f"only {len(passed)} matched; at least {min_passed} must")
    sys.exit(1)
