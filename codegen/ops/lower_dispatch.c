/* Op lowering dispatch (lowerings.def) and the helpers every lowering shares. */
#include "codegen/ops/op_lowering.h"

#include "ir/infer.h"

#include <stdio.h>
#include <string.h>

#define LOWER(ENUM, FN) int FN(lower_context *ctx, const ir_node *node, lower_result *out);
#include "codegen/ops/lowerings.def"
#undef LOWER

static const lower_fn LOWERINGS[IR_OP_COUNT] = {
#define LOWER(ENUM, FN) [IR_OP_##ENUM] = FN,
#include "codegen/ops/lowerings.def"
#undef LOWER
};

bool lower_is_view(ir_op op) {
  return op == IR_OP_RESHAPE || op == IR_OP_FLATTEN || op == IR_OP_SQUEEZE ||
         op == IR_OP_UNSQUEEZE || op == IR_OP_IDENTITY || op == IR_OP_DROPOUT;
}

bool lower_is_supported(ir_op op) {
  return lower_is_view(op) || (op > IR_OP_INVALID && op < IR_OP_COUNT && LOWERINGS[op]);
}

int lower_node(lower_context *ctx, const ir_node *node, lower_result *out) {
  memset(out, 0, sizeof(*out));
  if (lower_is_view(node->op))
    return 0;
  if (!lower_is_supported(node->op))
    return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
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
