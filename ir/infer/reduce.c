/* Inference of ReduceMax/Mean/Min/Sum in the opset-18 form: axes as an optional
 * constant input, keepdims and noop_with_empty_axes attributes. */
#include "ir/infer.h"

int ir_infer_reduce(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  bool bool_ok = node->op == IR_OP_REDUCE_MAX || node->op == IR_OP_REDUCE_MIN; /* Or, And */
  if (x->dtype == IR_DTYPE_BOOL && !bool_ok)
    return ir_input_error(graph, diag, node, 0, "%s needs a numeric type", ir_op_name(node->op));
  int64_t keepdims, noop_with_empty_axes;
  if (ir_attr_int_default(node, "keepdims", &keepdims, diag) != 0 ||
      ir_attr_int_default(node, "noop_with_empty_axes", &noop_with_empty_axes, diag) != 0)
    return -1;
  if (ir_node_attr(node, "axes"))
    return ir_node_error(diag, node,
                         "attribute 'axes' is the pre-opset-18 form; axes must be "
                         "input 1");
  int64_t axes[IR_MAX_RANK];
  int count = 0;
  if (ir_node_input(node, 1) &&
      ir_node_constant_ints(node, 1, axes, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  if (ir_normalize_axes(node, "axes", axes, count, x->rank, diag) != 0)
    return -1;
  if (count == 0 && noop_with_empty_axes)
    return ir_set_output_type(node, 0, *x, diag);
  bool reduced[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++)
    reduced[axes[i]] = true;
  ir_type result = {.dtype = x->dtype};
  for (int i = 0; i < x->rank; i++) {
    bool reduce_this = count == 0 || reduced[i]; /* no axes: reduce every axis */
    if (reduce_this && !ir_dim_is_static(x->dims[i]))
      return ir_input_error(graph, diag, node, 0, "%s over symbolic axis %d is not supported",
                            ir_op_name(node->op), i);
    if (!reduce_this)
      result.dims[result.rank++] = x->dims[i];
    else if (keepdims)
      result.dims[result.rank++] = 1;
  }
  return ir_set_output_type(node, 0, result, diag);
}
