#!/usr/bin/env bash
# Training bundles: `dlcc compile --train` makes a bundle whose NAME_train_step runs one
# optimizer step; examples/train/main.c (built here with cc against the bundle, on the host and
# the fake cuda device) trains the MLP of tests/train/cases.py for 5 epochs from .npy files and
# must print, step by step, the losses `dlcc train` logs for the same model, data and options
# (the same shuffle), and save its checkpoint; a second run prints the same bits and writes the
# same checkpoint. Training options without --train are refused.
source "$(dirname "$0")/../bundle/common.sh"
torch_python=${DLCC_TORCH_PYTHON:-/usr/bin/python3}
"$torch_python" "$SOURCE_DIR/tests/train/torch_reference.py" mlp_adam case >/dev/null
"$PYTHON" "$SOURCE_DIR/tests/train/build_onnx.py" mlp_adam case
options=(--optimizer=adam --lr=0.01)

"$DLCC" compile case/model.onnx --train "${options[@]}" --dim batch=16 -o net --target=sm_80,host
grep -q "net_train_step" net.h || fail "net.h has no net_train_step"
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror $CC_FLAGS -I. -I"$SOURCE_DIR/include" \
  "$SOURCE_DIR/examples/train/main.c" "$SOURCE_DIR/examples/train/npy.c" net.o \
  -L"$RUNTIME_DIR" -Wl,-rpath,"$RUNTIME_DIR" -ldlrt -o train_app

"$DLCC" train case/model.onnx --data=case/data --batch=16 --epochs=5 "${options[@]}" \
  --device=host -q --log=dlcc.csv
for device in host cuda; do
  DLRT_DEVICE=$device DLRT_LIBCUDA=$FAKECUDA ./train_app case/data 5 $device.ckpt >$device.txt
  grep -q "trained 20 steps" $device.txt || fail "$device: $(tail -2 $device.txt)"
  "$PYTHON" - $device.txt dlcc.csv <<'PY' || fail "$device: the example's losses differ from dlcc train's"
import csv, sys
import numpy as np
example = [float(line.split()[-1]) for line in open(sys.argv[1]) if line.startswith("step ")]
logged = [float(row["loss"]) for row in csv.DictReader(open(sys.argv[2]))]
assert len(example) == len(logged) == 20, (len(example), len(logged))
# The same graph compiled for this CPU (dlcc train) and for portable x86-64 (the bundle).
np.testing.assert_allclose(example, logged, rtol=1e-5, atol=1e-6)
print(f"{sys.argv[1]}: 20 steps, largest difference {np.max(np.abs(np.subtract(example, logged))):.3g}")
PY
done
DLRT_DEVICE=host ./train_app case/data 5 again.ckpt >again.txt
cmp -s <(grep '^step' host.txt) <(grep '^step' again.txt) || fail "a second run printed other losses"
cmp -s host.ckpt again.ckpt || fail "a second run saved another state"

if "$DLCC" compile case/model.onnx --optimizer=adam -o bad 2>err.txt; then
  fail "a training option without --train was accepted"
fi
grep -q "add --train" err.txt || fail "$(cat err.txt)"
echo "training bundle: ok"
