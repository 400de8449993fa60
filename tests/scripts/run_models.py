"""Runs every generated test model with `dlcc run` and compares its first output with
onnxruntime's reference (saved by the generators): fp32 rtol 1e-4, atol 1e-5.

usage: run_models.py DLCC MODELS_DIR WORK_DIR [dlcc run options...]
$RUN_MODELS_EXCLUDE: a regular expression; models whose file name matches are not run.
With --precision=f16 or bf16 among the options (16-bit storage, docs/passes.md#to-f16), each
stored tensor is rounded to 11 (f16) or 8 (bf16) significant bits, so the bound is on the
largest error against the largest reference magnitude: at most 64 units of that rounding
(2^-11 * 64 = 0.031 for f16, 2^-8 * 64 = 0.25 for bf16). The models chain up to 50 rounded
tensors whose errors add up (about sqrt(50) * 2 units when they are independent) and grow
through layers with gains above 1 (random weights); measured: at most 38 units for f16 and
30 for bf16 (MobileNetV2).
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
UNIT_ROUNDING = {"f16": 2.0**-11, "bf16": 2.0**-8}
ROUNDING_UNITS = 64


def precision_of(extra):
    for option in extra:
        if option.startswith("--precision="):
            return option.split("=", 1)[1]
    return "f32"


def compare_16_bit(actual, reference, precision):
    """None, or the problem: the largest error beyond ROUNDING_UNITS units of the largest
    reference magnitude. Prints the measured units either way."""
    error = np.abs(actual.astype(np.float64) - reference).max()
    scale = float(np.abs(reference).max()) or 1.0
    units = error / scale / UNIT_ROUNDING[precision]
    if not np.isfinite(units) or units > ROUNDING_UNITS:
        return f"max abs error {error:.3g} is {units:.1f} units of {precision} rounding (> {ROUNDING_UNITS})"
    print(f"     error {units:.1f} units of {precision} rounding")
    return None


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
    precision = precision_of(extra)
    if precision != "f32":
        return compare_16_bit(actual, reference, precision)
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
