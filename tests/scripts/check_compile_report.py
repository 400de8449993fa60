"""Checks one `dlcc compile --emit=ptx --report` result against the kernel budget of
docs/kernels.md: ptxas accepted the PTX, one ptxas entry per kernel, no spills (spill store
and load bytes are 0 for every kernel), the PTX is for the asked target and calls no
`.extern .func`. The modeled figures agree with themselves and the model: one per_kernel
entry per launch whose bytes and FLOPs sum to dram_bytes and flops, ptxas figures on every
entry, onnx_nodes the ONNX file's node count, the stages from import to
materialize-outputs. Prints one summary line; exit 0 ok, 1 failed, 2 ptxas was not found."""
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
per_kernel = report.get("per_kernel", [])
if len(per_kernel) != report["launches"]:
    problems.append(f"per_kernel has {len(per_kernel)} entries for {report['launches']} launches")
for key, total_key in (("bytes", "dram_bytes"), ("flops", "flops")):
    if sum(entry[key] for entry in per_kernel) != report[total_key]:
        problems.append(f"per_kernel {key} do not sum to {total_key} {report[total_key]}")
if any(not entry["nodes"] for entry in per_kernel):
    problems.append("a per_kernel entry covers no node")
if report["model"].endswith(".onnx"):
    import onnx
    nodes = len(onnx.load(report["model"], load_external_data=False).graph.node)
    if report["onnx_nodes"] != nodes:
        problems.append(f"onnx_nodes {report['onnx_nodes']}, the model has {nodes}")
stages = [stage["stage"] for stage in report.get("stages", [])]
if not stages or stages[0] != "import" or stages[-1] != "materialize-outputs":
    problems.append(f"stages {stages} do not run from import to materialize-outputs")
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
if any("registers" not in entry for entry in per_kernel):
    problems.append("a per_kernel entry lacks ptxas's figures")
if problems:
    print("; ".join(problems))
    sys.exit(1)
print(f"{report['kernels']} kernels, {report['launches']} launches, at most "
      f"{total['max_registers']} registers, no spills, at most {total['max_shared_bytes']} B shared")
