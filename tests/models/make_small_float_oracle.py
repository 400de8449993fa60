"""The oracle for dlcc's 8- and 4-bit float conversions (tests/unit/test_small_float.c and
tests/ops/test_cast_small.c): ml_dtypes, which the ONNX reference Cast uses (saturate=1 clips
to the format's range first, as onnx.numpy_helper.saturate_cast does). Writes
OUTPUT_DIR/small_float/NAME.bin per format: the f32 value of every code, then for a list
of f32 inputs (every f16 value, boundaries and ties around each format's largest values and
subnormals, random bits) the input and its code with saturate=0 and saturate=1."""
import pathlib

import ml_dtypes
import numpy as np
import onnx.numpy_helper

FORMATS = {"f8e4m3fn": ml_dtypes.float8_e4m3fn, "f8e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
           "f8e5m2": ml_dtypes.float8_e5m2, "f8e5m2fnuz": ml_dtypes.float8_e5m2fnuz,
           "f4e2m1": ml_dtypes.float4_e2m1fn}


def inputs_for(dtype, bits):
    codes = np.arange(1 << bits, dtype=np.uint8).view(dtype)
    values = codes.astype(np.float32)
    finite = values[np.isfinite(values)].astype(np.float64)
    # Every value, the midpoints between neighbours (ties) and one f32 ulp either side.
    points = np.unique(finite)
    middles = (points[1:] + points[:-1]) / 2
    around = np.concatenate([points, middles, points * 2, points / 2]).astype(np.float32)
    nudged = np.concatenate([np.nextafter(around, np.float32(np.inf)),
                             np.nextafter(around, np.float32(-np.inf)), around])
    top = np.float32(points.max())
    big = np.array([top * 1.0625, top * 1.125, top * 1.5, top * 4, 3.0e38, np.inf, -np.inf, np.nan,
                    -np.nan, 0.0, -0.0, 1e-30, -1e-30, 1.4e-45], np.float32)
    halves = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    rng = np.random.default_rng(7)
    random = rng.integers(0, 1 << 32, 20000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    return np.concatenate([nudged, big, halves, random]).astype(np.float32)


def encode(values, dtype, saturate):
    with np.errstate(invalid="ignore", over="ignore"):
        if saturate:
            info = ml_dtypes.finfo(dtype)
            values = np.clip(values, np.float32(info.min), np.float32(info.max))
        return values.astype(dtype).view(np.uint8)


def main(out):
    folder = out / "small_float"
    folder.mkdir(parents=True, exist_ok=True)
    for name, dtype in FORMATS.items():
        bits = 4 if name.startswith("f4") else 8
        decoded = np.arange(1 << bits, dtype=np.uint8).view(dtype).astype(np.float32)
        values = inputs_for(dtype, bits)
        header = np.array([1 << bits, values.size], np.uint32)
        body = [header, decoded.view(np.uint32), values.view(np.uint32),
                encode(values, dtype, False).astype(np.uint32),
                encode(values, dtype, True).astype(np.uint32)]
        (folder / f"{name}.bin").write_bytes(b"".join(part.tobytes() for part in body))
    # f8e8m0: ONNX's own rounding (onnx.numpy_helper.to_float8e8m0), every round mode with
    # saturate 0 and 1, on every f32 exponent with mantissas that round each way.
    decoded = np.arange(256, dtype=np.uint8).view(ml_dtypes.float8_e8m0fnu).astype(np.float32)
    bits = np.arange(256, dtype=np.uint32) << 23
    tails = np.array([0, 1, 0x1fffff, 0x200000, 0x3fffff, 0x400000, 0x400001, 0x600000, 0x7fffff],
                     np.uint32)
    values = (bits[:, None] | tails[None, :]).ravel()
    values = np.concatenate([values, values | 0x80000000]).view(np.float32)
    body = [np.array([256, values.size], np.uint32), decoded.view(np.uint32), values.view(np.uint32)]
    for mode in ("up", "down", "nearest"):
        for saturate in (False, True):
            codes = onnx.numpy_helper.to_float8e8m0(values, saturate, mode)
            body.append(codes.view(np.uint8).astype(np.uint32))
    (folder / "f8e8m0.bin").write_bytes(b"".join(part.tobytes() for part in body))


if __name__ == "__main__":
    main(pathlib.Path(OUTPUT_DIR))  # noqa: F821 (set by generate_all.py)
