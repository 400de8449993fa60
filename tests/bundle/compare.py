"""Bundle test helper. `compare.py tobin IN.npy OUT.bin` writes an array's raw bytes;
`compare.py check OUT.bin REF.npy` compares raw output bytes with an onnxruntime reference
(fp32 rtol 1e-4, atol 1e-5, as every model test) and exits 1 on a mismatch."""
import sys

import numpy as np

RTOL, ATOL = 1e-4, 1e-5


def main():
    if sys.argv[1] == "tobin":
        np.ascontiguousarray(np.load(sys.argv[2])).tofile(sys.argv[3])
        return 0
    reference = np.load(sys.argv[3])
    actual = np.fromfile(sys.argv[2], dtype=reference.dtype, count=reference.size)
    if actual.size != reference.size:
        print(f"{sys.argv[2]}: {actual.size} values, reference {reference.size}")
        return 1
    actual = actual.reshape(reference.shape)
    if not np.allclose(actual, reference, rtol=RTOL, atol=ATOL):
        error = np.abs(actual.astype(np.float64) - reference)
        print(f"{sys.argv[2]}: mismatch, max abs error {error.max():.3g}")
        return 1
    print(f"{sys.argv[2]}: matches the reference ({reference.size} values)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
