"""Runs every tests/models/make_*.py generator into the folder given as argv[1]."""
import pathlib
import runpy
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))  # reference.py, shared by the generators
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for script in sorted(pathlib.Path(__file__).parent.glob("make_*.py")):
    runpy.run_path(str(script), run_name="__main__", init_globals={"OUTPUT_DIR": out})
print(f"models written to {out}")
