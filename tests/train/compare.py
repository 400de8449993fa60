"""Checks a dlcc train run against the python3-torch reference of the same case: every
step's loss (dlcc train --log) and every weight and running statistic after the last step
(the initializers of dlcc train -o) within fp32 tolerance. compare.py FOLDER LOG.csv
TRAINED.onnx; exits 1 naming what differs."""
import csv
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# Float32 arithmetic in another order (dlcc's fixed reduction trees, torch's kernels) over 20
# optimizer steps: losses agree to a few ulps times the steps, weights a little less closely
# where Adam divides by small second moments.
LOSS_RTOL, LOSS_ATOL = 1e-4, 1e-5
WEIGHT_RTOL, WEIGHT_ATOL = 1e-3, 1e-4


def main():
    folder, log_path, trained_path = sys.argv[1:4]
    reference = np.load(os.path.join(folder, "reference_losses.npy"))
    with open(log_path) as f:
        losses = np.array([float(row["loss"]) for row in csv.DictReader(f)])
    failures = []
    if losses.shape != reference.shape:
        failures.append(f"{len(losses)} steps logged, the reference has {len(reference)}")
    else:
        bad = ~np.isclose(losses, reference, rtol=LOSS_RTOL, atol=LOSS_ATOL)
        for step in np.nonzero(bad)[0][:5]:
            failures.append(f"step {step + 1}: loss {losses[step]:.8g}, torch {reference[step]:.8g}")
    trained = {t.name: numpy_helper.to_array(t) for t in onnx.load(trained_path).graph.initializer}
    final = os.path.join(folder, "final")
    for file in sorted(os.listdir(final)):
        name = file[:-4]
        expected = np.load(os.path.join(final, file))
        if name not in trained:
            failures.append(f"{name}: not in {trained_path}")
            continue
        actual = trained[name]
        if actual.shape != expected.shape or not np.allclose(actual, expected, rtol=WEIGHT_RTOL,
                                                             atol=WEIGHT_ATOL):
            worst = np.max(np.abs(actual - expected)) if actual.shape == expected.shape else None
            failures.append(f"{name}: differs from torch's (largest difference {worst})")
    worst_loss = np.max(np.abs(losses - reference)) if losses.shape == reference.shape else None
    print(f"{folder}: {len(losses)} steps, largest loss difference {worst_loss}")
    for failure in failures:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
