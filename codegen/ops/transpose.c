/* Transpose → strided copy: output axis d walks input axis perm[d]. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

int lower_transpose(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  const int64_t *perm = NULL;
  int count = -1;
  if (ir_attr_ints(node, "perm", &perm, &count, ctx->diag) != 0)
    return -1;
  if (count >= 0 && count != x->rank)
    return ir_node_error(ctx->diag, node, "perm has %d values for rank %d", count, x->rank);
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(x, strides);
  movement_map map = {.rank = x->rank};
  for (int d = 0; d < x->rank; d++) {
    int64_t axis = count < 0 ? x->rank - 1 - d : perm[d]; /* default: reverse the axes */
    if (axis < 0 || axis >= x->rank)
      return ir_node_error(ctx->diag, node, "perm value %lld is out of range", (long long)axis);
    map.out_dims[d] = x->dims[axis];
    map.strides[d] = strides[axis];
  }
  return mv_lower_strided_copy(ctx, node, &map, out);
}
