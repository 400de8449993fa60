"""How dlcc's time grows with graph size: chains of 10k and 100k nodes, timed end to end, with
the ratio (about 10 when linear, 100 when quadratic).

    python bench/chain_scaling.py DLCC [--sizes 10000,100000] [--keep DIR]

Four chains, each on what it stresses:
  run       Relu/Neg alternating, `dlcc run --device=host`: import, passes, fusion (groups of at
            most 64 nodes), lowering, runtime setup
  unfused   the same chain at -O1: one kernel per node (lowering, kernel merging, buffer
            planning and the launch list at their largest)
  identity  Identity chain, `dlcc inspect -O2`: the eliminate-identity pass
  batchnorm opset-9 BatchNormalization chain, `dlcc inspect`: the importer's support check
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def chain(kind, n):
    inits, nodes = [], []
    opset = 17
    for i in range(n):
        x, y = f"v{i}", f"v{i + 1}"
        if kind in ("run", "unfused"):
            nodes.append(h.make_node("Relu" if i % 2 == 0 else "Neg", [x], [y]))
        elif kind == "identity":
            nodes.append(h.make_node("Identity", [x], [y]))
        else:
            opset = 9
            nodes.append(h.make_node("BatchNormalization", [x, "s", "b", "m", "v"], [y]))
    if kind == "batchnorm":
        inits = [nh.from_array(np.ones(4, np.float32), name) for name in ("s", "b", "m", "v")]
    graph = h.make_graph(nodes, "chain", [h.make_tensor_value_info("v0", T.FLOAT, [1, 4])],
                         [h.make_tensor_value_info(f"v{n}", T.FLOAT, [1, 4])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=8)


COMMANDS = {
    "run": lambda path: ["run", path, "--device=host", "-q", "--max-nodes=10M"],
    "unfused": lambda path: ["run", path, "--device=host", "-q", "--max-nodes=10M", "-O1"],
    "identity": lambda path: ["inspect", path, "-O2", "-o", os.devnull, "--max-nodes=10M"],
    "batchnorm": lambda path: ["inspect", path, "-o", os.devnull, "--max-nodes=10M"],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dlcc")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--kinds", default="run,unfused,identity,batchnorm")
    parser.add_argument("--keep")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = args.keep or tempfile.mkdtemp(prefix="dlcc-chain-")
    os.makedirs(folder, exist_ok=True)
    print(f"{'chain':10} " + " ".join(f"{n:>10}" for n in sizes) + "   ratio")
    for kind in args.kinds.split(","):
        times = []
        for n in sizes:
            path = os.path.join(folder, f"{kind}_{n}.onnx")
            onnx.save(chain(kind, n), path)
            started = time.perf_counter()
            done = subprocess.run([args.dlcc, *COMMANDS[kind](path)], capture_output=True,
                                  text=True)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                sys.exit(f"{kind} {n}: dlcc failed: {done.stderr.strip()[:500]}")
        ratio = times[-1] / times[0] if times[0] > 0 else float("inf")
        print(f"{kind:10} " + " ".join(f"{t:9.2f}s" for t in times) + f"   {ratio:5.1f}x")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
