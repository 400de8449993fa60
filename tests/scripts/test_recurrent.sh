#!/usr/bin/env bash
# RNN, GRU and LSTM unrolled at import, in the forms the ONNX suite does not cover: both
# reversed and bidirectional runs, layout 1, sequence_lens shorter than the sequence (reverse
# runs start at each entry's last valid step), initial states, peepholes, clip, non-default
# activations with alpha/beta, GRU's linear_before_reset and LSTM's input_forget. `dlcc run`
# on the host against a numpy implementation of the ONNX definitions (rtol 1e-4).
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" - <<'PY' || fail "the models could not be made"
import json, numpy as np, onnx
from onnx import helper as h, TensorProto as T

ACT = {"Tanh": lambda x, a, b: np.tanh(x), "Sigmoid": lambda x, a, b: 1 / (1 + np.exp(-x)),
       "Relu": lambda x, a, b: np.maximum(x, 0), "Softsign": lambda x, a, b: x / (1 + abs(x)),
       "HardSigmoid": lambda x, a, b: np.clip(a * x + b, 0, 1),
       "ScaledTanh": lambda x, a, b: a * np.tanh(b * x)}
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

def reference(op, x, w, r, b, lens, h0, c0, p, acts, clip, layout, direction, lbr, forget):
    if layout:
        x = x.swapaxes(0, 1)
        h0, c0 = (None if s is None else s.swapaxes(0, 1) for s in (h0, c0))
    seq, batch, _ = x.shape
    dirs, hidden = w.shape[0], r.shape[2]
    y = np.zeros((seq, dirs, batch, hidden))
    y_h, y_c = np.zeros((dirs, batch, hidden)), np.zeros((dirs, batch, hidden))
    per = len(acts) // dirs
    for d in range(dirs):
        f = [lambda v, n=n, a=a, bb=bb: ACT[n](np.clip(v, -clip, clip) if clip else v, a, bb)
             for n, a, bb in acts[d * per:(d + 1) * per]]
        g = lambda v, k: f[k](v)
        wb, rb = (b[d][:b.shape[1] // 2], b[d][b.shape[1] // 2:]) if b is not None else (0, 0)
        hs = h0[d] if h0 is not None else np.zeros((batch, hidden))
        cs = c0[d] if c0 is not None else np.zeros((batch, hidden))
        order = range(seq - 1, -1, -1) if direction == "reverse" or d == 1 else range(seq)
        for t in order:
            xw = x[t] @ w[d].T + wb
            if op == "RNN":
                hn, cn = g(xw + hs @ r[d].T + rb, 0), cs
            elif op == "GRU":
                H = hidden
                zr = xw[:, :2 * H] + hs @ r[d][:2 * H].T + (rb[:2 * H] if b is not None else 0)
                z, rr = g(zr[:, :H], 0), g(zr[:, H:], 0)
                rbh = rb[2 * H:] if b is not None else 0
                if lbr:
                    hh = g(xw[:, 2 * H:] + rr * (hs @ r[d][2 * H:].T + rbh), 1)
                else:
                    hh = g(xw[:, 2 * H:] + (rr * hs) @ r[d][2 * H:].T + rbh, 1)
                hn, cn = (1 - z) * hh + z * hs, cs
            else:
                H = hidden
                pre = xw + hs @ r[d].T + rb
                pi, po, pf = (p[d][k * H:(k + 1) * H] for k in range(3)) if p is not None else (0, 0, 0)
                i = g(pre[:, :H] + pi * cs, 0)
                fg = 1 - i if forget else g(pre[:, 2 * H:3 * H] + pf * cs, 0)
                cn = fg * cs + i * g(pre[:, 3 * H:], 1)
                o = g(pre[:, H:2 * H] + po * cn, 0)
                hn = o * ACT[acts[d * per + 2][0]](cn, *acts[d * per + 2][1:])
            valid = (t < lens)[:, None] if lens is not None else np.ones((batch, 1), bool)
            y[t, d] = np.where(valid, hn, 0)
            hs, cs = np.where(valid, hn, hs), np.where(valid, cn, cs)
        y_h[d], y_c[d] = hs, cs
    if layout:
        return y.transpose(2, 0, 1, 3), y_h.swapaxes(0, 1), y_c.swapaxes(0, 1)
    return y, y_h, y_c

cases = {
    "lstm_bidirectional": dict(op="LSTM", seq=3, batch=3, inp=4, hidden=5, dirs=2, bias=True,
                               lens=[3, 1, 2], initial=True, peepholes=True, clip=2.0,
                               layout=0, direction="bidirectional"),
    "gru_reverse_batchwise": dict(op="GRU", seq=4, batch=2, inp=3, hidden=4, dirs=1, bias=True,
                                  lens=[2, 4], initial=True, layout=1, direction="reverse",
                                  lbr=1, acts=[("HardSigmoid", 0.3, 0.4), ("Softsign", 0, 0)]),
    "gru_bidirectional": dict(op="GRU", seq=3, batch=2, inp=3, hidden=3, dirs=2, bias=True,
                              layout=0, direction="bidirectional"),
    "rnn_bidirectional": dict(op="RNN", seq=5, batch=2, inp=3, hidden=4, dirs=2, bias=True,
                              initial=True, layout=1, direction="bidirectional",
                              acts=[("Relu", 0, 0), ("ScaledTanh", 1.5, 0.5)]),
    "lstm_input_forget": dict(op="LSTM", seq=3, batch=2, inp=3, hidden=3, dirs=1, bias=True,
                              layout=0, direction="forward", forget=1),
}
rng = np.random.default_rng(7)
for name, c in cases.items():
    op, G, H, dirs = c["op"], GATES[c["op"]], c["hidden"], c["dirs"]
    defaults = {"RNN": [("Tanh", 0, 0)], "GRU": [("Sigmoid", 0, 0), ("Tanh", 0, 0)],
                "LSTM": [("Sigmoid", 0, 0), ("Tanh", 0, 0), ("Tanh", 0, 0)]}[op]
    acts = c.get("acts") or defaults * dirs
    if c.get("acts") and dirs == 2 and len(acts) == len(defaults):
        acts = acts * 2
    x_shape = [c["batch"], c["seq"], c["inp"]] if c["layout"] else [c["seq"], c["batch"], c["inp"]]
    state = [c["batch"], dirs, H] if c["layout"] else [dirs, c["batch"], H]
    data = {"X": rng.uniform(-1, 1, x_shape), "W": rng.uniform(-0.7, 0.7, [dirs, G * H, c["inp"]]),
            "R": rng.uniform(-0.7, 0.7, [dirs, G * H, H])}
    if c.get("bias"): data["B"] = rng.uniform(-0.5, 0.5, [dirs, 2 * G * H])
    if c.get("lens"): data["sequence_lens"] = np.array(c["lens"], np.int32)
    if c.get("initial"):
        data["initial_h"] = rng.uniform(-1, 1, state)
        if op == "LSTM": data["initial_c"] = rng.uniform(-1, 1, state)
    if c.get("peepholes"): data["P"] = rng.uniform(-0.5, 0.5, [dirs, 3 * H])
    data = {k: v.astype(np.float32) if v.dtype != np.int32 else v for k, v in data.items()}
    names = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"][:8 if op == "LSTM" else 6]
    inputs = [n if n in data else "" for n in names]
    while inputs and not inputs[-1]: inputs.pop()
    outputs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    attrs = dict(hidden_size=H, layout=c["layout"], direction=c["direction"],
                 activations=[a[0] for a in acts], activation_alpha=[float(a[1]) for a in acts],
                 activation_beta=[float(a[2]) for a in acts])
    if c.get("clip"): attrs["clip"] = c["clip"]
    if op == "GRU": attrs["linear_before_reset"] = c.get("lbr", 0)
    if op == "LSTM": attrs["input_forget"] = c.get("forget", 0)
    node = h.make_node(op, inputs, outputs, name=name, **attrs)
    graph = h.make_graph([node], name,
                         [h.make_tensor_value_info(n, T.INT32 if n == "sequence_lens" else T.FLOAT,
                                                   list(data[n].shape)) for n in inputs if n],
                         [h.make_tensor_value_info(o, T.FLOAT, None) for o in outputs])
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 22)], ir_version=10),
              f"{name}.onnx")
    for n in inputs:
        if n: np.save(f"{name}.{n}.npy", data[n])
    expected = reference(op, data["X"].astype(np.float64), data["W"], data["R"], data.get("B"),
                         data.get("sequence_lens"), data.get("initial_h"), data.get("initial_c"),
                         data.get("P"), acts, c.get("clip", 0), c["layout"], c["direction"],
                         c.get("lbr", 0), c.get("forget", 0))
    for o, e in zip(outputs, expected):
        np.save(f"{name}.expected.{o}.npy", e.astype(np.float32))
    with open(f"{name}.inputs", "w") as f:
        f.write(" ".join(f"--input {n}={name}.{n}.npy" for n in inputs if n))
PY
for model in *.onnx; do
  name=${model%.onnx}
  # shellcheck disable=SC2046
  expect 0 'Y_h' -- run "$model" $(cat "$name.inputs") --device=host --output-dir "out.$name"
  "$PYTHON" - "$name" <<'PY' || fail "$name: outputs differ from the numpy reference"
import glob, sys, numpy as np
name = sys.argv[1]
for path in glob.glob(f"{name}.expected.*.npy"):
    output = path.split(".expected.")[1]
    got, want = np.load(f"out.{name}/{output}"), np.load(path)
    assert got.shape == want.shape, (output, got.shape, want.shape)
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), (output, np.abs(got - want).max())
PY
done
finish
