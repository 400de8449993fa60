#!/usr/bin/env bash
# dlcc run with the element types numpy lacks (bf16, the 8-bit floats, the packed 4-bit
# integers): .npy inputs and outputs under ml_dtypes' names, one element a byte for the
# packed ones, read by numpy.load once ml_dtypes is imported; values checked against
# ml_dtypes on the host and the (fake) cuda device.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${WORK_DIR:?}" "${FAKECUDA:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
cd "$WORK_DIR"
cat > small.dlir <<'DLIR'
dlir 1
graph "small" {
  input %h: bf16[7]
  input %q: i4[7]
  input %e: f8e4m3fn[7]
  %hf: f32[7] = Cast(%h) {to: dtype = f32}
  %qf: f32[7] = Cast(%q) {to: dtype = f32}
  %ef: f32[7] = Cast(%e) {to: dtype = f32}
  %s: f32[7] = Add(%hf, %qf)
  %t: f32[7] = Add(%s, %ef)
  %o4: u4[7] = Cast(%t) {to: dtype = u4}
  %ob: bf16[7] = Cast(%t) {to: dtype = bf16}
  %o8: f8e5m2[7] = Cast(%t) {to: dtype = f8e5m2}
  output %o4
  output %ob
  output %o8
}
DLIR
"$PYTHON" - <<'PY'
import ml_dtypes, numpy as np
def save(name, array):  # the descr is the ml_dtypes name; np.save would write '<V1'
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (array.dtype.name, array.size)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    open(name, "wb").write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
                           + array.tobytes())
save("h.npy", np.array([1.5, -2.25, 3.0, 100.5, -0.0, 7.75, 0.1], ml_dtypes.bfloat16))
save("q.npy", np.array([-8, 7, -1, 0, 3, -5, 2], ml_dtypes.int4))
save("e.npy", np.array([0.5, -448, 1.125, 2, -0.0, 0.015625, 240], ml_dtypes.float8_e4m3fn))
PY
check() { # check DIR: the outputs hold what ml_dtypes computes
  "$PYTHON" - "$1" <<'PY' || fail "$1: outputs differ from ml_dtypes"
import sys, ml_dtypes, numpy as np
h, q, e = (np.load(f"{n}.npy") for n in "hqe")
t = h.astype(np.float32) + q.astype(np.float32) + e.astype(np.float32)
want = {"o4": (np.trunc(t).astype(np.int64) & 15).astype(np.uint8).astype(ml_dtypes.uint4),
        "ob": t.astype(ml_dtypes.bfloat16),
        "o8": np.clip(t, -57344, 57344).astype(ml_dtypes.float8_e5m2)}
for name, expected in want.items():
    actual = np.load(f"{sys.argv[1]}/{name}.npy")
    assert actual.dtype == expected.dtype, (name, actual.dtype)
    assert (actual.view(np.uint8) == expected.view(np.uint8)).all(), (name, actual, expected)
PY
}
expect 0 'input  q: i4\[7\] from q.npy' -- run small.dlir --device=host --input h=h.npy --input q=q.npy --input e=e.npy --output-dir host
check host
DLRT_LIBCUDA=$FAKECUDA expect 0 'on cuda:0' -- run small.dlir --device=cuda --input h=h.npy --input q=q.npy --input e=e.npy --output-dir cuda
check cuda
# numpy's own '<V2' (np.save of a bfloat16 array) says nothing of the type: refused, naming it.
"$PYTHON" -c "import ml_dtypes, numpy as np; np.save('void.npy', np.zeros(7, ml_dtypes.bfloat16))"
expect 1 "void.npy: unsupported .npy dtype '<V2'" -- run small.dlir --device=host --input h=void.npy
finish
