/* Tile → strided copy: each repeated axis of size d becomes a pair (repeat, d) of output
 * axes, the repeat with stride 0, so output element [.., k*d + i, ..] reads x[.., i, ..]. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

int lower_tile(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(x, strides);
  movement_map map = {.rank = 0};
  for (int d = 0; d < x->rank; d++) {
    bool repeated = x->dims[d] != 0 && y->dims[d] != x->dims[d];
    if (map.rank + (repeated ? 2 : 1) > IR_MAX_RANK)
      return ir_node_error(ctx->diag, node,
                           "has more than %d axes once each repeated axis is split in two",
                           IR_MAX_RANK);
    if (repeated) {
      map.out_dims[map.rank] = y->dims[d] / x->dims[d];
      map.strides[map.rank++] = 0;
    }
    map.out_dims[map.rank] = x->dims[d];
    map.strides[map.rank++] = strides[d];
  }
  return mv_lower_strided_copy(ctx, node, &map, out);
}
