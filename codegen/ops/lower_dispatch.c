/* Lowering dispatch: a node or dl.group becomes a group (group.c) lowered by its root's
 * function (the LOWER column of ir/ops.def) or as a pointwise map; and the helpers every
 * lowering shares. */
#include "codegen/ops/op_lowering.h"

#include "codegen/ops/emit.h"
#include "codegen/ops/group.h"

#include "ir/array.h"
#include "ir/infer.h"

#include <stdio.h>
#include <string.h>

#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  int LOWER(lower_context *ctx, const ir_node *node, lower_result *out);
#include "ir/ops.def"
#undef OP

static const lower_fn LOWERINGS[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  [IR_OP_##ENUM] = LOWER,
#include "ir/ops.def"
#undef OP
};

static const lower_emit_fn EMITTERS[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  [IR_OP_##ENUM] = EMIT,
#include "ir/ops.def"
#undef OP
};

/* The EMIT of ops that are not elementwise. */
LLVMValueRef emit_none(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  (void)node, (void)operands;
  return LLVMGetUndef(LLVMInt8TypeInContext(kb_context(kb)));
}

lower_emit_fn lower_emitter(ir_op op) {
  return ir_op_get(op) && EMITTERS[op] != emit_none ? EMITTERS[op] : NULL;
}

/* The LOWER of ops without a kernel: views (which need none) and ops codegen lacks. */
int lower_none(lower_context *ctx, const ir_node *node, lower_result *out) {
  (void)out;
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}

bool lower_is_view(ir_op op) { return ir_op_category_of(op) == IR_OP_CATEGORY_VIEW; }

bool lower_is_supported(ir_op op) {
  return lower_is_view(op) || op == IR_OP_GROUP || (ir_op_get(op) && LOWERINGS[op] != lower_none);
}

/* The LOWER of elementwise ops: a group of elementwise nodes and views is a pointwise map. */
int lower_pointwise(lower_context *ctx, const ir_node *node, lower_result *out) {
  (void)node;
  return pw_lower_group(ctx, out);
}

static bool is_small_type(ir_dtype dtype) {
  ir_small_float format;
  return ir_dtype_is_packed(dtype) || ir_small_float_format(dtype, &format);
}

static int refuse_root_dtype(lower_context *ctx, const ir_node *root, const ir_value *value) {
  return ir_node_error(ctx->diag, root,
                       "no kernel for %s on %s yet (elementwise ops and Cast take it)",
                       ir_op_name(root->op), ir_dtype_name(value->type.dtype));
}

/* The 4- and 2-bit types and the 8- and 4-bit floats are computed on by elementwise ops and
 * Cast only, and written by the pointwise map only (packed results a byte a thread): a group
 * with another root is refused, naming the type, when the root reads one as an input of its
 * own or the group writes one. Its prologue may read them: the group's evaluator loads every
 * type and a Cast converts it (int4 or float8 weights cast for a MatMul). */
static int check_root_dtypes(lower_context *ctx, const lower_group *group) {
  const ir_node *root = group->root;
  if (!root)
    return 0;
  for (int r = 0; r < group->result_count; r++)
    if (is_small_type(group->results[r]->type.dtype))
      return refuse_root_dtype(ctx, root, group->results[r]);
  for (int k = 0; ir_node_can_root_group(root) && k < root->num_inputs; k++)
    if (root->inputs[k] && group_input_is_data(root->op, k) &&
        is_small_type(root->inputs[k]->type.dtype))
      return refuse_root_dtype(ctx, root, root->inputs[k]);
  return 0;
}

int lower_node(lower_context *ctx, const ir_node *node, lower_result *out) {
  memset(out, 0, sizeof(*out));
  out->arena = ctx->graph->arena;
  if (node->op == IR_OP_DROPOUT && !ir_dropout_is_identity(ctx->graph, node))
    return ir_node_error(ctx->diag, node,
                         "unsupported: Dropout in training mode (training_mode not a constant "
                         "false) or with its mask used; dlcc compiles inference");
  if (lower_is_view(node->op))
    return 0;
  if (!ir_op_get(node->op) || (node->op == IR_OP_GROUP) != (node->body != NULL))
    return lower_none(ctx, node, out);
  lower_group group;
  struct lower_group *outer = ctx->group;
  int status = lower_group_build(ctx, node, &group);
  if (status == 0)
    status = check_root_dtypes(ctx, &group);
  if (status == 0) {
    ctx->group = &group;
    status = group.root ? LOWERINGS[group.root->op](ctx, group.root, out)
                        : lower_pointwise(ctx, node, out);
    ctx->group = outer;
  }
  lower_group_deinit(&group);
  return status;
}

lower_launch *lower_add_launch(lower_result *out, const char *kernel, uint32_t grid_x,
                               uint32_t block_x) {
  if (out->launch_count >= LOWER_MAX_LAUNCHES)
    return NULL;
  lower_launch *launch = &out->launches[out->launch_count++];
  memset(launch, 0, sizeof(*launch));
  launch->arena = out->arena;
  launch->kernel = kernel;
  launch->grid[0] = grid_x, launch->grid[1] = 1, launch->grid[2] = 1;
  launch->block[0] = block_x, launch->block[1] = 1, launch->block[2] = 1;
  return launch;
}

void lower_append_arg(lower_launch *launch, lower_arg arg) {
  /* Out of memory: the kernel's parameter count then disagrees, and kb says so. */
  if (launch->arena)
    (void)IR_ARRAY_APPEND(launch->arena, launch->args, launch->arg_count, launch->arg_capacity,
                          arg);
}

void lower_add_arg(lower_launch *launch, lower_arg_kind kind, int index) {
  lower_append_arg(launch, (lower_arg){.kind = kind, .index = index});
}

bool lower_args_equal(const lower_arg *a, const lower_arg *b) {
  return a->kind == b->kind && a->index == b->index && a->scalar == b->scalar &&
         memcmp(&a->f, &b->f, sizeof(a->f)) == 0 && a->value == b->value &&
         a->packing.rows == b->packing.rows && a->packing.cols == b->packing.cols;
}

const char *lower_kernel_name(lower_context *ctx, const ir_node *node, const char *what) {
  /* Kernel names live as long as the builder's module; the graph arena outlives it. A
   * group's kernels carry its name (ids keep names unique; sanitizing keeps C identifiers),
   * cut so that the whole name stays within LOWER_KERNEL_NAME_MAX: a long chain of fused
   * ops names a group after every op in it. */
  const char *prefix = ctx->kernel_prefix ? ctx->kernel_prefix : "dl";
  const lower_group *group = ctx->group;
  char *name;
  if (group && group->region && group->node->name) {
    int fixed = snprintf(NULL, 0, "%s_%d__%s", prefix, group->node->id, what);
    int room = LOWER_KERNEL_NAME_MAX - fixed;
    name = ir_arena_printf(ctx->graph->arena, "%s_%d_%.*s_%s", prefix, group->node->id,
                           room > 0 ? room : 0, group->node->name, what);
  } else {
    name = ir_arena_printf(ctx->graph->arena, "%s_%d_%s", prefix, node->id, what);
  }
  for (char *p = name; p && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
      *p = '_';
  return name;
}
