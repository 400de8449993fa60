"""Checks what the example programs print against onnxruntime on the same input.
  examples_check.py ppm OUT.ppm                      a small deterministic RGB image
  examples_check.py mlp MODEL.onnx PRINTED.txt       examples/mlp (fixed ramp input)
  examples_check.py classify MODEL.onnx IMAGE.ppm PRINTED.txt   examples/classify top-5
Tolerances as every model test: fp32 rtol 1e-4, atol 1e-5. Exit 1 on a mismatch."""
import re
import sys

import numpy as np
import onnxruntime

RTOL, ATOL = 1e-4, 1e-5
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
DEVIATION = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def run(model, array):
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: array})[0]


def input_shape(model):
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.get_inputs()[0].shape


def numbers(text):
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)])


def check_mlp(model, printed):
    shape = input_shape(model)
    ramp = (np.arange(np.prod(shape)) % 16).astype(np.float32) / np.float32(8) - np.float32(1)
    expected = run(model, ramp.reshape(shape)).ravel()
    actual = numbers(open(printed).read().split("=", 1)[1])
    return actual.size == expected.size and np.allclose(actual, expected, rtol=RTOL, atol=ATOL)


def read_ppm(path):
    data = open(path, "rb").read()
    # The header of the test image: "P6", a comment line, "W H", "255", one line each.
    lines = data.split(b"\n", 4)
    width, height = (int(v) for v in lines[2].split())
    return np.frombuffer(lines[4], dtype=np.uint8).reshape(height, width, 3)


def check_classify(model, image_path, printed):
    batch, channels, rows, columns = input_shape(model)
    image = read_ppm(image_path)
    height, width = image.shape[:2]
    ys = np.arange(rows) * height // rows
    xs = np.arange(columns) * width // columns
    picture = image[ys][:, xs].astype(np.float32) / np.float32(255)
    picture = ((picture - MEAN) / DEVIATION).transpose(2, 0, 1)[:channels]
    scores = run(model, np.broadcast_to(picture, (batch, channels, rows, columns)).copy())[0]
    top = np.argsort(-scores)[:5]
    lines = re.findall(r"class (\d+): (\S+)", open(printed).read())
    classes = np.array([int(c) for c, _ in lines])
    values = np.array([float(v) for _, v in lines])
    print(f"onnxruntime top-5: {list(top)}, printed: {list(classes)}")
    return (len(lines) == 5 and (classes == top).all()
            and np.allclose(values, scores[top], rtol=RTOL, atol=ATOL))


def main():
    if sys.argv[1] == "ppm":
        rng = np.random.default_rng(7)
        pixels = rng.integers(0, 256, size=(30, 40, 3), dtype=np.uint8)
        with open(sys.argv[2], "wb") as out:
            out.write(b"P6\n# dlcc test image\n40 30\n255\n" + pixels.tobytes())
        return 0
    ok = check_mlp(*sys.argv[2:]) if sys.argv[1] == "mlp" else check_classify(*sys.argv[2:])
    print("matches onnxruntime" if ok else "MISMATCH with onnxruntime")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
