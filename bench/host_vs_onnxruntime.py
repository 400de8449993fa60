"""Host-twin speed beside onnxruntime's CPU provider, measured side by side in one run.

usage: bench/host_vs_onnxruntime.py DLCC MODEL.onnx [--repeat N] [--threads T]
Prints dlcc's host-device run time (compile excluded), onnxruntime's, and their ratio.
The host twin runs every test, so its speed is the team's speed: track this ratio.
"""
import argparse
import re
import subprocess
import time

import numpy as np
import onnx
import onnxruntime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dlcc")
    parser.add_argument("model")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    graph = onnx.load(args.model, load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    command = [args.dlcc, "run", args.model, "--device=host", f"--repeat={args.repeat}"]
    if args.threads:
        command.append(f"--threads={args.threads}")
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    total = time.perf_counter() - started
    dlcc_ms = float(re.search(r"run: ([0-9.]+) ms", result.stdout).group(1))

    options = onnxruntime.SessionOptions()
    if args.threads:
        options.intra_op_num_threads = args.threads
    session = onnxruntime.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    feeds = {}
    for value in session.get_inputs():
        if value.name in initializers:
            continue
        shape = [d if isinstance(d, int) else 1 for d in value.shape]
        feeds[value.name] = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    session.run(None, feeds)  # warm-up, as dlcc's first run also pays nothing extra
    started = time.perf_counter()
    for _ in range(args.repeat):
        session.run(None, feeds)
    ort_ms = (time.perf_counter() - started) / args.repeat * 1e3

    print(f"model: {args.model}")
    print(f"dlcc host device: {dlcc_ms:10.2f} ms per run (whole command incl. compile: {total:.2f} s)")
    print(f"onnxruntime CPU : {ort_ms:10.2f} ms per run")
    print(f"ratio dlcc/onnxruntime: {dlcc_ms / ort_ms:.1f}x")


if __name__ == "__main__":
    main()
