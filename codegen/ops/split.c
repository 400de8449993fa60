/* Split → the axis-segments kernel, scattering the input's ranges into the outputs. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

int lower_split(lower_context *ctx, const ir_node *node, lower_result *out) {
  int64_t axis;
  int normalized;
  if (ir_attr_int_default(node, "axis", &axis, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis, node->inputs[0]->type.rank, &normalized) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis);
  return mv_lower_axis_segments(ctx, node, normalized, false, out);
}
