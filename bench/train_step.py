"""Training-step time on the host device against python3-torch CPU on the same network, batch
and optimizer (SGD with momentum), side by side in one run: an MLP (784-256-10, batch 64) and
a CNN (Conv 16 / BatchNorm / ReLU / MaxPool, Conv 32 / BatchNorm / ReLU / MaxPool, Linear,
28x28 inputs, batch 32). dlcc's figure is samples per second over the epochs after the first
(`dlcc train`'s epoch lines: the compiled step, data gathering included, compile time not);
torch's the same number of steps after a warm-up epoch, with as many threads. Printed: both
rates, their ratio (aim: dlcc's step time <= 2x torch's), and the compiler's static figures for
the step: launches and arena bytes against the live-set lower bound (`dlcc compile --train
--report`). Pairs alternate (dlcc, torch, dlcc, torch, ...): medians of --repeat pairs.

usage: train_step.py DLCC [--threads N] [--repeat N]   (with the test venv's python; torch runs
under the system python3, $DLCC_TORCH_PYTHON to override)"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TORCH_PYTHON = os.environ.get("DLCC_TORCH_PYTHON", "/usr/bin/python3")
SAMPLES, EPOCHS, LR, MOMENTUM = 2048, 3, 0.01, 0.9


def weight(rng, name, shape, fan_in):
    bound = 1 / np.sqrt(fan_in)
    return numpy_helper.from_array(rng.uniform(-bound, bound, shape).astype(np.float32), name)


def mlp_model(rng):
    inits = [weight(rng, "fc1.weight", (256, 784), 784), weight(rng, "fc1.bias", (256,), 784),
             weight(rng, "fc2.weight", (10, 256), 256), weight(rng, "fc2.bias", (10,), 256)]
    nodes = [helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["logits"], transB=1)]
    return nodes, inits, ["batch", 784], 64


def cnn_model(rng):
    inits, nodes, previous, channels = [], [], "input", 1
    for i, out in ((1, 16), (2, 32)):
        inits += [weight(rng, f"conv{i}.weight", (out, channels, 3, 3), 9 * channels),
                  weight(rng, f"conv{i}.bias", (out,), 9 * channels),
                  numpy_helper.from_array(np.ones(out, np.float32), f"bn{i}.weight"),
                  numpy_helper.from_array(np.zeros(out, np.float32), f"bn{i}.bias"),
                  numpy_helper.from_array(np.zeros(out, np.float32), f"bn{i}.running_mean"),
                  numpy_helper.from_array(np.ones(out, np.float32), f"bn{i}.running_var")]
        nodes += [helper.make_node("Conv", [previous, f"conv{i}.weight", f"conv{i}.bias"], [f"c{i}"],
                                   kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                  helper.make_node("BatchNormalization", [f"c{i}", f"bn{i}.weight", f"bn{i}.bias",
                                                          f"bn{i}.running_mean",
                                                          f"bn{i}.running_var"], [f"n{i}"]),
                  helper.make_node("Relu", [f"n{i}"], [f"r{i}"]),
                  helper.make_node("MaxPool", [f"r{i}"], [f"p{i}"], kernel_shape=[2, 2],
                                   strides=[2, 2])]
        previous, channels = f"p{i}", out
    inits += [weight(rng, "fc.weight", (10, 32 * 7 * 7), 32 * 49), weight(rng, "fc.bias", (10,), 32 * 49)]
    nodes += [helper.make_node("Flatten", [previous], ["f"], axis=1),
              helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], transB=1)]
    return nodes, inits, ["batch", 1, 28, 28], 32


TORCH_SCRIPT = r"""
import sys, time, numpy as np, torch
import torch.nn.functional as F
folder, threads, batch, epochs, lr, momentum = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(threads)
x = torch.tensor(np.load(folder + "/data/input.npy")); y = torch.tensor(np.load(folder + "/data/labels.npy"))
p = {k: torch.tensor(np.load(folder + "/weights/" + k + ".npy")) for k in open(folder + "/weights/names").read().split()}
train = [k for k in p if "running" not in k]
for k in train: p[k].requires_grad_(True)
def forward(x):
    if "conv1.weight" not in p:
        return F.linear(F.relu(F.linear(x, p["fc1.weight"], p["fc1.bias"])), p["fc2.weight"], p["fc2.bias"])
    for i in (1, 2):
        x = F.conv2d(x, p[f"conv{i}.weight"], p[f"conv{i}.bias"], padding=1)
        x = F.batch_norm(x, p[f"bn{i}.running_mean"], p[f"bn{i}.running_var"], p[f"bn{i}.weight"], p[f"bn{i}.bias"], training=True)
        x = F.max_pool2d(F.relu(x), 2)
    return F.linear(x.flatten(1), p["fc.weight"], p["fc.bias"])
opt = torch.optim.SGD([p[k] for k in train], lr=lr, momentum=momentum)
steps = len(y) // batch
def epoch():
    order = torch.randperm(len(y))
    for s in range(steps):
        rows = order[s * batch:(s + 1) * batch]
        opt.zero_grad(); F.cross_entropy(forward(x[rows]), y[rows]).backward(); opt.step()
epoch()
start = time.perf_counter()
for _ in range(epochs - 1): epoch()
print((epochs - 1) * steps * batch / (time.perf_counter() - start))
"""


def prepare(folder, name, builder, rng):
    nodes, inits, shape, batch = builder(rng)
    graph = helper.make_graph(nodes, name,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                                             ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    (folder / "data").mkdir(parents=True)
    (folder / "weights").mkdir()
    onnx.save(model, folder / "model.onnx")
    np.save(folder / "data/input.npy", rng.standard_normal([SAMPLES] + shape[1:]).astype(np.float32))
    np.save(folder / "data/labels.npy", rng.integers(0, 10, SAMPLES).astype(np.int64))
    for init in inits:
        np.save(folder / f"weights/{init.name}.npy", numpy_helper.to_array(init))
    (folder / "weights/names").write_text(" ".join(i.name for i in inits))
    return batch


def dlcc_rate(dlcc, folder, batch, threads):
    result = subprocess.run([dlcc, "train", str(folder / "model.onnx"), f"--data={folder}/data",
                             f"--batch={batch}", f"--epochs={EPOCHS}", f"--lr={LR}",
                             f"--momentum={MOMENTUM}", "--device=host", f"--threads={threads}"],
                            capture_output=True, text=True, check=True)
    rates = [float(m) for m in re.findall(r"\| (\d+) samples/s", result.stdout)]
    return statistics.median(rates[1:])


def torch_rate(folder, batch, threads):
    result = subprocess.run([TORCH_PYTHON, "-c", TORCH_SCRIPT, str(folder), str(threads), str(batch),
                             str(EPOCHS), str(LR), str(MOMENTUM)], capture_output=True, text=True,
                            check=True)
    return float(result.stdout.split()[-1])


def static_figures(dlcc, folder, batch):
    report = folder / "report.json"
    subprocess.run([dlcc, "compile", str(folder / "model.onnx"), "--train", f"--lr={LR}",
                    f"--momentum={MOMENTUM}", f"--dim", f"batch={batch}", "--emit=ir",
                    "-o", str(folder / "step.dlir"), f"--report={report}"],
                   capture_output=True, text=True, check=True)
    data = json.loads(report.read_text())
    return data["launches"], data["arena_bytes"], data["live_lower_bound_bytes"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dlcc")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"training step, host device vs python3-torch CPU, {args.threads} threads, SGD momentum, "
          f"median of {args.repeat} alternating pairs")
    print(f"{'network':8} {'dlcc samples/s':>15} {'torch samples/s':>16} {'time ratio':>11} "
          f"{'launches':>9} {'arena KiB':>10} {'live bound KiB':>15}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, builder in (("mlp", mlp_model), ("cnn", cnn_model)):
            folder = pathlib.Path(scratch) / name
            batch = prepare(folder, name, builder, rng)
            ours, theirs = [], []
            for _ in range(args.repeat):
                ours.append(dlcc_rate(args.dlcc, folder, batch, args.threads))
                theirs.append(torch_rate(folder, batch, args.threads))
            launches, arena, bound = static_figures(args.dlcc, folder, batch)
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"{name:8} {a:15.0f} {b:16.0f} {b / a:10.2f}x {launches:9d} "
                  f"{arena / 1024:10.1f} {bound / 1024:15.1f}")


if __name__ == "__main__":
    main()
