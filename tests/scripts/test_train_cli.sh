#!/usr/bin/env bash
# `dlcc train` as a command: a run resumed from a checkpoint ends bit-identical to one that
# never stopped; corrupt, truncated and foreign checkpoints are refused naming the file; bad
# data, bad options and an output over the model are clear errors with exit 1 that leave the
# user's files as they were.
set -u
: "${DLCC:?}" "${PYTHON:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR" && cd "$WORK_DIR"
source "$(dirname "$0")/expect.sh"
torch_python=${DLCC_TORCH_PYTHON:-/usr/bin/python3}

for case in mlp_adam; do
  "$torch_python" "$SOURCE_DIR/tests/train/torch_reference.py" $case $case &&
    "$PYTHON" "$SOURCE_DIR/tests/train/build_onnx.py" $case $case || { fail "cannot make $case"; finish; }
done
model=mlp_adam/model.onnx
common=(--data=mlp_adam/data --batch=16 --optimizer=adam --lr=0.01 --seed=3 --device=host -q)

# Resume: 2 epochs, then 2 more from the checkpoint, equal 4 epochs in one go.
expect 0 '' -- train $model "${common[@]}" --epochs=4 -o straight.onnx
expect 0 '' -- train $model "${common[@]}" --epochs=2 --checkpoint=half.ckpt
expect 0 '' -- train $model "${common[@]}" --epochs=4 --resume=half.ckpt -o resumed.onnx
checks=$((checks + 1))
cmp -s straight.onnx resumed.onnx || fail "the resumed run's weights differ from the straight run's"
checks=$((checks + 1))
cmp -s straight.onnx $model && fail "training changed nothing"
# Determinism: the same seed, data and device give the same bits.
expect 0 '' -- train $model "${common[@]}" --epochs=4 -o again.onnx
checks=$((checks + 1))
cmp -s straight.onnx again.onnx || fail "two runs with the same seed trained different weights"

# Checkpoints that must be refused.
head -c 100 half.ckpt >truncated.ckpt
expect 1 'truncated.ckpt' -- train $model "${common[@]}" --epochs=4 --resume=truncated.ckpt
cp half.ckpt flipped.ckpt
size=$(stat -c %s flipped.ckpt)
printf '\x55' | dd of=flipped.ckpt bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
expect 1 'flipped.ckpt' -- train $model "${common[@]}" --epochs=4 --resume=flipped.ckpt
# Another optimizer's checkpoint of the same model: its states (velocity, not m and v) differ.
expect 0 '' -- train $model --data=mlp_adam/data --batch=16 --optimizer=sgd --momentum=0.9 \
  --device=host -q --checkpoint=sgd.ckpt
expect 1 'sgd.ckpt' -- train $model "${common[@]}" --epochs=4 --resume=sgd.ckpt
expect 1 'missing.ckpt' -- train $model "${common[@]}" --resume=missing.ckpt

# Bad data.
mkdir -p nolabels && cp mlp_adam/data/input.npy nolabels/
expect 1 'labels.npy' -- train $model --data=nolabels --batch=16 --device=host
mkdir -p wrongshape && cp mlp_adam/data/labels.npy wrongshape/
"$PYTHON" -c "import numpy as np; np.save('wrongshape/input.npy', np.zeros((64, 15), np.float32))"
expect 1 'input.npy: has shape f32\[64,15\], expected \[N,16\]' -- train $model --data=wrongshape --batch=16 --device=host
expect 1 'fewer than one batch' -- train $model --data=mlp_adam/data --batch=100 --device=host
expect 1 'no --data' -- train $model
expect 1 "unknown --loss 'hinge'" -- train $model --data=mlp_adam/data --loss=hinge
expect 1 "bad count" -- train $model --data=mlp_adam/data --batch=-2

# Dropout exported in training mode trains (each step draws from the step counter; the
# behaviour is checked in test_train_dropout.sh); a draw whose counter is something else is
# refused, naming the node.
"$PYTHON" - <<'PY'
import os
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper
inits = [numpy_helper.from_array(np.full((3, 4), 0.1, np.float32), "w"),
         numpy_helper.from_array(np.array(0.5, np.float32), "ratio"),
         numpy_helper.from_array(np.array(True), "training")]
nodes = [helper.make_node("Dropout", ["input", "ratio", "training"], ["d"], name="drop"),
         helper.make_node("Gemm", ["d", "w"], ["logits"], transB=1)]
graph = helper.make_graph(nodes, "dropout", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, "dropout.onnx")
os.makedirs("dropdata", exist_ok=True)
np.save("dropdata/input.npy", np.zeros((8, 4), np.float32))
np.save("dropdata/labels.npy", np.zeros(8, np.int64))
PY
expect 0 '' -- train dropout.onnx --data=dropdata --batch=4 --device=host -q
cat >counted.dlir <<'EOF'
dlir 1
graph "counted" {
  input %input: f32[4,3]
  const %w: f32[3] = [1, 2, 3]
  const %c: i64[] = [0]
  %u: f32[4,3] = RandomUniformLike(%input, %c) name "draw"
  %a: f32[4,3] = Mul(%input, %w)
  %logits: f32[4,3] = Add(%a, %u)
  output %logits
}
EOF
mkdir -p counteddata && cp dropdata/labels.npy counteddata/
"$PYTHON" -c "import numpy as np; np.save('counteddata/input.npy', np.zeros((8, 3), np.float32))"
expect 1 "node 'draw' \(RandomUniformLike\): training step: it has a counter already" -- \
  train counted.dlir --data=counteddata --batch=4 --device=host

# The model is never replaced.
cp $model keep.onnx
expect 1 'cannot write' -- train $model "${common[@]}" -o $model
checks=$((checks + 1))
cmp -s keep.onnx $model || fail "the model was changed"
finish
