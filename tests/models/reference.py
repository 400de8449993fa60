"""Shared by the make_*.py generators: saving a test model with onnxruntime's reference."""
import pathlib

import numpy as np
import onnx
import onnxruntime


def save_with_reference(model, feeds, out_dir, stem):
    """Checks and saves `model` as STEM.onnx, its first input as STEM.input.npy and
    onnxruntime's first output as STEM.output.npy."""
    onnx.checker.check_model(model, full_check=True)
    path = pathlib.Path(out_dir) / f"{stem}.onnx"
    onnx.save_model(model, str(path))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, feeds)
    np.save(pathlib.Path(out_dir) / f"{stem}.input.npy", next(iter(feeds.values())))
    np.save(pathlib.Path(out_dir) / f"{stem}.output.npy", outputs[0])
