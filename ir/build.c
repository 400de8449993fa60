/* Building IR one node at a time (build.h). */
#include "ir/build.h"

#include "ir/infer.h"

void *ir_build_fail(ir_builder *b, const char *message) {
  b->failed = true;
  if (b->report)
    b->report(b, message);
  else
    dl_error(b->diag, "%s: %s", b->base, message);
  return NULL;
}

/* What a new value's name starts with: `what` is the op's name or the kind of constant. */
static const char *name_base(ir_builder *b, const char *what, bool constant) {
  if (b->op_names)
    return ir_arena_printf(b->graph->arena, "%s/%s", b->base, what);
  return constant && b->constant_base ? b->constant_base : b->base;
}

static const char *fresh_name(ir_builder *b, const char *what, bool constant) {
  const char *base = name_base(b, what, constant);
  return base ? ir_graph_unique_name(b->graph, base) : NULL;
}

ir_node *ir_build_start_outputs(ir_builder *b, ir_op op, ir_value *const *inputs, int num_inputs,
                                int num_outputs) {
  if (b->failed)
    return NULL;
  for (int i = 0; i < num_inputs; i++)
    if (!inputs[i])
      return NULL; /* an earlier call failed and said why */
  const char *name = NULL;
  if (num_outputs != 1)
    name = name_base(b, ir_op_name(op), false);
  else if (b->output && *b->output)
    name = b->output;
  else
    name = fresh_name(b, ir_op_name(op), false);
  ir_node *node = name ? ir_graph_add_node(b->graph, NULL, op, name, inputs, num_inputs,
                                           num_outputs == 1 ? &name : NULL, num_outputs)
                       : NULL;
  return node ? node : ir_build_fail(b, "out of memory");
}

ir_node *ir_build_start(ir_builder *b, ir_op op, ir_value *const *inputs, int num_inputs) {
  return ir_build_start_outputs(b, op, inputs, num_inputs, 1);
}

ir_value *ir_build_finish(ir_builder *b, ir_node *node) {
  if (!node || b->failed)
    return NULL;
  if ((b->finish ? b->finish(b, node) : ir_infer_node(b->graph, node, b->diag)) != 0) {
    b->failed = true;
    return NULL;
  }
  return node->outputs[0];
}

void ir_build_set_int(ir_builder *b, ir_node *node, const char *name, int64_t value) {
  if (node && ir_node_set_int(b->graph, node, name, value) != 0)
    ir_build_fail(b, "out of memory");
}

void ir_build_set_float(ir_builder *b, ir_node *node, const char *name, double value) {
  if (node && ir_node_set_float(b->graph, node, name, (float)value) != 0)
    ir_build_fail(b, "out of memory");
}

void ir_build_set_ints(ir_builder *b, ir_node *node, const char *name, const int64_t *values,
                       int count) {
  if (node && ir_node_set_ints(b->graph, node, name, values, count) != 0)
    ir_build_fail(b, "out of memory");
}

void ir_build_set_dtype(ir_builder *b, ir_node *node, const char *name, ir_dtype value) {
  if (node && ir_node_set_dtype(b->graph, node, name, value) != 0)
    ir_build_fail(b, "out of memory");
}

ir_value *ir_build_op(ir_builder *b, ir_op op, ir_value *x, ir_value *y) {
  ir_value *inputs[2] = {x, y};
  if (!x)
    return NULL;
  return ir_build_finish(b, ir_build_start(b, op, inputs, y ? 2 : 1));
}

ir_value *ir_build_where(ir_builder *b, ir_value *condition, ir_value *x, ir_value *y) {
  ir_value *inputs[3] = {condition, x, y};
  return ir_build_finish(b, ir_build_start(b, IR_OP_WHERE, inputs, 3));
}

ir_value *ir_build_cast(ir_builder *b, ir_value *x, ir_dtype to) {
  if (!x || b->failed)
    return NULL;
  if (x->type.dtype == to && !b->output)
    return x;
  ir_node *node = ir_build_start(b, IR_OP_CAST, &x, 1);
  ir_build_set_dtype(b, node, "to", to);
  return ir_build_finish(b, node);
}

ir_value *ir_build_reduce_all(ir_builder *b, ir_op op, ir_value *x) {
  ir_node *node = ir_build_start(b, op, &x, 1);
  ir_build_set_int(b, node, "keepdims", 0);
  return ir_build_finish(b, node);
}

ir_value *ir_build_reduce(ir_builder *b, ir_op op, ir_value *x, const int64_t *axes, int count,
                          bool keepdims) {
  ir_value *inputs[2] = {x, x ? ir_build_ints(b, axes, count) : NULL};
  ir_node *node = ir_build_start(b, op, inputs, 2);
  ir_build_set_int(b, node, "keepdims", keepdims ? 1 : 0);
  return ir_build_finish(b, node);
}

ir_value *ir_build_reshape(ir_builder *b, ir_value *x, const int64_t *dims, int rank) {
  return x ? ir_build_op(b, IR_OP_RESHAPE, x, ir_build_ints(b, dims, rank)) : NULL;
}

ir_value *ir_build_transpose(ir_builder *b, ir_value *x, const int64_t *perm, int rank) {
  ir_node *node = ir_build_start(b, IR_OP_TRANSPOSE, &x, 1);
  ir_build_set_ints(b, node, "perm", perm, rank);
  return ir_build_finish(b, node);
}

ir_value *ir_build_scaled_add(ir_builder *b, double a, ir_value *x, ir_value *y) {
  if (!x)
    return NULL;
  ir_value *scaled = ir_build_op(b, IR_OP_MUL, x, ir_build_scalar(b, x->type.dtype, a));
  return y ? ir_build_op(b, IR_OP_ADD, scaled, y) : scaled;
}

static ir_value *constant(ir_builder *b, const char *what, ir_type type, const void *data) {
  if (b->failed)
    return NULL;
  const char *name = fresh_name(b, what, true);
  ir_value *value = name ? ir_graph_add_constant_copy(b->graph, name, type, data) : NULL;
  return value ? value : ir_build_fail(b, "out of memory");
}

ir_value *ir_build_constant(ir_builder *b, ir_type type, const void *data) {
  return constant(b, "constant", type, data);
}

ir_value *ir_build_ints(ir_builder *b, const int64_t *values, int count) {
  int64_t dims[1] = {count}, empty = 0;
  return constant(b, "shape", ir_type_make(IR_DTYPE_I64, 1, dims), count ? values : &empty);
}

ir_value *ir_build_scalar(ir_builder *b, ir_dtype dtype, double value) {
  uint8_t data[16] = {0};
  ir_element_set_float(dtype, data, 0, value); /* integers: the value rounded toward zero */
  return constant(b, "constant", ir_type_scalar(dtype), data);
}
