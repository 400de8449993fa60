"""Checks one `dlcc compile --emit=ptx --report` result against the kernel budget of
docs/kernels.md: ptxas accepted the PTX, one ptxas entry per kernel, no spills (spill store
and load bytes are 0 for every kernel), the PTX is for the asked target and calls no
`.extern .func`. Prints one summary line; exit 0 ok, 1 failed, 2 ptxas was not found."""
import json
import re
import sys

report_path, ptx_path, target = sys.argv[1:4]
report = json.load(open(report_path))
ptx = open(ptx_path).read()
problems = []
if report.get("target") != target:
    problems.append(f"report target {report.get('target')!r}, expected {target!r}")
if not re.search(rf"^\.target {re.escape(target)}\b", ptx, re.M):
    problems.append(f"the PTX has no '.target {target}'")
if ".extern .func" in ptx:
    problems.append("the PTX declares an .extern .func")
ptxas = report.get("ptxas") or {}
if not ptxas.get("found"):
    print(f"ptxas not found ({ptxas.get('path')}): PTX checked, not assembled")
    sys.exit(1 if problems else 2)
kernels = ptxas.get("kernels", [])
if len(kernels) != report["kernels"]:
    problems.append(f"ptxas compiled {len(kernels)} entries, the program has {report['kernels']} kernels")
for kernel in kernels:
    if kernel["spill_store_bytes"] or kernel["spill_load_bytes"]:
        problems.append(f"{kernel['name']} spills ({kernel['spill_store_bytes']} B stores, "
                        f"{kernel['spill_load_bytes']} B loads, {kernel['registers']} registers)")
total = ptxas["total"]
if problems:
    print("; ".join(problems))
    sys.exit(1)
print(f"{report['kernels']} kernels, {report['launches']} launches, at most "
      f"{total['max_registers']} registers, no spills, at most {total['max_shared_bytes']} B shared")
