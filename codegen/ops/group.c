/* Groups as lowering units: which node is the root, what the kernel reads and writes, the
 * refusals (a shape no root takes), and the load/store hooks roots call. */
#include "codegen/ops/group.h"

#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/memory_plan.h"

#include <stdlib.h>
#include <string.h>

#include "ir/array.h"
#include "ir/infer.h"

static bool in_group(const lower_group *group, const ir_node *node) {
  return node && (group->region ? node->parent == group->region : node == group->node);
}

typedef struct read_walk {
  lower_context *ctx;
  lower_group *group;
  bool *visited; /* by value id */
  size_t reads_capacity, args_capacity;
} read_walk;

static int add_read(read_walk *walk, const ir_value *value) {
  lower_group *group = walk->group;
  ir_arena *arena = walk->ctx->graph->arena;
  size_t needed = (size_t)group->read_count + 1;
  const ir_value **reads =
      ir_array_reserve(arena, group->reads, &walk->reads_capacity, needed, sizeof(*reads));
  if (reads)
    group->reads = reads;
  lower_arg *args =
      ir_array_reserve(arena, group->read_args, &walk->args_capacity, needed, sizeof(*args));
  if (args)
    group->read_args = args;
  if (!reads || !args)
    return dl_error(walk->ctx->diag, "out of memory");
  lower_arg arg = {.kind = LOWER_ARG_VALUE, .value = value};
  const ir_node *node = group->node;
  if (group->region) {
    for (int k = 0; k < group->region->num_params; k++)
      if (group->region->params[k] == value)
        arg = (lower_arg){.kind = LOWER_ARG_INPUT, .index = k};
  } else {
    for (int k = node->num_inputs - 1; k >= 0; k--)
      if (node->inputs[k] == value)
        arg = (lower_arg){.kind = LOWER_ARG_INPUT, .index = k};
  }
  group->reads[group->read_count] = value;
  group->read_args[group->read_count++] = arg;
  return 0;
}

/* Collects the values the kernel reads: everything outside the group that `value` is
 * computed from (one-element constants become immediates and are not read). */
static int visit(read_walk *walk, const ir_value *value) {
  if (walk->visited[value->id])
    return 0;
  walk->visited[value->id] = true;
  const ir_node *node = value->producer;
  int64_t count = 0;
  if (!in_group(walk->group, node)) {
    if (value->kind == IR_VALUE_CONSTANT && value->data &&
        ir_type_element_count(&value->type, &count) && count == 1)
      return 0;
    return add_read(walk, value);
  }
  if (node != walk->group->root && !group_evaluates(node->op))
    return 0; /* refused before the walk */
  for (int k = 0; k < node->num_inputs; k++)
    if (node->inputs[k] && group_input_is_data(node->op, k) && visit(walk, node->inputs[k]) != 0)
      return -1;
  return 0;
}

static const char *group_name(const ir_node *node) {
  return node->name ? node->name : ir_op_name(node->op);
}

/* The root of a dl.group: its only node the evaluator cannot compute. */
static int choose_root(lower_context *ctx, lower_group *group) {
  for (const ir_node *node = group->region->first; node; node = node->next) {
    if (group_evaluates(node->op))
      continue;
    if (group->root)
      return ir_node_error(ctx->diag, group->node,
                           "group '%s' has two roots, %s '%s' and %s '%s': a group lowers to "
                           "one kernel around one root (the other nodes must be elementwise or "
                           "views)",
                           group_name(group->node), ir_op_name(group->root->op),
                           group->root->name ? group->root->name : "", ir_op_name(node->op),
                           node->name ? node->name : "");
    group->root = node;
  }
  if (group->root && !ir_node_can_root_group(group->root))
    return ir_node_error(ctx->diag, group->node,
                         "group '%s': its root %s '%s' has no prologue/epilogue hooks, so it "
                         "can only be a group of one (roots with hooks: MatMul, Gemm, Conv, "
                         "Reduce*, GlobalAveragePool, GlobalMaxPool, Attention with one output, or "
                         "elementwise ops)",
                         group_name(group->node), ir_op_name(group->root->op),
                         group->root->name ? group->root->name : "");
  return 0;
}

/* Frames (a rooted group's epilogue, passes/fuse.c): each value computed from the root's
 * output has the element order of the root's output, or of the output of the last
 * bijective index map on its way (Reshape, Transpose, ...). A store of root element i writes
 * each result at i mapped into its frame, so every result must be in one. */
static bool moves_elements(const ir_node *node) {
  return ir_op_has_flag(node->op, IR_OP_FLAG_BIJECTIVE) &&
         ir_op_category_of(node->op) != IR_OP_CATEGORY_ELEMENTWISE;
}

static int refuse_epilogue(lower_context *ctx, const lower_group *group, const ir_node *node,
                           const char *why) {
  return ir_node_error(ctx->diag, group->node,
                       "group '%s': %s '%s' %s: its epilogue has no one index to store them at",
                       group_name(group->node), ir_op_name(node->op), node->name ? node->name : "",
                       why);
}

static int assign_frames(lower_context *ctx, lower_group *group) {
  const ir_value **frames =
      ir_arena_alloc_array(ctx->graph->arena, (size_t)ctx->graph->num_values + 1, sizeof(*frames));
  if (!frames)
    return dl_error(ctx->diag, "out of memory");
  frames[group->root->outputs[0]->id] = group->root->outputs[0];
  for (const ir_node *node = group->region->first; node; node = node->next) {
    const ir_value *frame = NULL;
    bool mixed = false;
    for (int k = 0; k < node->num_inputs; k++) {
      const ir_value *input = node->inputs[k];
      if (!input || !group_input_is_data(node->op, k) || !in_group(group, input->producer) ||
          !frames[input->id])
        continue;
      mixed |= frame && frames[input->id] != frame;
      frame = frames[input->id];
    }
    if (!frame || node == group->root)
      continue;
    if (mixed)
      return refuse_epilogue(ctx, group, node,
                             "combines elements of the root's output in two orders (through "
                             "different index maps)");
    if (ir_op_is_index_map(node->op) && !ir_op_has_flag(node->op, IR_OP_FLAG_BIJECTIVE))
      return refuse_epilogue(ctx, group, node,
                             "follows the root but does not place each element of the root's "
                             "output exactly once (only Reshape-like views and Transpose may)");
    frames[node->outputs[0]->id] = moves_elements(node) ? node->outputs[0] : frame;
  }
  group->frames = frames;
  return 0;
}

/* Every result is written at the root's output elements mapped into its frame (or, without
 * a root, at the elements of one shape): a result of another shape has no element to come
 * from. */
static int check_results(lower_context *ctx, lower_group *group) {
  if (group->root && group->region && assign_frames(ctx, group) != 0)
    return -1;
  for (int r = 0; r < group->result_count; r++) {
    const ir_value *result = group->results[r];
    if (!in_group(group, result->producer))
      return ir_node_error(ctx->diag, group->node,
                           "group '%s' yields '%s', which it does not compute (yield only values "
                           "of its nodes)",
                           group_name(group->node), result->name);
    const ir_value *frame = group->frames ? group->frames[result->id] : NULL;
    const ir_type *shape = frame          ? &frame->type
                           : group->root ? &group->root->outputs[0]->type
                                         : &group->results[0]->type;
    if (!ir_type_same_dims(&result->type, shape))
      return ir_node_error(ctx->diag, group->node,
                           "group '%s' yields '%s' of another shape than its %s: a group's "
                           "kernel writes every result at the same elements (or, after a "
                           "root, at them mapped through bijective index maps)",
                           group_name(group->node), result->name,
                           group->root ? "root's output" : "first result");
  }
  return 0;
}

static int check_nodes(lower_context *ctx, lower_group *group) {
  const ir_node *first = group->region ? group->region->first : group->node;
  for (const ir_node *node = first; node; node = group->region ? node->next : NULL) {
    if (node == group->root)
      continue;
    if (ir_op_category_of(node->op) != IR_OP_CATEGORY_ELEMENTWISE)
      group->indexed = true;
    else if (lower_emit_check(ctx, node) != 0)
      return -1;
    for (int k = 0; k < node->num_inputs && !group->indexed; k++) {
      ir_type shape;
      if (node->inputs[k] && group_input_is_data(node->op, k)) {
        group_operand_shape(node, k, &shape);
        group->indexed = !ir_type_same_dims(&shape, &node->inputs[k]->type) && group->region;
      }
    }
  }
  return 0;
}

int lower_group_build(lower_context *ctx, const ir_node *node, lower_group *out) {
  memset(out, 0, sizeof(*out));
  out->node = node;
  out->kb = ctx->kb;
  out->region = node->body;
  if (out->region) {
    out->results = (const ir_value **)out->region->results;
    out->result_count = out->region->num_results;
    if (out->result_count == 0)
      return ir_node_error(ctx->diag, node, "group '%s' yields nothing", group_name(node));
    if (choose_root(ctx, out) != 0)
      return -1;
  } else {
    out->results = (const ir_value **)node->outputs;
    out->result_count = node->num_outputs;
    out->root = ir_op_category_of(node->op) == IR_OP_CATEGORY_ELEMENTWISE ? NULL : node;
    if (out->root && !ir_node_can_root_group(node))
      return 0; /* its own lowering binds what it reads */
  }
  if (check_nodes(ctx, out) != 0 || check_results(ctx, out) != 0)
    return -1;
  read_walk walk = {.ctx = ctx, .group = out};
  walk.visited = calloc((size_t)ctx->graph->num_values + 1, sizeof(bool));
  if (!walk.visited)
    return dl_error(ctx->diag, "out of memory");
  int status = 0;
  if (out->root)
    for (int k = 0; status == 0 && k < out->root->num_inputs; k++)
      if (out->root->inputs[k] && group_input_is_data(out->root->op, k))
        status = visit(&walk, out->root->inputs[k]);
  for (int r = 0; status == 0 && r < out->result_count; r++)
    status = visit(&walk, out->results[r]);
  free(walk.visited);
  if (status == 0 && out->read_count + out->result_count > IR_GROUP_MAX_VALUES)
    return ir_node_error(ctx->diag, node,
                         "'%s' reads %d values and writes %d: a kernel takes at most %d "
                         "(CUDA's 4 KiB of parameters)",
                         group_name(node), out->read_count, out->result_count,
                         IR_GROUP_MAX_VALUES);
  return status;
}

void lower_group_deinit(lower_group *group) {
  free(group->memo);
  group->memo = NULL;
  group->memo_count = 0, group->memo_capacity = 0;
}

/* --- launches and parameters ---------------------------------------------------------------- */
void lower_group_bind(const lower_group *group, lower_launch *launch) {
  for (int k = 0; k < group->read_count; k++)
    lower_append_arg(launch, group->read_args[k]);
  for (int r = 0; r < group->result_count; r++)
    lower_add_arg(launch, LOWER_ARG_OUTPUT, r);
}

const lower_arg *lower_group_args(lower_context *ctx) {
  const lower_group *group = ctx->group;
  int count = group->read_count + group->result_count;
  lower_arg *args = ir_arena_alloc_array(ctx->graph->arena, (size_t)count + 1, sizeof(*args));
  if (!args)
    return NULL;
  if (group->read_count)
    memcpy(args, group->read_args, sizeof(*args) * (size_t)group->read_count);
  for (int r = 0; r < group->result_count; r++)
    args[group->read_count + r] = (lower_arg){.kind = LOWER_ARG_OUTPUT, .index = r};
  return args;
}

/* Whether root input `input` is the only data input of the group's nodes that reads its
 * value: a packed parameter is then read by the root's loader alone (a prologue, an epilogue
 * or another root input reading the same constant expects it as stored). */
static bool read_by_root_input_only(const lower_group *group, int input) {
  const ir_value *value = group->root->inputs[input];
  const ir_node *first = group->region ? group->region->first : group->node;
  for (const ir_node *node = first; node; node = group->region ? node->next : NULL)
    for (int k = 0; k < node->num_inputs; k++)
      if (node->inputs[k] == value && group_input_is_data(node->op, k) &&
          !(node == group->root && k == input))
        return false;
  return true;
}

const lower_arg *lower_group_args_packed(lower_context *ctx, int input, lower_packing packing,
                                         bool *out_packed) {
  lower_arg *args = (lower_arg *)lower_group_args(ctx); /* a fresh copy in the graph's arena */
  int read = lower_group_plain_read(ctx->group, input);
  const ir_value *root = ir_buffer_root(ctx->group->root->inputs[input]);
  *out_packed = args && read >= 0 && root->kind == IR_VALUE_CONSTANT && root->data &&
                read_by_root_input_only(ctx->group, input);
  if (*out_packed)
    args[read].packing = packing;
  return args;
}

static const char *param_name(ir_arena *arena, int index) {
  return ir_arena_printf(arena, "p%d", index);
}

const kb_param *lower_group_params(lower_context *ctx, int *count) {
  const lower_group *group = ctx->group;
  *count = group->read_count + group->result_count;
  kb_param *params = ir_arena_alloc_array(ctx->graph->arena, (size_t)*count + 1, sizeof(*params));
  for (int i = 0; params && i < *count; i++)
    params[i] = (kb_param){param_name(ctx->graph->arena, i), KB_PARAM_PTR};
  return params;
}

int lower_group_kernel_begin(kernel_builder *kb, ir_arena *arena, const lower_launch *launch) {
  kb_param *params = ir_arena_alloc_array(arena, (size_t)launch->arg_count + 1, sizeof(*params));
  if (!params)
    return -1;
  for (int i = 0; i < launch->arg_count; i++)
    params[i] = (kb_param){param_name(arena, i), KB_PARAM_PTR};
  unsigned threads = launch->block[0] * launch->block[1] * launch->block[2];
  return kb_kernel_begin(kb, launch->kernel, params, launch->arg_count, threads);
}

/* --- hooks ------------------------------------------------------------------------------------ */
LLVMValueRef lower_group_load(lower_context *ctx, int input, LLVMValueRef linear) {
  lower_group *group = ctx->group;
  const ir_value *value = group->root->inputs[input];
  group_forget(group);
  group_index index = group_index_linear(&value->type, linear);
  return group_evaluate(group, value, &index);
}

/* The element of `frame` that root element `root` is stored at: mapped forward through the
 * bijective index maps from the root's output (views keep the row-major order, Transpose
 * permutes coordinates). */
static group_index frame_index(const lower_group *group, const ir_value *frame,
                               group_index *root) {
  if (frame == group->root->outputs[0])
    return *root;
  const ir_node *node = frame->producer;
  const ir_value *input = node->inputs[0]; /* every bijective index map moves input 0 */
  group_index inner = frame_index(group, group->frames[input->id], root);
  if (node->op != IR_OP_TRANSPOSE)
    return group_index_linear(&frame->type, group_index_get_linear(group->kb, &inner));
  const int64_t *perm = NULL;
  int count = -1;
  ir_attr_ints(node, "perm", &perm, &count, NULL); /* checked by inference */
  const LLVMValueRef *coordinates = group_index_get_coordinates(group->kb, &inner);
  group_index out = {.shape = &frame->type, .has_coordinates = true};
  for (int d = 0; d < frame->type.rank; d++)
    out.coordinates[d] = coordinates[count < 0 ? frame->type.rank - 1 - d : perm[d]];
  return out;
}

void lower_group_store(lower_context *ctx, LLVMValueRef linear, LLVMValueRef value) {
  lower_group *group = ctx->group;
  kernel_builder *kb = ctx->kb;
  group_forget(group);
  group->root_element = value;
  group_index index = group_index_linear(&group->root->outputs[0]->type, linear);
  for (int r = 0; r < group->result_count; r++) {
    const ir_value *result = group->results[r];
    const ir_value *frame = group->frames ? group->frames[result->id] : NULL;
    group_index at = frame ? frame_index(group, frame, &index) : index;
    pw_store(kb, result->type.dtype, kb_param_value(kb, group->read_count + r),
             group_index_get_linear(kb, &at), group_evaluate(group, result, &at));
  }
  group->root_element = NULL;
}

LLVMValueRef lower_group_load_f32(lower_context *ctx, int input, LLVMValueRef linear) {
  ir_dtype dtype = ctx->group->root->inputs[input]->type.dtype;
  return pw_convert(ctx->kb, lower_group_load(ctx, input, linear), dtype, IR_DTYPE_F32);
}

void lower_group_store_f32(lower_context *ctx, LLVMValueRef linear, LLVMValueRef value) {
  ir_dtype dtype = ctx->group->root->outputs[0]->type.dtype;
  lower_group_store(ctx, linear, pw_convert(ctx->kb, value, IR_DTYPE_F32, dtype));
}

bool lower_contraction_dtype(ir_dtype dtype) {
  return dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16;
}

int lower_group_plain_read(const lower_group *group, int input) {
  const ir_value *value = group->root->inputs[input];
  for (int k = 0; k < group->read_count; k++)
    if (group->reads[k] == value)
      return k;
  return -1;
}
