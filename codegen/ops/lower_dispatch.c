/* Op lowering dispatch (the LOWER column of ir/ops.def) and the helpers every lowering
 * shares. */
#include "codegen/ops/op_lowering.h"

#include "ir/infer.h"

#include <stdio.h>
#include <string.h>

#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT)                                                                            \
  int LOWER(lower_context *ctx, const ir_node *node, lower_result *out);
#include "ir/ops.def"
#undef OP

static const lower_fn LOWERINGS[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT)                                                                            \
  [IR_OP_##ENUM] = LOWER,
#include "ir/ops.def"
#undef OP
};

/* The LOWER of ops without a kernel: views (which need none) and ops codegen lacks. */
int lower_none(lower_context *ctx, const ir_node *node, lower_result *out) {
  (void)out;
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}

bool lower_is_view(ir_op op) { return ir_op_category_of(op) == IR_OP_CATEGORY_VIEW; }

bool lower_is_supported(ir_op op) {
  return lower_is_view(op) || (ir_op_get(op) && LOWERINGS[op] != lower_none);
}

int lower_node(lower_context *ctx, const ir_node *node, lower_result *out) {
  memset(out, 0, sizeof(*out));
  if (lower_is_view(node->op))
    return 0;
  if (!ir_op_get(node->op))
    return lower_none(ctx, node, out);
  return LOWERINGS[node->op](ctx, node, out);
}

lower_launch *lower_add_launch(lower_result *out, const char *kernel, uint32_t grid_x,
                               uint32_t block_x) {
  if (out->launch_count >= LOWER_MAX_LAUNCHES)
    return NULL;
  lower_launch *launch = &out->launches[out->launch_count++];
  memset(launch, 0, sizeof(*launch));
  launch->kernel = kernel;
  launch->grid[0] = grid_x, launch->grid[1] = 1, launch->grid[2] = 1;
  launch->block[0] = block_x, launch->block[1] = 1, launch->block[2] = 1;
  return launch;
}

void lower_add_arg(lower_launch *launch, lower_arg_kind kind, int index) {
  if (launch->arg_count < LOWER_MAX_ARGS)
    launch->args[launch->arg_count++] = (lower_arg){.kind = kind, .index = index};
}

const char *lower_kernel_name(lower_context *ctx, const ir_node *node, const char *what) {
  /* Kernel names live as long as the builder's module; the graph arena outlives it. */
  char *name = ir_arena_printf(ctx->graph->arena, "%s_%d_%s",
                               ctx->kernel_prefix ? ctx->kernel_prefix : "dl", node->id, what);
  for (char *p = name; p && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
      *p = '_';
  return name;
}
