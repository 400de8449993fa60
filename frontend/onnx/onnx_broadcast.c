/* Legacy broadcasting before opset 7: binary ops with broadcast=1 and `axis` match B's shape
 * against A's starting at `axis`, and PRelu's slope vector applies along the channel axis
 * (1). Unsqueezing B with trailing unit dims turns that into numpy broadcasting, the only
 * kind the latest opsets have. */
#include "onnx_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const LEGACY_BROADCAST_OPS[] = {"Add",   "Sub",     "Mul",  "Div", "Pow",
                                                   "Equal", "Greater", "Less", NULL};

bool onnx_legacy_broadcast_axis(onnx_import *import, const Onnx__NodeProto *proto,
                                ir_value *const *inputs, int num_inputs, int64_t *axis) {
  if (import->opset >= 7)
    return false;
  if (strcmp(onnx_text(proto->op_type), "PRelu") == 0) {
    const ir_value *slope = num_inputs == 2 ? inputs[1] : NULL;
    *axis = 1;
    return slope && inputs[0] && inputs[0]->type.rank >= 2 && slope->type.rank == 1 &&
           slope->type.dims[0] != 1;
  }
  const Onnx__AttributeProto *broadcast = onnx_find_attr(proto, "broadcast");
  const Onnx__AttributeProto *axis_attr = onnx_find_attr(proto, "axis");
  if (!broadcast || broadcast->i == 0 || !axis_attr)
    return false;
  *axis = axis_attr->i;
  for (const char *const *op = LEGACY_BROADCAST_OPS; *op; op++)
    if (strcmp(*op, onnx_text(proto->op_type)) == 0)
      return true;
  return false;
}

int onnx_align_legacy_broadcast(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                ir_value **inputs, int num_inputs, int64_t axis) {
  if (num_inputs != 2 || !inputs[0] || !inputs[1])
    return onnx_node_error(import, proto, index, "needs two inputs");
  int rank_a = inputs[0]->type.rank, rank_b = inputs[1]->type.rank;
  if (axis < 0)
    axis += rank_a;
  if (axis < 0 || axis + rank_b > rank_a)
    return onnx_node_error(import, proto, index,
                           "legacy broadcasting: input 1 of rank %d does not fit input 0 of "
                           "rank %d at axis %lld",
                           rank_b, rank_a, (long long)axis);
  int trailing = rank_a - (int)axis - rank_b;
  if (trailing == 0)
    return 0; /* already aligned to the end: numpy broadcasting agrees */
  int64_t axes[IR_MAX_RANK];
  for (int i = 0; i < trailing; i++)
    axes[i] = rank_b + i;
  const char *name = onnx_node_display_name(import, proto, index);
  char base[512];
  snprintf(base, sizeof(base), "%s.broadcast_axes", name);
  ir_value *axes_value = onnx_ints_constant(import, base, axes, trailing);
  if (!axes_value)
    return -1;
  snprintf(base, sizeof(base), "%s.aligned", inputs[1]->name);
  const char *output = ir_graph_unique_name(import->graph, base);
  ir_value *unsqueeze_inputs[2] = {inputs[1], axes_value};
  snprintf(base, sizeof(base), "%s/align", name);
  ir_node *unsqueeze = ir_graph_add_node(import->graph, NULL, IR_OP_UNSQUEEZE, base,
                                         unsqueeze_inputs, 2, &output, 1);
  if (!unsqueeze)
    return onnx_error(import, "out of memory");
  if (onnx_finish_node(import, unsqueeze) != 0)
    return -1;
  inputs[1] = unsqueeze->outputs[0];
  return 0;
}
