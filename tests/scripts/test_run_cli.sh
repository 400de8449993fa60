#!/usr/bin/env bash
# dlcc run as a user meets it: input files (.npy and .pb give the same result), random inputs
# that are deterministic per seed, automatic device choice, and a clear message with the
# documented exit code for every kind of bad input or missing device.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${MODELS_DIR:?}" "${WORK_DIR:?}" "${FAKECUDA:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
cd "$WORK_DIR"
model=$MODELS_DIR/mlp.onnx # input 'input' f32[4,64], output 'probabilities' f32[4,10]

"$PYTHON" - <<'PY'
import numpy as np
from onnx import numpy_helper
x = np.random.default_rng(1).standard_normal((4, 64)).astype(np.float32)
np.save("x.npy", x)
open("x.pb", "wb").write(numpy_helper.from_array(x, "input").SerializeToString())
np.save("small.npy", np.zeros((2, 2), np.float32))
np.save("int.npy", np.zeros((4, 64), np.int32))
np.save("fortran.npy", np.asfortranarray(np.ones((4, 64), np.float32)))
open("junk.npy", "wb").write(b"\x93NUMPY\x01\x00\xff\xff{'descr'")
open("junk.pb", "wb").write(b"\x0a\xff\xff\xff\xff\x0f")
PY
same() { # same FILE_A FILE_B: the two .npy files hold identical arrays
  "$PYTHON" -c "import numpy as np,sys; a,b=(np.load(p) for p in sys.argv[1:]); sys.exit(0 if a.shape==b.shape and (a==b).all() else 1)" "$1" "$2"
}

# Inputs from files: .npy and .pb are the same tensor, so the outputs are bit-identical.
expect 0 'input  input: f32\[4,64\] from x.npy' -- run "$model" --device=host --input input=x.npy --output-dir npy
expect 0 'from x.pb' -- run "$model" --device=host --input input=x.pb --output-dir pb
same npy/probabilities.npy pb/probabilities.npy || fail ".npy and .pb inputs gave different outputs"

# Random inputs: the same seed gives the same output, another seed another one.
expect 0 'random \(seed 7\)' -- run "$model" --device=host --seed 7 --output-dir seed7a
expect 0 'random \(seed 7\)' -- run "$model" --device=host --seed 7 --output-dir seed7b --threads 1
expect 0 'random \(seed 8\)' -- run "$model" --device=host --seed 8 --output-dir seed8
same seed7a/probabilities.npy seed7b/probabilities.npy || fail "seed 7 twice gave different outputs"
same seed7a/probabilities.npy seed8/probabilities.npy && fail "seeds 7 and 8 gave the same output"

# The summary: device, kernels, each output's shape and values, the time.
expect 0 'output probabilities: f32\[4,10\] = \[' -- run "$model" --device=host
expect 0 'run: [0-9.]+ ms \(mean\)' -- run "$model" --device=host --repeat 3
expect 0 '^$' -- run "$model" --device=host -q
expect 0 'profile \(2 runs, device synchronized after every launch\)' -- run "$model" --device=host --profile --repeat 2
# -O2 fuses each hidden Gemm with its Relu: 4 launches, and a kernel named for its group.
expect 0 ' 100\.0% +4  all launches' -- run "$model" --device=host --profile
expect 0 '  mlp_[0-9]+_[A-Za-z0-9_]+ \(fc0\+Relu\)' -- run "$model" --device=host --profile
expect 0 ' 100\.0% +6  all launches' -- run "$model" --device=host --profile -O1
DLRT_LIBCUDA=$FAKECUDA expect 0 'all launches' -- run "$model" --device=cuda --profile

# Device choice: auto says what it picked and why; cuda without a driver fails at once (2).
DLRT_LIBCUDA=$WORK_DIR/no-such-libcuda.so expect 0 'on host .*\(auto: no CUDA driver\)' -- run "$model"
DLRT_LIBCUDA=$WORK_DIR/no-such-libcuda.so expect 2 "dlcc: error: .*mlp.onnx: no CUDA device: .*libcuda.*\(use --device=host\)" -- run "$model" --device=cuda
# ... before compiling: a model that cannot compile still gets the device's message.
symbolic=$SOURCE_DIR/tests/lit/cli/Inputs/symbolic.dlir
DLRT_LIBCUDA=$WORK_DIR/no-such-libcuda.so expect 2 "symbolic.dlir: no CUDA device: .*libcuda" -- run "$symbolic" --device=cuda
DLRT_LIBCUDA=$FAKECUDA FAKECUDA_DEVICE_COUNT=0 expect 2 "symbolic.dlir: no CUDA device: cuInit failed: CUDA_ERROR_NO_DEVICE" -- run "$symbolic" --device=cuda
DLRT_LIBCUDA=$FAKECUDA FAKECUDA_FAIL=cuInit:1 expect 2 "symbolic.dlir: no CUDA device: .*cuInit" -- run "$symbolic" --device=cuda
DLRT_LIBCUDA=$FAKECUDA expect 0 'on cuda:0' -- run "$model" --input input=x.npy --output-dir auto_cuda
same npy/probabilities.npy auto_cuda/probabilities.npy || fail "host and (fake) cuda outputs differ"

# Bad inputs: exit 1, naming the file and what is wrong.
expect 1 "no-such.npy" -- run "$model" --device=host --input input=no-such.npy
expect 1 "--input nope: the model has no input of that name" -- run "$model" --device=host --input nope=x.npy
expect 1 "small.npy: input 'input' needs f32\[4,64\] but the file holds f32\[2,2\]" -- run "$model" --device=host --input input=small.npy
expect 1 "int.npy: input 'input' needs f32\[4,64\] but the file holds i32\[4,64\]" -- run "$model" --device=host --input input=int.npy
expect 1 "fortran.npy: .*Fortran" -- run "$model" --device=host --input input=fortran.npy
expect 1 "junk.npy: " -- run "$model" --device=host --input input=junk.npy
expect 1 "junk.pb: " -- run "$model" --device=host --input input=junk.pb
expect 1 "no-such-model.onnx" -- run no-such-model.onnx
expect 1 "dlcc: error: unknown device .tpu." -- run "$model" --device=tpu
expect 1 "dlcc: error: .*--threads" -- run "$model" --threads=-1
expect 1 "dlcc: error: .*--repeat" -- run "$model" --repeat=-1
expect 1 "dlcc: error: .*--input" -- run "$model" --input x.npy

# --output-dir makes missing folders; outputs that cannot be written: exit 2, naming the place.
expect 0 'run:' -- run "$model" --device=host --output-dir nested/a/b
[ -f nested/a/b/probabilities.npy ] || fail "--output-dir nested/a/b: no probabilities.npy"
touch not-a-folder
expect 2 "not-a-folder" -- run "$model" --device=host --output-dir not-a-folder
expect 2 "not-a-folder: cannot create: a file is in the way" -- run "$model" --device=host --output-dir not-a-folder/x
finish
