/* Slice → strided copy: each sliced axis starts at its clamped start and walks by its step
 * (negative steps walk backwards). */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

static int64_t clamp(int64_t value, int64_t low, int64_t high) {
  return value < low ? low : value > high ? high : value;
}

/* ONNX's start for an axis of size `dim`: negative counts from the end, then clamped. */
static int64_t effective_start(int64_t start, int64_t dim, int64_t step) {
  if (start < 0)
    start += dim;
  return step > 0 ? clamp(start, 0, dim) : clamp(start, 0, dim - 1);
}

int lower_slice(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
  int count = 0, ends_count = 0, axes_count, steps_count;
  if (ir_node_constant_ints(node, 1, starts, IR_MAX_RANK, &count, ctx->diag) != 0 ||
      ir_node_constant_ints(node, 2, ends, IR_MAX_RANK, &ends_count, ctx->diag) != 0)
    return -1;
  axes_count = steps_count = count;
  for (int i = 0; i < count; i++)
    axes[i] = i, steps[i] = 1;
  if ((ir_node_input(node, 3) &&
       ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, ctx->diag) != 0) ||
      (ir_node_input(node, 4) &&
       ir_node_constant_ints(node, 4, steps, IR_MAX_RANK, &steps_count, ctx->diag) != 0))
    return -1;
  if (axes_count != count || steps_count != count ||
      ir_normalize_axes(node, "axes", axes, count, x->rank, ctx->diag) != 0)
    return ir_node_error(ctx->diag, node, "starts, axes and steps disagree");
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(x, strides);
  movement_map map = {.rank = y->rank};
  for (int d = 0; d < y->rank; d++) {
    map.out_dims[d] = y->dims[d];
    map.strides[d] = strides[d];
  }
  for (int i = 0; i < count; i++) {
    int axis = (int)axes[i];
    if (steps[i] == 0)
      return ir_node_error(ctx->diag, node, "steps value %d is 0", i);
    if (y->dims[axis] == 0)
      continue;
    map.base += effective_start(starts[i], x->dims[axis], steps[i]) * strides[axis];
    /* One element taken: the step (up to INT64_MAX) is never walked, nor multiplied. */
    map.strides[axis] = y->dims[axis] == 1 ? 0 : steps[i] * strides[axis];
  }
  return mv_lower_strided_copy(ctx, node, &map, out);
}
