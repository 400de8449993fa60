"""Runs every generated test model with `dlcc run` and compares its first output with
onnxruntime's reference (saved by the generators): fp32 rtol 1e-4, atol 1e-5.

usage: run_models.py DLCC MODELS_DIR WORK_DIR [dlcc run options...]
$RUN_MODELS_EXCLUDE: a regular expression; models whose file name matches are not run.
Prints one line per model and a closing 'N passed, M failed' line; exits 1 on any failure.
"""
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import onnx

RTOL, ATOL = 1e-4, 1e-5


def check(dlcc, model, work, extra):
    stem = model.name[: -len(".onnx")]
    reference = np.load(model.with_name(f"{stem}.output.npy"))
    graph = onnx.load(str(model), load_external_data=False).graph
    initializers = {tensor.name for tensor in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in initializers]
    out_dir = work / stem
    command = [dlcc, "run", str(model), "--quiet", "--output-dir", str(out_dir),
               "--input", f"{inputs[0]}={model.with_name(stem + '.input.npy')}", *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return f"dlcc run exited {result.returncode}: {result.stderr.strip()[:2000]}"
    name = graph.output[0].name
    for character in "/\\: ":
        name = name.replace(character, "_")
    actual = np.load(out_dir / f"{name}.npy")
    if actual.shape != reference.shape or actual.dtype != reference.dtype:
        return f"output {actual.dtype}{list(actual.shape)}, reference {reference.dtype}{list(reference.shape)}"
    if not np.allclose(actual, reference, rtol=RTOL, atol=ATOL):
        error = np.abs(actual.astype(np.float64) - reference)
        worst = np.unravel_index(np.argmax(error - RTOL * np.abs(reference)), error.shape)
        return (f"mismatch: max abs error {error.max():.3g}, at {worst} "
                f"{actual[worst]!r} vs {reference[worst]!r}")
    return None


def main():
    dlcc, models_dir, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    extra = sys.argv[4:]
    exclude = os.environ.get("RUN_MODELS_EXCLUDE")
    passed = failed = 0
    for model in sorted(models_dir.glob("*.onnx")):
        if not model.with_name(model.name[:-5] + ".output.npy").exists():
            continue
        if exclude and re.search(exclude, model.name):
            print(f"skip {model.name} (RUN_MODELS_EXCLUDE)")
            continue
        problem = check(dlcc, model, work, extra)
        print(f"{'ok  ' if problem is None else 'FAIL'} {model.name}" + (f": {problem}" if problem else ""))
        passed += problem is None
        failed += problem is not None
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
