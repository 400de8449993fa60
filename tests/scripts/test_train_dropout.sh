#!/usr/bin/env bash
# `dlcc train` on models with Dropout in training mode (tests/train/dropout_onnx.py): each step
# draws a fresh mask from the step counter, so the loss falls, one seed gives one log, a resumed
# run ends bit-identical to a straight one, two steps on one batch with lr 0 drop different
# elements, about `ratio` of them; the held-out scoring and `-o` run the model with Dropout off
# (the exported model's Dropout has no training_mode, and dlcc run of it scores as dlcc train
# printed, and equals the network computed without Dropout). A torch export with model.train()
# (training_mode a Constant, the mask an unused output, a symbolic batch) trains too; the
# step and the evaluation run clean under the sanitizer; a training bundle (`dlcc compile
# --train`) of the model logs dlcc train's losses.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
"$PYTHON" "$SOURCE_DIR/tests/train/dropout_onnx.py" . || { fail "cannot make the models"; finish; }
options=(--data=train --val=val --batch=16 --optimizer=sgd --momentum=0.9 --lr=0.05 --seed=5
  --device=host)
common=("${options[@]}" -q)

expect 0 '' -- train mlp.onnx "${common[@]}" --epochs=8 --log=straight.csv -o straight.onnx \
  --plot=straight.svg
# The loss falls: the last epoch's mean is below 80% of the first's.
checks=$((checks + 1))
awk -F, 'NR > 1 { sum[$2] += $3; n[$2]++; last = $2 }
  END { first = sum[1] / n[1]; final = sum[last] / n[last]; exit !(final < 0.8 * first) }' \
  straight.csv || fail "the loss did not fall: $(cat straight.csv)"

# The step's draws (a counter read from a state) and the evaluation under the sanitizer.
expect 0 'sanitizer: 0 reports' -- train mlp.onnx "${options[@]}" --epochs=1 --sanitize

# One seed, one log and one model; a resumed run ends as the straight one.
expect 0 '' -- train mlp.onnx "${common[@]}" --epochs=8 --log=again.csv -o again.onnx
checks=$((checks + 1))
cmp -s straight.csv again.csv && cmp -s straight.onnx again.onnx ||
  fail "two runs with one seed differ"
expect 0 '' -- train mlp.onnx "${common[@]}" --epochs=3 --checkpoint=half.ckpt
expect 0 '' -- train mlp.onnx "${common[@]}" --epochs=8 --resume=half.ckpt --log=resumed.csv \
  -o resumed.onnx
checks=$((checks + 1))
cmp -s straight.onnx resumed.onnx || fail "the resumed run's weights differ from the straight run's"
checks=$((checks + 1))
diff <(tail -n +2 resumed.csv) <(tail -n +2 straight.csv | tail -n "$(($(wc -l <resumed.csv) - 1))") \
  >/dev/null || fail "the resumed run's losses differ from the straight run's"

# Masks: with lr 0 every step sees the same batch and weights; the losses differ, and each is
# the fraction kept / 0.75^2 (ratio 0.25; 4096 elements, sd of the fraction 0.007).
expect 0 '' -- train probe.onnx --data=ones --batch=16 --epochs=3 --lr=0 --loss=mse \
  --device=host -q --log=probe.csv
checks=$((checks + 1))
awk -F, 'NR > 1 { kept = $3 * 0.5625; if (kept < 0.72 || kept > 0.78) bad = 1; seen[$3]++; n++ }
  END { exit bad || length(seen) != n || n != 3 }' probe.csv ||
  fail "the masks repeat or drop far from 25%: $(cat probe.csv)"

# Evaluation: Dropout off in the held-out scoring and in the exported model.
held_out=$("$DLCC" train mlp.onnx "${options[@]}" --epochs=8 2>&1 | grep -o 'epoch 8/8: .*' |
  grep -oE 'held-out loss [0-9.]+' | grep -oE '[0-9.]+$')
expect 0 '' -- run straight.onnx --device=host --dim batch=32 --input input=val/input.npy \
  --output-dir out -q
checks=$((checks + 1))
"$PYTHON" - "$held_out" <<'PY' || fail "the exported model does not score as the evaluation did"
import sys
import numpy as np
import onnx
from onnx import numpy_helper
model = onnx.load("straight.onnx")
dropouts = [n for n in model.graph.node if n.op_type == "Dropout"]
assert len(dropouts) == 1 and len(dropouts[0].input) == 2, "Dropout keeps its training_mode"
w = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
x, y = np.load("val/input.npy"), np.load("val/labels.npy")
logits = np.load("out/logits.npy")
hidden = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0)
expected = hidden @ w["fc2.weight"].T + w["fc2.bias"]
assert np.abs(logits - expected).max() < 1e-4, "dlcc run of the trained model drops elements"
z = logits - logits.max(1, keepdims=True)
log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
loss = -log_p[np.arange(len(y)), y].mean()
assert abs(loss - float(sys.argv[1])) < 1.5e-4, f"held-out loss {sys.argv[1]}, run's {loss:.6f}"
PY

# The counter input is dlcc's: an ONNX RandomUniformLike with two inputs is refused.
"$PYTHON" - <<'PY'
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
step = numpy_helper.from_array(np.array(0, np.int64), "step")
node = helper.make_node("RandomUniformLike", ["x", "step"], ["u"], name="draw")
graph = helper.make_graph([node], "two", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                          [helper.make_tensor_value_info("u", TensorProto.FLOAT, [4])], [step])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, "two_inputs.onnx")
PY
expect 1 "node 'draw' \(RandomUniformLike, opset 17\): takes one input, not 2" -- inspect two_inputs.onnx

# torch's own training-mode export (with python3-torch; skipped without it).
torch_python=${DLCC_TORCH_PYTHON:-/usr/bin/python3}
if "$torch_python" -c "import torch" 2>/dev/null; then
  "$torch_python" - <<'PY' || fail "cannot export the torch model"
import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                          torch.nn.Linear(32, 3)).train()
torch.onnx.export(net, torch.zeros(4, 8), "torch_train.onnx", input_names=["input"],
                  output_names=["logits"], dynamic_axes={"input": {0: "batch"}}, opset_version=17,
                  do_constant_folding=False, training=torch.onnx.TrainingMode.TRAINING)
PY
  expect 0 '' -- train torch_train.onnx "${common[@]}" --epochs=3 --log=torch.csv \
    -o torch_trained.onnx
  expect 0 '' -- run torch_trained.onnx --device=host --dim batch=32 \
    --input input=val/input.npy -q
  checks=$((checks + 1))
  "$PYTHON" -c "
import onnx
nodes = [n for n in onnx.load('torch_trained.onnx').graph.node if n.op_type == 'Dropout']
assert len(nodes) == 1 and len(nodes[0].input) == 2" || fail "torch's Dropout kept its training_mode"
else
  echo "skip: no python3-torch for the torch export"
fi

# A training bundle of the Dropout model draws the masks dlcc train draws: examples/train's
# program (seed 0's shuffle, as dlcc train's default) on the host and the fake cuda device logs
# dlcc train's losses step by step.
bundle_options=(--optimizer=sgd --momentum=0.9 --lr=0.05)
expect 0 '' -- compile mlp.onnx --train "${bundle_options[@]}" --dim batch=16 -o net \
  --target=sm_80,host
expect 0 '' -- train mlp.onnx --data=train --batch=16 --epochs=2 "${bundle_options[@]}" \
  --device=host -q --log=bundle_reference.csv
checks=$((checks + 1))
# shellcheck disable=SC2086
"${CC:?}" -std=c99 -Wall -Wextra -Werror ${CC_FLAGS:-} -I. -I"$SOURCE_DIR/include" \
  "$SOURCE_DIR/examples/train/main.c" "$SOURCE_DIR/examples/train/npy.c" net.o \
  -L"${BUILD_DIR:?}/runtime" -Wl,-rpath,"$BUILD_DIR/runtime" -ldlrt -o train_app ||
  fail "cannot build examples/train against the Dropout bundle"
for device in host cuda; do
  checks=$((checks + 1))
  DLRT_DEVICE=$device DLRT_LIBCUDA=${FAKECUDA:?} ./train_app train 2 $device.ckpt >$device.txt &&
    "$PYTHON" - $device.txt bundle_reference.csv <<'PY' || fail "$device: the Dropout bundle's losses differ from dlcc train's"
import csv, sys
import numpy as np
example = [float(line.split()[-1]) for line in open(sys.argv[1]) if line.startswith("step ")]
logged = [float(row["loss"]) for row in csv.DictReader(open(sys.argv[2]))]
assert len(example) == len(logged) == 12, (len(example), len(logged))
# The same graph compiled for this CPU (dlcc train) and for portable x86-64 (the bundle).
np.testing.assert_allclose(example, logged, rtol=1e-5, atol=1e-6)
PY
done
finish
