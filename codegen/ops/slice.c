/* Slice → strided copy: each sliced axis starts at its clamped start and walks by its step
 * (negative steps walk backwards). In a group, a Slice is an index map instead
 * (group_eval.c), read through the same ir_slice_read. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

int lower_slice(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  int64_t starts[IR_MAX_RANK], steps[IR_MAX_RANK], strides[IR_MAX_RANK];
  if (ir_slice_read(node, starts, steps, ctx->diag) != 0)
    return -1;
  mv_contiguous_strides(x, strides);
  movement_map map = {.rank = y->rank};
  for (int d = 0; d < y->rank; d++) {
    map.out_dims[d] = y->dims[d];
    map.base += starts[d] * strides[d];
    map.strides[d] = steps[d] * strides[d];
  }
  return mv_lower_strided_copy(ctx, node, &map, out);
}
