#!/usr/bin/env bash
# The import expansions of the signal and integer ops in forms the ONNX suite does not cover:
# DFT with dft_length padding and truncating, a complex onesided forward DFT along an inner
# axis, a complex inverse; STFT of a complex signal, two-sided; a window as f64; MatMulInteger
# batched with per-row and per-column zero points; QLinearMatMul with per-row and per-column
# scales. `dlcc run` on the host against numpy (float64 references; integers exactly); a
# dft_length only known at run time is refused naming the node.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" - <<'PY' || fail "the models could not be made"
import numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

rng = np.random.default_rng(3)
ELEM = {np.dtype(np.float32): T.FLOAT, np.dtype(np.float64): T.DOUBLE, np.dtype(np.uint8): T.UINT8,
        np.dtype(np.int8): T.INT8, np.dtype(np.int32): T.INT32, np.dtype(np.int64): T.INT64}

def save(name, op, feeds, consts, expected, opset=20, **attrs):
    """One node reading graph inputs `feeds` and initializers `consts` (dicts, in order)."""
    names = list(feeds) + list(consts)
    node = h.make_node(op, [n if n else "" for n in names], ["y"], name=name, **attrs)
    graph = h.make_graph([node], name,
                         [h.make_tensor_value_info(n, ELEM[v.dtype], list(v.shape)) for n, v in feeds.items()],
                         [h.make_tensor_value_info("y", ELEM[expected.dtype], None)],
                         [nh.from_array(v, n) for n, v in consts.items() if n])
    onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10),
              f"{name}.onnx")
    for n, v in feeds.items():
        np.save(f"{name}.{n}.npy", v)
    np.save(f"{name}.expected.npy", expected)
    with open(f"{name}.inputs", "w") as f:
        f.write(" ".join(f"--input {n}={name}.{n}.npy" for n in feeds))

def spectrum(z):
    return np.stack([z.real, z.imag], -1)

x = rng.uniform(-1, 1, (2, 7, 1)).astype(np.float32)
save("dft_padded", "DFT", {"x": x}, {"dft_length": np.array(10, np.int64), "axis": np.array(1, np.int64)},
     spectrum(np.fft.fft(x[..., 0].astype(np.float64), 10, axis=1)).astype(np.float32))
save("dft_truncated", "DFT", {"x": x}, {"dft_length": np.array(5, np.int64), "axis": np.array(-2, np.int64)},
     spectrum(np.fft.fft(x[..., 0].astype(np.float64), 5, axis=1)).astype(np.float32))
c = rng.uniform(-1, 1, (2, 3, 8, 2)).astype(np.float32)
z = c[..., 0].astype(np.float64) + 1j * c[..., 1]
save("dft_complex_onesided_inner", "DFT", {"x": c}, {"": None, "axis": np.array(2, np.int64)},
     spectrum(np.fft.fft(z, axis=2)[:, :, :5]).astype(np.float32), onesided=1)
save("dft_complex_inverse", "DFT", {"x": c}, {"": None, "axis": np.array(1, np.int64)},
     spectrum(np.fft.ifft(z, axis=1)).astype(np.float32), inverse=1)
signal = rng.uniform(-1, 1, (1, 40, 2)).astype(np.float32)
sz = signal[0, :, 0].astype(np.float64) + 1j * signal[0, :, 1]
frames = np.stack([sz[f * 6:f * 6 + 8] for f in range(6)])
save("stft_complex_twosided", "STFT", {"signal": signal},
     {"frame_step": np.array(6, np.int64), "": None, "frame_length": np.array(8, np.int64)},
     spectrum(np.fft.fft(frames, axis=1))[None].astype(np.float32), opset=17, onesided=0)
save("hann_f64", "HannWindow", {}, {"size": np.array(12, np.int64)},
     np.sin(np.arange(12) * np.pi / 12) ** 2, opset=17, output_datatype=T.DOUBLE)
a = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
b = rng.integers(-128, 128, (5, 6), dtype=np.int8)
a_zp = rng.integers(0, 256, (4,), dtype=np.uint8)
b_zp = rng.integers(-128, 128, (6,), dtype=np.int8)
acc = (a.astype(np.int32) - a_zp[:, None]) @ (b.astype(np.int32) - b_zp)
save("matmul_integer_per_row", "MatMulInteger", {"a": a, "b": b}, {"a_zero_point": a_zp, "b_zero_point": b_zp},
     acc.astype(np.int32), opset=10)
a_scale = rng.uniform(0.01, 0.05, (4,)).astype(np.float32)
b_scale = rng.uniform(0.01, 0.05, (6,)).astype(np.float32)
y_scale, y_zp = np.array(0.5, np.float32), np.array(120, np.uint8)
q = np.clip(np.rint(acc * (a_scale[:, None] * b_scale / y_scale).astype(np.float64) + 120), 0, 255)
save("qlinear_matmul_per_axis", "QLinearMatMul", {"a": a},
     {"a_scale": a_scale, "a_zero_point": a_zp, "b": b, "b_scale": b_scale, "b_zero_point": b_zp,
      "y_scale": y_scale, "y_zero_point": y_zp}, q.astype(np.uint8), opset=21)
# dft_length from a graph input the compile is not given: refused, naming the node and input.
node = h.make_node("DFT", ["x", "n"], ["y"], name="dft_runtime_length")
graph = h.make_graph([node], "g", [h.make_tensor_value_info("x", T.FLOAT, [2, 7, 1]),
                                   h.make_tensor_value_info("n", T.INT64, [])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)])
import os
os.makedirs("refused", exist_ok=True)
onnx.save(h.make_model(graph, opset_imports=[h.make_opsetid("", 20)], ir_version=10),
          "refused/dft_length.onnx")
PY
expect 1 "node 'dft_runtime_length' \(DFT, opset 20\): unsupported: dft_length 'n' is computed at run time" \
  -- compile refused/dft_length.onnx -o refused/dft.ptx --emit=ptx
for model in *.onnx; do
  name=${model%.onnx}
  # shellcheck disable=SC2046
  expect 0 'y' -- run "$model" $(cat "$name.inputs") --device=host --output-dir "out.$name"
  "$PYTHON" - "$name" <<'PY' || fail "$name: the output differs from numpy"
import sys, numpy as np
name = sys.argv[1]
got, want = np.load(f"out.{name}/y.npy"), np.load(f"{name}.expected.npy")
assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, got.shape, want.dtype, want.shape)
if want.dtype.kind in "iu":
    assert (got == want).all(), (got, want)
else:
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), np.abs(got - want).max()
PY
done
finish
