"""ONNX conformance: every node case of the onnx wheel's backend suite through dlcc.

Each case is imported and compiled at -O2 for the host device and every data set is run with
`dlcc run` (one process per case and data set, so a crash fails that case, naming it); outputs
are compared with the suite's references at the suite's tolerances (rtol 1e-3, atol 1e-7;
exact dtypes and shapes; random draws by what they must satisfy, random_cases.py). A case that passes also gets its PTX for sm_80 through ptxas
(`dlcc compile --emit=ptx --stats`): no spills, no `.extern .func`.

Cases that do not pass are data: expected_failures.tsv beside this file lists each with its
reason. The run fails if an unlisted case fails or a listed case passes (the list only
shrinks), and if docs/ops.md is not what this run generates.

usage: conformance.py DLCC WORK_DIR [--jobs N] [--update] [--filter REGEX] [--device=D]
                      [--target=SM] [--results FILE] [--no-ptx] [--sanitize] [--opt-level N]
  --update      rewrite expected_failures.tsv and docs/ops.md from this run
  --filter      only cases whose name matches (no doc check then)
  --device, --target   passed to `dlcc run` (scripts/gpu-check runs the suite on a GPU)
  --results     writes one line per case: name, pass or fail, reason (tab-separated)
  --no-ptx      skip the ptxas check (the GPU run has its own)
  --sanitize    run the cases with `dlcc run --sanitize` (a sanitizer report fails a case)
  --opt-level   the pass pipeline of every run (default 2; make check also runs -O0, so that
                every case gives the reference output with and without the graph passes)
DLCC_ONNX_NODE_DATA=DIR reads the cases from DIR (an onnx wheel without its test data).
Prints a per-op summary, the slowest cases and a closing 'N passed, M failed, K skipped' line
(skipped: listed expected failures)."""
import argparse
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.loader import load_model_tests

import ops_doc
import random_cases

HERE = pathlib.Path(__file__).parent
EXPECTED = HERE / "expected_failures.tsv"
OPS_DOC = HERE.parent.parent / "docs" / "ops.md"
PTX_TARGET = "sm_80"
# `dlcc run` saying it bound an input that decides shapes to the data it was given
BOUND_NOTE = re.compile(r"note: input '(.+?)' decides shapes: compiling for its value in (\S+)")
CASE_TIMEOUT = 300  # seconds per dlcc process; a hang fails the case, never the run
# ml_dtypes' float types (exact in f32), which numpy compares only bit by bit (NaN != NaN).
ML_DTYPES_FLOATS = {"bfloat16", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2",
                    "float8_e5m2fnuz", "float4_e2m1fn", "float8_e8m0fnu"}


class Case:
    """One node case: what it tests and how it went."""

    def __init__(self, test):
        self.name, self.dir = test.name, pathlib.Path(test.model_dir)
        self.rtol, self.atol = test.rtol, test.atol
        self.model = onnx.load(str(self.dir / "model.onnx"))
        self.passed, self.reason, self.seconds = False, "", 0.0

    @property
    def opset(self):
        return max((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")),
                   default=0)

    def input_dtypes(self):
        return sorted({onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type).name
                       for i in self.model.graph.input
                       if i.type.HasField("tensor_type") and i.type.tensor_type.elem_type})


def tensor(path):
    proto = onnx.TensorProto()
    proto.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(proto)


def short(message, case):
    """What is wrong, without this machine's paths: the lines that name nodes, else the
    error line."""
    text = message.replace(str(case.dir / "model.onnx") + ": ", "").replace(str(case.dir) + "/", "")
    text = re.sub(r"\S*/(test_data_set_\d+/)", r"\1", text)  # this run's work folder
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line for line in lines if line.startswith("node '")]
    return re.sub(r"dlcc: error: ", "", "; ".join(dict.fromkeys(named or lines[:2])))[:240]


def output_file(out_dir, name):
    written = out_dir / (re.sub(r"[^A-Za-z0-9_]", "_", name) + ".npy")
    if not written.exists():
        candidates = sorted(out_dir.glob(f"{re.sub(r'[^A-Za-z0-9_]', '_', name)}*.npy"))
        written = candidates[0] if candidates else written
    return written


def compare_random(case, data_set, out_dir):
    """random_cases' verdict on a case of random draws; None when compared by value."""
    outputs = [output_file(out_dir, output.name) for output in case.model.graph.output]
    if not all(path.exists() for path in outputs):
        return None  # compare() names the missing output
    inputs = [tensor(path) for path in sorted(data_set.glob("input_*.pb"),
                                              key=lambda path: int(path.stem.split("_")[1]))]
    verdict = random_cases.check(case.name, inputs, [np.load(path) for path in outputs])
    return None if verdict == "by value" else verdict


def compare(case, data_set, out_dir):
    """None when every output matches, else what differs."""
    for k, output in enumerate(case.model.graph.output):
        reference = data_set / f"output_{k}.pb"
        if not reference.exists():
            return f"no reference for output {k}"
        expected = tensor(reference)
        written = output_file(out_dir, output.name)
        if not written.exists():
            return f"no .npy written for output '{output.name}'"
        actual = np.load(written)  # bf16, 8- and 4-bit floats, int4...: ml_dtypes names
        if actual.shape != expected.shape or actual.dtype != expected.dtype:
            return (f"output '{output.name}' is {actual.dtype}{list(actual.shape)}, "
                    f"expected {expected.dtype}{list(expected.shape)}")
        random = compare_random(case, data_set, out_dir)
        if random is not None:
            return random or None
        if expected.dtype.name in ML_DTYPES_FLOATS:  # numpy sees kind 'V': compare as f32
            actual, expected = actual.astype(np.float32), expected.astype(np.float32)
        if expected.dtype.kind in "fc":
            close = np.isclose(actual, expected, rtol=case.rtol, atol=case.atol, equal_nan=True)
        else:
            close = actual == expected
        if not np.all(close):
            error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
            return f"output '{output.name}' differs in {int(np.size(close) - np.count_nonzero(close))} elements, by up to {np.nanmax(error):g}"
    return None


def dlcc_process(command, case):
    """(ok, message): a crash or hang is a failure that names the case."""
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=CASE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, f"dlcc timed out after {CASE_TIMEOUT} s"
    if run.returncode < 0:
        return False, f"dlcc crashed (signal {-run.returncode}): {short(run.stderr, case)}"
    if run.returncode != 0:
        return False, short(run.stderr or run.stdout, case)
    return True, run.stdout + run.stderr


def check_ptx(dlcc, case, work, options, binds):
    if options.no_ptx:
        return None
    ptx = work / "model.ptx"
    ok, message = dlcc_process([dlcc, "compile", str(case.dir / "model.onnx"), "--emit=ptx",
                                f"--target={PTX_TARGET}", "-o", str(ptx), "--stats"] + binds,
                               case)
    if not ok:
        return f"PTX: {message}"
    total = re.search(r"total: .*?(\d+) B spill stores, (\d+) B spill loads", message)
    if not total:
        return "PTX: no ptxas figures in dlcc compile --stats"
    if total.group(1) != "0" or total.group(2) != "0":
        return f"PTX: ptxas spills ({total.group(0)})"
    if ".extern .func" in ptx.read_text():
        return "PTX: calls an external function (.extern .func)"
    return None


def run_case(dlcc, work_root, case, options):
    start = time.monotonic()
    work = work_root / case.name
    work.mkdir(parents=True, exist_ok=True)
    weights = {i.name for i in case.model.graph.initializer}
    inputs = [i.name for i in case.model.graph.input if i.name not in weights]
    data_sets = sorted(case.dir.glob("test_data_set_*"))
    binds = []
    case.reason = "no data set" if not data_sets else ""
    for data_set in data_sets:
        out_dir = work / data_set.name
        args = []
        for k, name in enumerate(inputs):
            if (data_set / f"input_{k}.pb").exists():
                args += ["--input", f"{name}={data_set}/input_{k}.pb"]
        ok, message = dlcc_process([dlcc, "run", str(case.dir / "model.onnx"),
                                    f"-O{options.opt_level}",
                                    f"--device={options.device}", f"--target={options.target}",
                                    "--output-dir", str(out_dir)] + args
                                   + (["--sanitize"] if options.sanitize else []), case)
        problem = None if ok else message
        if ok and not binds:  # what the run bound, the PTX is compiled for too
            binds = [f"--bind={name}={file}" for name, file in BOUND_NOTE.findall(message)]
        problem = problem or compare(case, data_set, out_dir)
        if problem:
            case.reason = problem if len(data_sets) == 1 else f"{data_set.name}: {problem}"
            break
    if data_sets and not case.reason:
        case.reason = check_ptx(dlcc, case, work, options, binds) or ""
    case.passed = not case.reason
    case.seconds = time.monotonic() - start
    return case


def node_cases(folder):
    """The cases of a copied node-test folder, at the suite's default tolerances."""
    return [SimpleNamespace(name=d.name, model_dir=str(d), rtol=1e-3, atol=1e-7)
            for d in sorted(folder.iterdir()) if (d / "model.onnx").exists()]


def read_expected():
    expected = {}
    for line in EXPECTED.read_text().splitlines() if EXPECTED.exists() else []:
        if line and not line.startswith("#"):
            name, _, reason = line.partition("\t")
            expected[name] = reason
    return expected


def write_expected(cases):
    lines = ["# ONNX backend node cases dlcc does not pass yet, with the reason (generated by",
             "# tests/conformance/conformance.py --update; the list may only shrink)."]
    lines += [f"{c.name}\t{c.reason}" for c in cases if not c.passed]
    EXPECTED.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dlcc")
    parser.add_argument("work", type=pathlib.Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--filter")
    parser.add_argument("--device", default="host")
    parser.add_argument("--target", default=PTX_TARGET)
    parser.add_argument("--results", type=pathlib.Path)
    parser.add_argument("--no-ptx", action="store_true")
    parser.add_argument("--sanitize", action="store_true")
    parser.add_argument("--opt-level", type=int, default=2, choices=range(4))
    options = parser.parse_args()
    data = os.environ.get("DLCC_ONNX_NODE_DATA")
    found = node_cases(pathlib.Path(data)) if data else load_model_tests(kind="node")
    tests = [t for t in found if t.model_dir  # (newer loaders also list cases without data)
             if not options.filter or re.search(options.filter, t.name)]
    cases = [Case(t) for t in sorted(tests, key=lambda t: t.name)]
    options.work.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        list(pool.map(lambda case: run_case(options.dlcc, options.work, case, options), cases))
    if options.results:
        options.results.write_text("".join(f"{c.name}\t{'pass' if c.passed else 'fail'}\t{c.reason}\n"
                                           for c in cases))

    summary = ops_doc.summarize(cases)
    print(ops_doc.summary_table(summary))
    print("slowest cases:")
    for case in sorted(cases, key=lambda c: -c.seconds)[:10]:
        print(f"  {case.seconds:6.2f} s  {case.name}")
    passed = sum(c.passed for c in cases)
    print(f"{passed} of {len(cases)} node cases pass ({100.0 * passed / max(len(cases), 1):.1f}%)")

    expected = read_expected()
    problems = []
    if options.update and not options.filter:
        write_expected(cases)
        OPS_DOC.write_text(ops_doc.render(summary, cases))
        print(f"wrote {EXPECTED} and {OPS_DOC}")
        expected = read_expected()
    for case in cases:
        unchecked_ptx = options.no_ptx and expected.get(case.name, "").startswith("PTX:")
        if case.passed and case.name in expected and not unchecked_ptx:
            problems.append(f"NOW PASSES (remove it from {EXPECTED.name}): {case.name}")
        elif not case.passed and case.name not in expected:
            problems.append(f"FAIL {case.name}: {case.reason}")
    if not options.filter:
        known = {c.name for c in cases}
        problems += [f"LISTED BUT NOT IN THE SUITE: {name}" for name in expected if name not in known]
        if OPS_DOC.read_text() != ops_doc.render(summary, cases):
            problems.append("docs/ops.md is stale: run tests/conformance/conformance.py --update")
    for line in problems:
        print(line)
    skipped = sum(1 for c in cases if not c.passed and c.name in expected)
    unlisted = sum(1 for c in cases if c.passed and c.name not in expected)
    print(f"{unlisted} passed, {len(problems)} failed, {skipped} skipped")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
