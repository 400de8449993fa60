#!/usr/bin/env bash
# DOT output renders with Graphviz: the SVG holds op and node names, input/output shapes,
# folded weights ("W: f32[...]"), edge types, and dl.group clusters.
set -u
: "${DLCC:?}" "${SOURCE_DIR:?}" "${WORK_DIR:?}" "${MODELS_DIR:?}"
rm -rf "$WORK_DIR" && mkdir -p "$WORK_DIR"
command -v dot >/dev/null || { echo "graphviz 'dot' is not installed (scripts/deps.sh installs it)"; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2'"; }
render() { # render NAME MODEL [ARGS...]: NAME.dot and NAME.svg
  local name=$1 model=$2
  shift 2
  "$DLCC" inspect "$model" --format=dot "$@" -o "$WORK_DIR/$name.dot" || fail "dlcc --format=dot $model"
  dot -Tsvg "$WORK_DIR/$name.dot" -o "$WORK_DIR/$name.svg" 2>"$WORK_DIR/$name.dot.err" ||
    fail "dot rejected $name.dot: $(cat "$WORK_DIR/$name.dot.err")"
  [ ! -s "$WORK_DIR/$name.dot.err" ] || fail "dot warned on $name.dot: $(cat "$WORK_DIR/$name.dot.err")"
}

render mlp "$SOURCE_DIR/examples/mlp.dlir"
svg=$WORK_DIR/mlp.svg
contains "$svg" '<title>mlp</title>'
contains "$svg" '>Gemm</text>'
contains "$svg" '>fc1</text>'
contains "$svg" '>B: f32[4,8]</text>'   # Gemm's weight, folded into its label
contains "$svg" '>C: f32[8]</text>'
contains "$svg" '>f32[1,4]</text>'      # the input's shape
contains "$svg" '>probs</text>'         # the output
contains "$svg" '>f32[1,8]</text>'      # an edge label
contains "$svg" '>C: f32[3] = [0.496, &#45;0.492, 0.441]</text>' # small constants show values (svg escapes '-')
# Inputs and outputs have their own shapes, constants are not boxes of their own.
contains "$WORK_DIR/mlp.dot" 'shape=invhouse'
contains "$WORK_DIR/mlp.dot" 'shape=house'
! grep -q '>w1</text>' "$svg" || fail "the weight w1 is drawn as a node of its own"

# A fused group is a cluster holding its body's nodes; edges go through params and results.
cat >"$WORK_DIR/group.dlir" <<'DLIR'
dlir 1
graph "fused" {
  input %x: f32[2,4]
  input %y: f32[2,4]
  %g: f32[2,4], %h: f32[2,4] = dl.group(%x, %y) name "fused_0" {
  ^(%p: f32[2,4], %q: f32[2,4]):
    %s: f32[2,4] = Mul(%p, %q) name "mul"
    %t: f32[2,4] = Relu(%s) name "relu"
    yield %s, %t
  }
  %c: f32[2,4] = Add(%g, %h) name "add"
  output %c
}
DLIR
render group "$WORK_DIR/group.dlir"
contains "$WORK_DIR/group.svg" '<title>cluster_0</title>'
contains "$WORK_DIR/group.svg" '>dl.group fused_0</text>'
contains "$WORK_DIR/group.svg" '>mul</text>'
grep -qE '^ +n[0-9]+ -> n[0-9]+ \[label="f32\[2,4\]"\];$' "$WORK_DIR/group.dot" || fail "no typed edge in group.dot"
# x feeds mul directly (through the group's param), mul and relu feed add (through results).
mul=$(grep -oE 'n[0-9]+ \[label="Mul' "$WORK_DIR/group.dot" | cut -d' ' -f1)
add=$(grep -oE 'n[0-9]+ \[label="Add' "$WORK_DIR/group.dot" | cut -d' ' -f1)
relu=$(grep -oE 'n[0-9]+ \[label="Relu' "$WORK_DIR/group.dot" | cut -d' ' -f1)
x=$(grep -oE 'v[0-9]+ \[shape=invhouse[^]]*label="x' "$WORK_DIR/group.dot" | cut -d' ' -f1)
# Edges stay outside clusters, or Graphviz would pull the group's sources (x, y) inside it.
awk '/subgraph cluster/{inside=1} inside && /->/{found=1} inside && /^  }$/{inside=0} END{exit found}' \
  "$WORK_DIR/group.dot" || fail "an edge is written inside a cluster"
contains "$WORK_DIR/group.dot" "$x -> $mul "
contains "$WORK_DIR/group.dot" "$mul -> $add "
contains "$WORK_DIR/group.dot" "$relu -> $add "

# Fused groups are clusters, not boxes: every other node is one box.
group_count() { echo "$1" | grep -oE 'dl\.group [0-9]+' | grep -oE '[0-9]+' || echo 0; }

# A ResNet stays readable: one box per op, weights in labels, no constant nodes (-O1 and up
# fold its BatchNormalizations into the convolutions: -O0 shows them).
render resnet "$MODELS_DIR/resnet18.onnx" -O0
contains "$WORK_DIR/resnet.svg" '>W: f32[64,3,7,7]</text>'
contains "$WORK_DIR/resnet.svg" '>scale, B, mean, var: f32[64]</text>' # one line for same-typed weights
contains "$WORK_DIR/resnet.svg" '>f32[1,3,224,224]</text>'
boxes=$(grep -c '^ *n[0-9]* \[label=' "$WORK_DIR/resnet.dot")
stats=$("$DLCC" inspect "$MODELS_DIR/resnet18.onnx" -O0 --stats 2>&1 >/dev/null)
nodes=$(($(echo "$stats" | sed -E 's/.* ([0-9]+) nodes.*/\1/') - $(group_count "$stats")))
[ "$boxes" -eq "$nodes" ] || fail "resnet18: $boxes boxes for $nodes nodes"

# torchvision's ResNet-50 (exported by torch, BatchNorm folded into Conv): every op is one box
# named after its module path, all 53 convolutions and 16 residual additions are drawn.
resnet50=$MODELS_DIR/torchvision_resnet50.onnx
render resnet50 "$resnet50" -O2
svg=$WORK_DIR/resnet50.svg
contains "$svg" '>f32[1,3,224,224]</text>'         # the input
contains "$svg" '>W: f32[64,3,7,7]</text>'         # the stem
contains "$svg" '>W: f32[2048,512,1,1]</text>'     # the last bottleneck's expansion
contains "$svg" '>/layer4/layer4.2/Add</text>'     # the last residual addition, by name
contains "$svg" '>f32[1,2048,7,7]</text>'          # an edge label
contains "$svg" '>f32[1,1000]</text>'              # the logits
boxes=$(grep -c '^ *n[0-9]* \[label=' "$WORK_DIR/resnet50.dot")
stats=$("$DLCC" inspect "$resnet50" -O2 --stats 2>&1 >/dev/null)
nodes=$(($(echo "$stats" | sed -E 's/.* ([0-9]+) nodes.*/\1/') - $(group_count "$stats")))
[ "$boxes" -eq "$nodes" ] || fail "resnet50: $boxes boxes for $nodes nodes"
convs=$(grep -c 'label="Conv\\n' "$WORK_DIR/resnet50.dot")
adds=$(grep -c 'label="Add\\n' "$WORK_DIR/resnet50.dot")
[ "$convs" -eq 53 ] && [ "$adds" -eq 16 ] || fail "resnet50: $convs Conv and $adds Add boxes, expected 53 and 16"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all DOT checks passed"
