#!/usr/bin/env bash
# JSON output parses with Python's json and describes the graph: name, inputs, outputs,
# nodes (op, name, inputs, outputs, attributes, types), constants (dtype, shape, bytes).
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}" "${PYTHON:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
"$DLCC" inspect "$SOURCE_DIR/examples/mlp.dlir" --format=json -o "$WORK_DIR/mlp.json" || exit 1
"$DLCC" inspect "$MODELS_DIR/transformer_encoder.onnx" -O2 --format=json >"$WORK_DIR/transformer.json" || exit 1
"$DLCC" inspect "$MODELS_DIR/transformer_encoder.onnx" -O2 --stats 2>"$WORK_DIR/transformer.stats" >/dev/null || exit 1
cat >"$WORK_DIR/group.dlir" <<'DLIR'
dlir 1
graph "fused" {
  symbol batch
  input %x: f32[batch,4]
  %g: f32[batch,4] = dl.group(%x) {schedule: string = "tile", big: ints = [9223372036854775807, -9223372036854775808, 3], half: float = 0.5, kinds: strings = ["a", "b"], to: dtype = f16} name "fused_0" {
  ^(%p: f32[batch,4]):
    %s: f32[batch,4] = Relu(%p) name "relu"
    yield %s
  }
  output %g
}
DLIR
"$DLCC" inspect "$WORK_DIR/group.dlir" --format=json -o "$WORK_DIR/group.json" || exit 1

"$PYTHON" - "$WORK_DIR" <<'PY'
import json, re, sys
work = sys.argv[1]
mlp = json.load(open(f"{work}/mlp.json"))
assert mlp["name"] == "mlp", mlp["name"]
assert mlp["inputs"] == [{"name": "x", "dtype": "f32", "shape": [1, 4]}], mlp["inputs"]
assert mlp["outputs"] == [{"name": "probs", "dtype": "f32", "shape": [1, 3]}], mlp["outputs"]
assert [n["op"] for n in mlp["nodes"]] == ["Gemm", "Relu", "Dropout", "Gemm", "Softmax"]
fc1 = mlp["nodes"][0]
assert fc1["name"] == "fc1" and fc1["inputs"] == ["x", "w1", "b1"], fc1
assert fc1["outputs"] == [{"name": "h", "dtype": "f32", "shape": [1, 8]}], fc1["outputs"]
softmax = mlp["nodes"][4]
assert softmax["attributes"] == {"axis": -1}, softmax["attributes"]
w1 = next(c for c in mlp["constants"] if c["name"] == "w1")
assert w1 == {"name": "w1", "dtype": "f32", "shape": [4, 8], "bytes": 128, "elided": False}, w1

transformer = json.load(open(f"{work}/transformer.json"))
stats = open(f"{work}/transformer.stats").read()
nodes = int(re.search(r"(\d+) nodes", stats).group(1))
constants = int(re.search(r"(\d+) constants", stats).group(1))
# --stats counts every node, those in fused groups' bodies too.
def count(nodes):
    return sum(1 + count(n["body"]["nodes"]) if "body" in n else 1 for n in nodes)
assert count(transformer["nodes"]) == nodes, (count(transformer["nodes"]), nodes)
assert any("body" in n for n in transformer["nodes"]), "-O2 fuses the transformer's layers"
assert len(transformer["constants"]) == constants
# Every node input names a graph input, a constant or an earlier node's output (in a body:
# a param of that body, a constant or an earlier node's output there).
def check_scope(nodes, known):
    for node in nodes:
        for name in node["inputs"]:
            assert name is None or name in known, (node["name"], name)
        if "body" in node:
            inner = known | {p["name"] for p in node["body"]["params"]}
            inner = check_scope(node["body"]["nodes"], inner)
            assert all(r in inner for r in node["body"]["results"]), node["name"]
        known = known | {o["name"] for o in node["outputs"]}
    return known
known = {v["name"] for v in transformer["inputs"]} | {c["name"] for c in transformer["constants"]}
known = check_scope(transformer["nodes"], known)
assert all(o["name"] in known for o in transformer["outputs"])

group = json.load(open(f"{work}/group.json"))
assert group["symbols"] == ["batch"]
assert group["inputs"][0]["shape"] == ["batch", 4]
node = group["nodes"][0]
assert node["op"] == "dl.group", node["op"]
# Every attribute kind, and 64-bit integers exactly (not rounded through a double).
assert node["attributes"] == {"schedule": "tile", "big": [2**63 - 1, -2**63, 3], "half": 0.5,
                              "kinds": ["a", "b"], "to": "f16"}, node["attributes"]
assert node["body"]["params"] == [{"name": "p", "dtype": "f32", "shape": ["batch", 4]}]
assert [n["name"] for n in node["body"]["nodes"]] == ["relu"]
assert node["body"]["results"] == ["s"]
print("all JSON checks passed")
PY
