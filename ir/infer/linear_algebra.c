/* Inference of Einsum (ir/einsum.h parses the equation), Det and EyeLike. */
#include "ir/einsum.h"
#include "ir/infer.h"

/* Einsum(inputs..., equation): the output's dims are its labels' sizes. */
int ir_infer_einsum(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const char *equation;
  if (ir_attr_string(node, "equation", NULL, &equation, diag) != 0)
    return -1;
  if (!equation)
    return ir_node_error(diag, node, "attribute 'equation' is required");
  const ir_type *types[IR_EINSUM_MAX_OPERANDS];
  for (int i = 0; i < node->num_inputs && i < IR_EINSUM_MAX_OPERANDS; i++) {
    if (ir_expect_static_dims(graph, node, i, 0, "Einsum's operands", diag) != 0 ||
        ir_expect_same_dtype(graph, node, i, 0, diag) != 0)
      return -1;
    types[i] = &node->inputs[i]->type;
  }
  ir_einsum einsum;
  char error[256];
  if (ir_einsum_parse(equation, types, node->num_inputs, &einsum, error, sizeof error) != 0)
    return ir_node_error(diag, node, "equation '%s': %s", equation, error);
  ir_type result = node->inputs[0]->type;
  result.rank = einsum.output_rank;
  for (int d = 0; d < einsum.output_rank; d++)
    result.dims[d] = einsum.sizes[einsum.output_labels[d]];
  return ir_set_output_type(node, 0, result, diag);
}

/* Det(X [..., M, M]): the determinants, [...]. */
int ir_infer_det(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  if (ir_expect_rank(graph, node, 0, 2, IR_MAX_RANK, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, x->rank - 2, "Det's matrices", diag) != 0)
    return -1;
  if (x->dims[x->rank - 1] != x->dims[x->rank - 2])
    return ir_input_error(graph, diag, node, 0, "Det needs square matrices");
  ir_type result = *x;
  result.rank -= 2;
  return ir_set_output_type(node, 0, result, diag);
}

/* EyeLike(X [R, C], dtype?, k): ones where column - row == k, of `dtype` (X's by default). */
int ir_infer_eye_like(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_type result = node->inputs[0]->type;
  ir_dtype dtype;
  int64_t k;
  if (ir_expect_rank(graph, node, 0, 2, 2, diag) != 0 ||
      ir_attr_dtype(node, "dtype", result.dtype, &dtype, diag) != 0 ||
      ir_attr_int_default(node, "k", &k, diag) != 0)
    return -1;
  result.dtype = dtype;
  return ir_set_output_type(node, 0, result, diag);
}
