"""Activation arena per test model against the live-set lower bound (`dlcc compile --report`):
arena bytes, the most bytes live at one step of the schedule (an output written in place over
its input counted once), their ratio (target <= 1.05), the outputs written in place, and whose
offsets the program uses ("ir": plan-memory's; "replanned": planned again with the node
workspaces, which did not fit beside them), at -O1 and -O2. Static figures: no timing.

usage: memory_plan.py DLCC MODELS_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile

TARGET = 1.05


def figures(dlcc, model, level, scratch):
    report = scratch / "report.json"
    result = subprocess.run([dlcc, "compile", str(model), "--emit=ir", "--target=host",
                             "-o", str(scratch / "model.dlir"), f"--report={report}",
                             f"-O{level}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"dlcc compile {model} -O{level} failed: {result.stderr.strip()}")
    data = json.loads(report.read_text())
    return (data["arena_bytes"], data["live_lower_bound_bytes"], data["in_place_outputs"],
            data["memory_plan"])


def main():
    dlcc, models = sys.argv[1], pathlib.Path(sys.argv[2])
    paths = sorted(models.glob("*.onnx"))
    if not paths:
        raise SystemExit(f"no models in {models}: run make check or tests/models/generate_all.py")
    print(f"{'model':28} {'level':>5} {'arena':>12} {'lower bound':>12} {'ratio':>6} "
          f"{'in place':>8}  offsets")
    worst = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        for path in paths:
            for level in (1, 2):
                arena, bound, in_place, source = figures(dlcc, path, level, pathlib.Path(scratch))
                ratio = arena / bound if bound else 1.0
                worst = max(worst, ratio)
                print(f"{path.stem:28} {'-O' + str(level):>5} {arena:12} {bound:12} "
                      f"{ratio:6.3f} {in_place:8}  {source}")
    print(f"worst ratio {worst:.3f} (target <= {TARGET})")


if __name__ == "__main__":
    main()
