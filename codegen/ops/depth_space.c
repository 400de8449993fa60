/* DepthToSpace and SpaceToDepth → strided copies: the output seen as 6-D, (N, C', H, b, W, b)
 * for DepthToSpace and (N, b, b, C, H', W') for SpaceToDepth, walks the input with the
 * strides of the channel's block layout (DCR: depth-column-row, CRD: column-row-depth). */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

#include <string.h>

int lower_depth_to_space(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t b;
  const char *mode;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_attr_int_default(node, "blocksize", &b, ctx->diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, ctx->diag) != 0)
    return -1;
  int64_t c = x->dims[1] / (b * b), h = x->dims[2], w = x->dims[3], plane = h * w;
  bool dcr = strcmp(mode, "DCR") == 0; /* channel (i b + j) C' + c, else c b^2 + i b + j */
  movement_map map = {
      .rank = 6,
      .out_dims = {x->dims[0], c, h, b, w, b},
      .strides = {x->dims[1] * plane, dcr ? plane : b * b * plane, w,
                  dcr ? b * c * plane : b * plane, 1, dcr ? c * plane : plane},
  };
  return mv_lower_strided_copy(ctx, node, &map, out);
}

int lower_space_to_depth(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t b;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_attr_int_default(node, "blocksize", &b, ctx->diag) != 0)
    return -1;
  int64_t c = x->dims[1], h = x->dims[2], w = x->dims[3];
  /* output channel (i b + j) C + c of block (h', w') reads x[c, h' b + i, w' b + j] */
  movement_map map = {
      .rank = 6,
      .out_dims = {x->dims[0], b, b, c, h / b, w / b},
      .strides = {c * h * w, w, 1, h * w, b * w, b},
  };
  return mv_lower_strided_copy(ctx, node, &map, out);
}
