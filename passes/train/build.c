/* Graph building for the training builders (build.h). */
#include "passes/train/build.h"

#include <string.h>

#include "ir/infer.h"

static void *out_of_memory(dl_builder *b) {
  dl_error(b->diag, "%s: out of memory", b->base);
  return NULL;
}

ir_node *dl_build_start(dl_builder *b, ir_op op, ir_value *const *inputs, int num_inputs) {
  for (int i = 0; i < num_inputs; i++)
    if (!inputs[i])
      return NULL;
  const char *name = ir_graph_unique_name(
      b->graph, ir_arena_printf(b->graph->arena, "%s/%s", b->base, ir_op_name(op)));
  ir_node *node =
      name ? ir_graph_add_node(b->graph, NULL, op, name, inputs, num_inputs, &name, 1) : NULL;
  return node ? node : out_of_memory(b);
}

ir_value *dl_build_finish(dl_builder *b, ir_node *node) {
  return node && ir_infer_node(b->graph, node, b->diag) == 0 ? node->outputs[0] : NULL;
}

ir_value *dl_build_op(dl_builder *b, ir_op op, ir_value *x, ir_value *y) {
  ir_value *inputs[2] = {x, y};
  if (!x)
    return NULL;
  return dl_build_finish(b, dl_build_start(b, op, inputs, y ? 2 : 1));
}

ir_value *dl_build_where(dl_builder *b, ir_value *condition, ir_value *x, ir_value *y) {
  ir_value *inputs[3] = {condition, x, y};
  return dl_build_finish(b, dl_build_start(b, IR_OP_WHERE, inputs, 3));
}

ir_value *dl_build_cast(dl_builder *b, ir_value *x, ir_dtype to) {
  if (!x || x->type.dtype == to)
    return x;
  ir_node *node = dl_build_start(b, IR_OP_CAST, &x, 1);
  if (node && ir_node_set_dtype(b->graph, node, "to", to) != 0)
    return out_of_memory(b);
  return dl_build_finish(b, node);
}

ir_value *dl_build_reduce_all(dl_builder *b, ir_op op, ir_value *x) {
  ir_node *node = dl_build_start(b, op, &x, 1);
  if (node && ir_node_set_int(b->graph, node, "keepdims", 0) != 0)
    return out_of_memory(b);
  return dl_build_finish(b, node);
}

ir_value *dl_build_ints(dl_builder *b, const int64_t *values, int count) {
  int64_t dims[1] = {count};
  const char *name =
      ir_graph_unique_name(b->graph, ir_arena_printf(b->graph->arena, "%s/shape", b->base));
  ir_value *constant =
      name ? ir_graph_add_constant_copy(b->graph, name, ir_type_make(IR_DTYPE_I64, 1, dims), values)
           : NULL;
  return constant ? constant : out_of_memory(b);
}

ir_value *dl_build_reduce(dl_builder *b, ir_op op, ir_value *x, const int64_t *axes, int count,
                          bool keepdims) {
  ir_value *inputs[2] = {x, x ? dl_build_ints(b, axes, count) : NULL};
  ir_node *node = dl_build_start(b, op, inputs, 2);
  if (node && ir_node_set_int(b->graph, node, "keepdims", keepdims) != 0)
    return out_of_memory(b);
  return dl_build_finish(b, node);
}

ir_value *dl_build_reshape(dl_builder *b, ir_value *x, const int64_t *dims, int rank) {
  return x ? dl_build_op(b, IR_OP_RESHAPE, x, dl_build_ints(b, dims, rank)) : NULL;
}

ir_value *dl_build_scalar(dl_builder *b, ir_dtype dtype, double value) {
  uint8_t data[16] = {0};
  if (ir_dtype_is_float(dtype))
    ir_element_set_float(dtype, data, 0, value);
  else
    ir_element_set_int(dtype, data, 0, (int64_t)value);
  const char *name =
      ir_graph_unique_name(b->graph, ir_arena_printf(b->graph->arena, "%s/constant", b->base));
  ir_value *constant =
      name ? ir_graph_add_constant_copy(b->graph, name, ir_type_scalar(dtype), data) : NULL;
  return constant ? constant : out_of_memory(b);
}

ir_value *dl_build_scaled_add(dl_builder *b, double a, ir_value *x, ir_value *y) {
  if (!x)
    return NULL;
  ir_value *scaled = dl_build_op(b, IR_OP_MUL, x, dl_build_scalar(b, x->type.dtype, a));
  return y ? dl_build_op(b, IR_OP_ADD, scaled, y) : scaled;
}

bool dl_type_is_scalar(const ir_type *type) {
  for (int d = 0; d < type->rank; d++)
    if (type->dims[d] != 1)
      return false;
  return true;
}
