/* Expand → strided copy with stride 0 along the broadcast axes. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

int lower_expand(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(x, strides);
  movement_map map = {.rank = y->rank};
  for (int d = 0; d < y->rank; d++) {
    int own = d - (y->rank - x->rank); /* inputs align to the right */
    map.out_dims[d] = y->dims[d];
    map.strides[d] = own < 0 || x->dims[own] == 1 ? 0 : strides[own];
  }
  return mv_lower_strided_copy(ctx, node, &map, out);
}
