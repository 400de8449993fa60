"""Trains a training-test case (cases.py) in python3-torch, the reference dlcc train must
match step by step: writes OUT/init/<param>.npy (the initial weights the ONNX model is built
from), OUT/data/{input,labels}.npy, OUT/reference_losses.npy (one loss per step) and
OUT/final/<param>.npy (weights and running statistics after the last step).

Run with the system python3 (Debian's python3-torch): torch_reference.py CASE OUT"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES, CNN, ENCODER, MLP, epoch_order  # noqa: E402


def uniform(generator, shape, fan_in):
    bound = 1.0 / math.sqrt(fan_in)
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound


def make_params(net, generator):
    """Named parameters (trainable) and buffers (running statistics)."""
    if net == "mlp":
        f, h, c = MLP["features"], MLP["hidden"], MLP["classes"]
        params = {"fc1.weight": uniform(generator, (h, f), f), "fc1.bias": uniform(generator, (h,), f),
                  "fc2.weight": uniform(generator, (c, h), h), "fc2.bias": uniform(generator, (c,), h)}
        return params, {}
    if net == "cnn":
        ch, size, c = CNN["channels"], CNN["size"], CNN["classes"]
        flat = ch * (size // 2) ** 2
        params = {"conv.weight": uniform(generator, (ch, 1, 3, 3), 9),
                  "conv.bias": uniform(generator, (ch,), 9),
                  "bn.weight": 1 + 0.1 * uniform(generator, (ch,), 1),
                  "bn.bias": 0.1 * uniform(generator, (ch,), 1),
                  "fc.weight": uniform(generator, (c, flat), flat),
                  "fc.bias": uniform(generator, (c,), flat)}
        buffers = {"bn.running_mean": torch.zeros(ch), "bn.running_var": torch.ones(ch)}
        return params, buffers
    d, hidden, c = ENCODER["model"], ENCODER["hidden"], ENCODER["classes"]
    params = {name: uniform(generator, (d, d), d) for name in ("wq", "wk", "wv", "wo")}
    params.update({"ln1.weight": 1 + 0.1 * uniform(generator, (d,), 1),
                   "ln1.bias": 0.1 * uniform(generator, (d,), 1),
                   "ff1.weight": uniform(generator, (d, hidden), d),
                   "ff1.bias": uniform(generator, (hidden,), d),
                   "ff2.weight": uniform(generator, (hidden, d), hidden),
                   "ff2.bias": uniform(generator, (d,), hidden),
                   "ln2.weight": 1 + 0.1 * uniform(generator, (d,), 1),
                   "ln2.bias": 0.1 * uniform(generator, (d,), 1),
                   "cls.weight": uniform(generator, (c, d), d),
                   "cls.bias": uniform(generator, (c,), d)})
    return params, {}


def forward(net, p, b, x):
    if net == "mlp":
        return F.linear(F.relu(F.linear(x, p["fc1.weight"], p["fc1.bias"])), p["fc2.weight"],
                        p["fc2.bias"])
    if net == "cnn":
        y = F.conv2d(x, p["conv.weight"], p["conv.bias"], padding=1)
        y = F.batch_norm(y, b["bn.running_mean"], b["bn.running_var"], p["bn.weight"],
                         p["bn.bias"], training=True, momentum=0.1, eps=1e-5)
        y = F.max_pool2d(F.relu(y), 2)
        return F.linear(y.flatten(1), p["fc.weight"], p["fc.bias"])
    d = ENCODER["model"]
    q, k, v = x @ p["wq"], x @ p["wk"], x @ p["wv"]
    scores = torch.softmax(q @ k.transpose(1, 2) * (1.0 / math.sqrt(d)), dim=-1)
    h = F.layer_norm(x + (scores @ v) @ p["wo"], (d,), p["ln1.weight"], p["ln1.bias"], 1e-5)
    f = F.relu(h @ p["ff1.weight"] + p["ff1.bias"]) @ p["ff2.weight"] + p["ff2.bias"]
    h = F.layer_norm(h + f, (d,), p["ln2.weight"], p["ln2.bias"], 1e-5)
    return F.linear(h.mean(dim=1), p["cls.weight"], p["cls.bias"])


def make_data(case, generator):
    c = CASES[case]
    n = c["samples"]
    if c["net"] == "mlp":
        x = torch.randn((n, MLP["features"]), generator=generator)
        classes = MLP["classes"]
    elif c["net"] == "cnn":
        x = torch.randn((n, 1, CNN["size"], CNN["size"]), generator=generator)
        classes = CNN["classes"]
    else:
        x = torch.randn((n, ENCODER["tokens"], ENCODER["model"]), generator=generator)
        classes = ENCODER["classes"]
    if c["loss"] == "mse":
        y = torch.randn((n, classes), generator=generator)
    else:
        y = torch.randint(0, classes, (n,), generator=generator)
    return x, y


def make_optimizer(c, params):
    if c["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=c["lr"], momentum=c.get("momentum", 0),
                               weight_decay=c.get("weight_decay", 0),
                               nesterov=c.get("nesterov", False))
    kind = torch.optim.Adam if c["optimizer"] == "adam" else torch.optim.AdamW
    return kind(params, lr=c["lr"], weight_decay=c.get("weight_decay", 0 if kind is torch.optim.Adam
                                                               else 0.01))


def loss_of(c, output, labels):
    if c["loss"] == "mse":
        return F.mse_loss(output, labels)
    return F.cross_entropy(output, labels)


def save(folder, tensors):
    os.makedirs(folder, exist_ok=True)
    for name, value in tensors.items():
        np.save(os.path.join(folder, name + ".npy"), value.detach().numpy())


def main():
    case, out = sys.argv[1], sys.argv[2]
    c = CASES[case]
    generator = torch.Generator().manual_seed(1234)
    params, buffers = make_params(c["net"], generator)
    save(os.path.join(out, "init"), {**params, **buffers})
    x, y = make_data(case, generator)
    save(os.path.join(out, "data"), {"input": x, "labels": y})
    for value in params.values():
        value.requires_grad_(True)
    optimizer = make_optimizer(c, list(params.values()))
    losses = []
    batch = c["batch"]
    for epoch in range(c["epochs"]):
        order = epoch_order(c["samples"], 0, epoch)
        for step in range(c["samples"] // batch):
            rows = torch.tensor(order[step * batch:(step + 1) * batch])
            optimizer.zero_grad()
            loss = loss_of(c, forward(c["net"], params, buffers, x[rows]), y[rows])
            loss.backward()
            if "clip_norm" in c:
                torch.nn.utils.clip_grad_norm_(list(params.values()), c["clip_norm"])
            optimizer.step()
            losses.append(loss.item())
    np.save(os.path.join(out, "reference_losses.npy"), np.array(losses, np.float64))
    save(os.path.join(out, "final"), {**params, **buffers})


if __name__ == "__main__":
    main()
