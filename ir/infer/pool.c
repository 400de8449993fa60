/* Inference of AveragePool, LpPool, MaxPool (with its optional Indices output) and the
 * global pools. */
#include "ir/infer/window.h"

/* An attribute that must be 0 or 1 when present. */
static int check_flag(const ir_node *node, const char *name, dl_diag *diag) {
  int64_t value;
  if (ir_attr_int_default(node, name, &value, diag) != 0)
    return -1;
  if (value != 0 && value != 1)
    return ir_node_error(diag, node, "attribute '%s' is %lld; it must be 0 or 1", name,
                         (long long)value);
  return 0;
}

static int check_pool_dtype(ir_graph *graph, const ir_node *node, dl_diag *diag) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  /* MaxPool also takes 8-bit integers (quantized models); averaging needs floats. */
  if (node->op == IR_OP_MAX_POOL && (dtype == IR_DTYPE_I8 || dtype == IR_DTYPE_U8))
    return 0;
  return ir_expect_float(graph, node, 0, diag);
}

int ir_infer_pool(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 3, IR_MAX_RANK, diag) != 0 ||
      check_pool_dtype(graph, node, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 2, ir_op_name(node->op), diag) != 0)
    return -1;
  const char *flag = node->op == IR_OP_MAX_POOL       ? "storage_order"
                     : node->op == IR_OP_AVERAGE_POOL ? "count_include_pad"
                                                      : NULL;
  if (flag && check_flag(node, flag, diag) != 0)
    return -1;
  if (node->op != IR_OP_MAX_POOL && node->num_outputs != 1)
    return ir_node_error(diag, node, "%s has one output, not %d", ir_op_name(node->op),
                         node->num_outputs);
  ir_window window;
  if (ir_window_read(node, x->rank - 2, NULL, &window, diag) != 0)
    return -1;
  ir_type result = *x;
  if (ir_window_output(node, &window, &x->dims[2], &result.dims[2], diag) != 0 ||
      ir_set_output_type(node, 0, result, diag) != 0)
    return -1;
  if (node->num_outputs > 1) {
    result.dtype = IR_DTYPE_I64; /* flat indices of the maxima */
    return ir_set_output_type(node, 1, result, diag);
  }
  return 0;
}

/* GlobalAveragePool, GlobalMaxPool: (N, C, D1..Dn) → (N, C, 1..1). */
int ir_infer_global_pool(ir_graph *graph, ir_node *node, dl_diag *diag) {
  if (ir_expect_rank(graph, node, 0, 3, IR_MAX_RANK, diag) != 0 ||
      check_pool_dtype(graph, node, diag) != 0)
    return -1;
  ir_type result = node->inputs[0]->type;
  for (int i = 2; i < result.rank; i++)
    result.dims[i] = 1;
  return ir_set_output_type(node, 0, result, diag);
}
