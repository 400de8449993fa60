/* Inference of ops that work along one axis: ArgMax/ArgMin (i64 indices, the axis dropped or
 * kept as 1), Hardmax and LpNormalization (axis attribute, same type out), CumSum/CumProd (axis
 * as a constant input) and Trilu (the last two dims; an optional i64 scalar k). */
#include "ir/infer.h"

/* The node's `axis` attribute normalized against input 0's rank. */
static int read_axis(ir_graph *graph, ir_node *node, int *axis, dl_diag *diag) {
  int64_t value;
  if (ir_attr_int_default(node, "axis", &value, diag) != 0)
    return -1;
  if (ir_normalize_axis(value, node->inputs[0]->type.rank, axis) != 0)
    return ir_input_error(graph, diag, node, 0, "axis %lld is out of range", (long long)value);
  return 0;
}

static int expect_numeric(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (node->inputs[0]->type.dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "%s needs a numeric type", ir_op_name(node->op));
  return ir_expect_op_dtype(graph, node, 0, diag);
}

int ir_infer_arg_reduce(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int axis;
  int64_t keepdims, last;
  if (expect_numeric(graph, node, diag) != 0 || read_axis(graph, node, &axis, diag) != 0 ||
      ir_attr_int_default(node, "keepdims", &keepdims, diag) != 0 ||
      ir_attr_int_default(node, "select_last_index", &last, diag) != 0)
    return -1;
  const ir_type *x = &node->inputs[0]->type;
  ir_type result = {.dtype = IR_DTYPE_I64};
  for (int d = 0; d < x->rank; d++)
    if (d != axis)
      result.dims[result.rank++] = x->dims[d];
    else if (keepdims)
      result.dims[result.rank++] = 1;
  return ir_set_output_type(node, 0, result, diag);
}

/* Hardmax, LpNormalization (p 1 or 2). */
int ir_infer_axis_normalization(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int axis;
  if (expect_numeric(graph, node, diag) != 0 || read_axis(graph, node, &axis, diag) != 0)
    return -1;
  if (node->op == IR_OP_LP_NORMALIZATION) {
    int64_t p;
    if (ir_attr_int_default(node, "p", &p, diag) != 0)
      return -1;
    if (p != 1 && p != 2)
      return ir_node_error(diag, node, "p is %lld; LpNormalization takes 1 or 2", (long long)p);
  }
  return ir_set_output_type(node, 0, node->inputs[0]->type, diag);
}

/* CumSum, CumProd: the axis is a constant scalar input (it decides how the kernel runs). */
int ir_infer_cumulative(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int64_t axis_value;
  int count = 0, axis;
  if (expect_numeric(graph, node, diag) != 0 ||
      ir_node_constant_ints(node, 1, &axis_value, 1, &count, diag) != 0)
    return -1;
  if (count != 1 || ir_normalize_axis(axis_value, node->inputs[0]->type.rank, &axis) != 0)
    return ir_input_error(graph, diag, node, 1, "it must be one axis in range");
  return ir_set_output_type(node, 0, node->inputs[0]->type, diag);
}

int ir_infer_trilu(ir_graph *graph, ir_node *node, dl_diag *diag) {
  int64_t upper;
  if (ir_expect_rank(graph, node, 0, 2, -1, diag) != 0 ||
      ir_attr_int_default(node, "upper", &upper, diag) != 0)
    return -1;
  const ir_value *k = ir_node_input(node, 1);
  if (k && (k->type.dtype != IR_DTYPE_I64 || k->type.rank > 1 ||
            (k->type.rank == 1 && k->type.dims[0] != 1)))
    return ir_input_error(graph, diag, node, 1, "k must be an i64 scalar");
  return ir_set_output_type(node, 0, node->inputs[0]->type, diag);
}
